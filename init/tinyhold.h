/* tinyhold: the state the loop owns, shared by the modules that act on it:
 * setup.c fills it, instances.c starts and stops the app's slots, heard.c
 * reads their notify sockets, main.c runs the loop. Nothing here acts. */
#ifndef TINYHOLD_TINYHOLD_H
#define TINYHOLD_TINYHOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "fdstore.h"
#include "held.h"
#include "notify.h"
#include "opts.h"
#include "privs.h"
#include "reload.h"
#include "slot.h"
#include "spawn.h"

#define EXIT_USAGE 2
#define EXIT_SETUP 125
#define SLOTS_MAX (2 + RETIRING_MAX)	/* the app, a reload's new one, old ones stopping */

struct tinyhold {
	struct config cfg;
	struct privs privs;
	struct spawn_ctx spawn;
	struct slot slots[SLOTS_MAX];	/* slot 0 serves first; roles move on reloads */
	struct reload reload;
	int sigfd;
	struct held held;	/* inherited sockets first, then -p's, in order */
	struct fdstore store;
	int *pass_fds;	/* held + stored, for one start */
	char *pass_names;	/* HELD_NAMES_MAX + 1 */
	struct notify_datagram dgram;
	size_t notify_room;	/* closer room one datagram may need: its fds and the whole store */
	uid_t app_uid;
	struct rlimit nofile;	/* as tinyhold was started: the app gets it back */
	rlim_t fd_limit;	/* tinyhold's own, raised to the hard limit */
	int64_t notify_warned_ms;
	unsigned long notify_dropped;
	pid_t self;
	bool give_tty;
	/* What this pass of the loop collected, for its decisions: */
	bool sigchld;		/* reap */
	bool groups_changed;	/* a reap, a SIGKILL or a watched leftover's end: look at the groups */
	unsigned long reaped;	/* how many were reaped in this pass, for their order */
	bool exit_due;		/* the supervisor is done; waiting for old instances */
	int exit_code;
};

#endif
