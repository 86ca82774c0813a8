/* tinyhold: the state the loop owns, shared by the modules that act on it:
 * setup.c fills it, pool.c decides for the instances, instances.c carries
 * that out on the slots, heard.c reads their notify sockets, relayio.c passes
 * on their output (-n 2 and more), main.c runs the loop. Nothing here acts. */
#ifndef TINYHOLD_TINYHOLD_H
#define TINYHOLD_TINYHOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "fdstore.h"
#include "held.h"
#include "metrics.h"
#include "notify.h"
#include "opts.h"
#include "pool.h"
#include "privs.h"
#include "relayio.h"
#include "sig.h"
#include "slot.h"
#include "spawn.h"

#define EXIT_USAGE 2
#define EXIT_SETUP 125
#define PASS_SIGNALS_MAX 32	/* signals read in one pass; more wait in the signalfd for the next */

/* What one pass of the loop collected and has still to carry out. It lives
 * only from one poll() to the next. */
struct pass {
	struct sig_info forward[PASS_SIGNALS_MAX];	/* to forward to the instances, in order */
	size_t nforward;
	bool sigchld;		/* reap */
	bool groups_changed;	/* a reap, a SIGKILL or a watched leftover's end: look at the groups */
	bool fault;		/* a system call of the loop failed: do not spin on it */
};

struct tinyhold {
	struct config cfg;
	struct privs privs;
	struct spawn_ctx spawn;
	struct pool pool;	/* the decisions: one pool_slot per slot */
	struct relayio relay;	/* -n 2 and more: the instances' output, whole lines (issue 15) */
	struct slot *slots;	/* the processes and fds: nslots, parallel to pool.slots */
	size_t nslots;		/* instances + POOL_SLOTS_EXTRA */
	int instances;		/* -n: how many serve at once */
	int sigfd;
	struct held held;	/* inherited sockets first, then -p's, in order */
	struct fdstore *stores;	/* one per instance: instance i gets back what instance i stored */
	int *pass_fds;		/* held + stored, for one start */
	char *pass_names;	/* HELD_NAMES_MAX + 1 */
	struct notify_datagram dgram;
	size_t notify_room;	/* closer room one datagram may need: its fds and the whole store */
	uid_t app_uid;
	struct rlimit nofile;	/* as tinyhold was started: the app gets it back */
	rlim_t fd_limit;	/* tinyhold's own, raised to the hard limit */
	pid_t self;
	bool give_tty;
	struct pass pass;
	struct counters counted;	/* by step() in instances.c, for GET /metrics */
};

#endif
