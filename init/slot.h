/* slot: one process of the app and what tinyhold keeps for it: its pid and
 * process group, its restart decision (struct sup), its exec-error pipe, its
 * own notify socket, and a pidfd on a leftover whose end would not reach us.
 * The app being served, a reload's new instance and an old one on its way
 * out are all slots, told apart by their role. It never logs and decides
 * nothing: instances.c does, with supervise.c and reload.c. */
#ifndef TINYHOLD_SLOT_H
#define TINYHOLD_SLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fdstore.h"
#include "held.h"
#include "reload.h"
#include "spawn.h"
#include "supervise.h"

enum slot_role {
	SLOT_FREE,
	SLOT_SERVING,	/* supervised by its sup: running, stopping, draining or backing off */
	SLOT_NEW,	/* a reload's new instance, until its READY=1 */
	SLOT_RETIRING,	/* stopped after a reload; its group is drained, then the slot is free */
};

struct slot {
	enum slot_role role;
	int index;		/* TINYHOLD_INSTANCE: the instance it runs, 0..N-1; a reload's
				 * new one has the index of the one it replaces */
	pid_t pid;		/* 0: not running, or reaped */
	pid_t pgid;		/* its process group, kept until the group is empty */
	int errfd;		/* exec outcome pipe; -1 once the outcome is known */
	int notifyfd;		/* its own NOTIFY_SOCKET (-1 without --notify): who it came to
				 * says whose it is */
	int watchfd;		/* pidfd of a leftover whose parent is not us, or -1 */
	char notify_addr[SPAWN_NOTIFY_ADDR_MAX];
	int64_t started_ms;
	unsigned long restarts;	/* the TINYHOLD_RESTARTS it was started with */
	bool exec_failed;
	struct spawn_error exec_error;
	unsigned long reaped;	/* reaped in this pass, in this order (1, 2, ...); 0: not */
	int status;		/* of waitpid(), valid while reaped */
	bool start_due;		/* its sup said SUP_START: started at the end of the pass */
	struct sup sup;		/* SERVING: its restart decision */
	struct retire retire;	/* RETIRING */
};

/* What one start passes on. */
struct slot_start {
	struct spawn_ctx *spawn;
	const struct held *held;
	const struct fdstore *store;	/* this instance's */
	bool others_run;	/* other instances run: the held sockets keep their O_NONBLOCK */
	int *pass_fds;		/* room for held + store */
	char *pass_names;	/* room for HELD_NAMES_MAX + 1 */
	bool notify;		/* a notify socket of its own */
};

/* Empty, owning nothing. */
void slot_reset(struct slot *s);

/* Empty and free, after closing what it owned. */
void slot_free(struct slot *s);

/* Closes its notify socket without a last close() of anything a sender put
 * in it: no new datagram gets in (shutdown), what is queued is read and its
 * fds go to closer.c. */
void slot_close_notify(struct slot *s);

/* Closes what tells about a process we no longer listen to: the notify
 * socket, the exec pipe. */
void slot_close_fds(struct slot *s);

/* Starts the app in s (0), or -errno with s owning nothing new. take_tty: it
 * gets the terminal's foreground. */
int slot_spawn(struct slot *s, const struct slot_start *st, unsigned long restarts, bool take_tty,
	       int64_t now_ms);

/* The exec outcome, once: 0 exec worked, 1 it failed (exec_error), -EAGAIN
 * not yet, -EALREADY known before. final: the child is reaped, the pipe is
 * closed whatever it says. */
int slot_exec_outcome(struct slot *s, bool final);

/* Whether nothing is left of its process group. When something is, and a
 * member's end would send us no SIGCHLD, watchfd is a pidfd to poll for it. */
bool slot_group_gone(struct slot *s);

/* The watched member ended: stop polling its pidfd (it stays readable). */
void slot_unwatch(struct slot *s);

#endif
