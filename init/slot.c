/* slot: the fds and pids of one process of the app; see slot.h. No fd a
 * sender handed us is ever closed here. */
#include "slot.h"
#include "notify.h"
#include "pgroup.h"

#include <errno.h>
#include <string.h>
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

void slot_free(struct slot *s)
{
	if (s->errfd >= 0)
		(void)close(s->errfd);
	s->errfd = -1;
	slot_unwatch(s);
	s->pid = s->pgid = 0;
	s->reaped = false;
	s->exec_failed = false;
}

int slot_spawn(struct slot *s, const struct slot_start *st, int index, unsigned long restarts,
	       bool take_tty, int64_t now_ms)
{
	size_t n;
	pid_t pid;

	s->exec_failed = false;
	s->reaped = false;
	s->pid = s->pgid = 0;
	if (s->errfd >= 0)
		(void)close(s->errfd);	/* an outcome never read: its child is gone */
	s->errfd = -1;
	slot_unwatch(s);
	if (st->notify && s->notifyfd < 0) {
		int fd = notify_open(s->notify_addr, sizeof s->notify_addr);
		if (fd < 0)
			return fd;
		s->notifyfd = fd;
	}
	held_reset(st->held, st->others_run);
	n = held_pass(st->held, st->store, st->pass_fds, st->pass_names);
	pid = spawn_start(st->spawn, st->pass_fds, n, st->pass_names,
			  s->notifyfd >= 0 ? s->notify_addr : NULL, index, restarts, take_tty,
			  st->std_fds, &s->errfd);
	if (pid < 0) {
		s->errfd = -1;
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
