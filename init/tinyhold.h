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
#define SLOTS_EXTRA (1 + RETIRING_MAX)	/* beside the instances: a reload's new one, old ones stopping */

struct tinyhold {
	struct config cfg;
	struct privs privs;
	struct spawn_ctx spawn;
	struct slot *slots;	/* nslots: instance i serves in slot i first; roles move on reloads */
	size_t nslots;		/* instances + SLOTS_EXTRA */
	int instances;		/* -n: how many serve at once */
	struct sup_window window;	/* --max-restarts: one budget for all instances */
	struct reload reload;
	int rolling;		/* the instance a rolling reload replaces next, or -1 */
	int reload_index;	/* the instance the reload machine replaces now, or -1 */
	int gave_up;		/* the instance whose crash loop ended it all, or -1 */
	int sigfd;
	struct held held;	/* inherited sockets first, then -p's, in order */
	struct fdstore *stores;	/* one per instance: instance i gets back what instance i stored */
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
	bool stop_due;		/* a crash loop used up the budget: stop every instance */
};

#endif
