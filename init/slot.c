/* slot: the fds and pids of one process of the app; see slot.h. Every fd a
 * sender handed us goes to closer.c, never to close() here. */
#include "slot.h"
#include "closer.h"
#include "deadline.h"
#include "mem.h"
#include "notify.h"
#include "pgroup.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434	/* the same on every architecture since Linux 5.3 */
#endif
#define WATCH_TRIES 3	/* a member that dies while we look: look again, but not forever */

void slot_reset(struct slot *s)
{
	memset(s, 0, sizeof *s);
	s->errfd = s->notifyfd = s->watchfd = -1;
}

void slot_close_notify(struct slot *s)
{
	static struct notify_datagram scratch;	/* not heard.c's: that one may be in use */
	size_t i;

	if (s->notifyfd < 0)
		return;
	(void)shutdown(s->notifyfd, SHUT_RD);
	for (;;) {
		/* A full queue may hold more fds than closer.c has room for: make room. */
		if (closer_room() < NOTIFY_FDS_MAX)
			closer_flush(deadline_now_ms());
		if (closer_room() < NOTIFY_FDS_MAX) {
			/* Every closer is stuck on someone's fds: closing the socket would
			 * release the rest of its queue here, in PID 1. It stays open (shut
			 * down, one fd) rather than risk that. */
			s->notifyfd = -1;
			return;
		}
		if (notify_recv(s->notifyfd, &scratch) <= 0)
			break;
		for (i = 0; i < scratch.nfds; i++)
			closer_drop(scratch.fds[i]);
	}
	(void)close(s->notifyfd);
	s->notifyfd = -1;
}

void slot_close_fds(struct slot *s)
{
	slot_close_notify(s);
	if (s->errfd >= 0)
		(void)close(s->errfd);
	s->errfd = -1;
}

void slot_free(struct slot *s)
{
	slot_close_fds(s);
	slot_unwatch(s);
	slot_reset(s);
}

int slot_spawn(struct slot *s, const struct slot_start *st, unsigned long restarts, bool take_tty,
	       int64_t now_ms)
{
	size_t n;
	pid_t pid;

	s->exec_failed = false;
	s->pid = s->pgid = 0;
	s->errfd = -1;
	slot_unwatch(s);
	if (st->notify) {
		s->notifyfd = notify_open(s->notify_addr, sizeof s->notify_addr);
		if (s->notifyfd < 0) {
			int r = s->notifyfd;
			s->notifyfd = -1;
			return r;
		}
	}
	held_reset(st->held, st->others_run);
	n = held_pass(st->held, st->store, st->pass_fds, st->pass_names);
	pid = spawn_start(st->spawn, st->pass_fds, n, st->pass_names,
			  s->notifyfd >= 0 ? s->notify_addr : NULL, s->index, restarts, take_tty,
			  &s->errfd);
	if (pid < 0) {
		s->errfd = -1;
		slot_close_notify(s);
		return (int)pid;
	}
	s->pid = s->pgid = pid;
	s->started_ms = now_ms;
	s->restarts = restarts;
	return 0;
}

int slot_exec_outcome(struct slot *s, bool final)
{
	int r;

	if (s->errfd < 0)
		return -EALREADY;
	r = spawn_outcome(s->errfd, &s->exec_error);
	if (r == -EAGAIN && !final)
		return r;
	(void)close(s->errfd);	/* final and -EAGAIN cannot be: the write end died with the child */
	s->errfd = -1;
	s->exec_failed = r == 1;
	return s->exec_failed ? 1 : 0;
}

void slot_unwatch(struct slot *s)
{
	if (s->watchfd >= 0)
		(void)close(s->watchfd);
	s->watchfd = -1;
}

bool slot_group_gone(struct slot *s)
{
	int tries;

	slot_unwatch(s);
	for (tries = 0; tries < WATCH_TRIES; tries++) {
		pid_t stray;

		if (!pgroup_alive_stray(s->pgid, &stray)) {
			s->pgid = 0;
			return true;
		}
		if (stray <= 0)
			return false;	/* its members' ends come to us as SIGCHLD */
		s->watchfd = (int)syscall(SYS_pidfd_open, stray, 0);
		if (s->watchfd >= 0 || errno != ESRCH)
			break;	/* watched; or no pidfd (Linux < 5.3): the drain timeout ends it */
	}
	return false;
}
