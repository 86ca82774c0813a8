/* slot: one process of the app and what tinyhold keeps for it: its pid and
 * process group, its exec-error pipe, its own notify socket, and a pidfd on a
 * leftover whose end would not reach us. What the slot is for (serving an
 * instance, replacing one, on its way out) is pool.c's to say; the slot
 * never logs and decides nothing. */
#ifndef TINYHOLD_SLOT_H
#define TINYHOLD_SLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fdstore.h"
#include "held.h"
#include "spawn.h"

struct slot {
	pid_t pid;		/* 0: not running, or reaped */
	pid_t pgid;		/* its process group, kept until the group is empty */
	int errfd;		/* exec outcome pipe; -1 once the outcome is known */
	int notifyfd;		/* its own NOTIFY_SOCKET (-1 without --notify), opened at its
				 * first start and kept: who it came to says whose it is */
	int watchfd;		/* pidfd of a leftover whose parent is not us, or -1 */
	char notify_addr[SPAWN_NOTIFY_ADDR_MAX];
	int64_t started_ms;
	unsigned long restarts;	/* the TINYHOLD_RESTARTS it was started with */
	bool exec_failed;
	struct spawn_error exec_error;
	bool reaped;		/* reaped in this pass; status holds how it ended */
	int status;
	int64_t drop_warned_ms;	/* the last "dropped a notify datagram" line about it */
	unsigned long dropped;	/* its datagrams dropped so far */
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
	const int *std_fds;	/* its stdout and stderr (the relay's pipes), or NULL: tinyhold's */
};

/* Empty, owning nothing. */
void slot_reset(struct slot *s);

/* Free again: closes the exec pipe and the pidfd, forgets the process. The
 * notify socket stays: the next process in this slot gets the same one, so a
 * restart opens nothing and closes nothing (what a sender left in its queue
 * is read and dropped like any datagram from someone who is not the app). */
void slot_free(struct slot *s);

/* Starts the app in s (0), or -errno with s owning nothing new. take_tty: it
 * gets the terminal's foreground. */
int slot_spawn(struct slot *s, const struct slot_start *st, int index, unsigned long restarts,
	       bool take_tty, int64_t now_ms);

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
