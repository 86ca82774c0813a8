/* closer: systemd's asynchronous_close(), for a process without threads. The
 * child is cloned with CLONE_FILES and without CLONE_VM: it shares the fd
 * table (its close() removes the fd for both, and the final release of the
 * file runs in the child), and has a copy of our memory, so it reads the
 * list as it was when it was cloned and the parent may reuse the list at once. */
#include "closer.h"
#include "mem.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define CLOSER_STACK_BYTES 16384	/* the child calls close() and _exit(), nothing more */
#define CLOSER_RETRY_MS 1000	/* clone() failed: out of pids or memory */

static struct {
	int *fds;		/* waiting for a closer */
	size_t n, cap;
	pid_t live[CLOSERS_MAX];	/* 0: a free place */
	int64_t retry_at_ms;	/* -1, or when to try clone() again */
} c = { .retry_at_ms = -1 };

/* The child's stack: in its own copy of our memory, so one buffer serves every closer. */
static char stack[CLOSER_STACK_BYTES] __attribute__((aligned(16)));

int closer_init(size_t cap)
{
	c.fds = mem_alloc(cap ? cap : 1, sizeof *c.fds);
	c.cap = cap;
	return c.fds == NULL ? -ENOMEM : 0;
}

size_t closer_room(void)
{
	return c.cap - c.n;
}

void closer_add(int fd)
{
	if (fd < 0)
		return;
	if (c.n < c.cap) {
		c.fds[c.n++] = fd;
		return;
	}
	/* Cannot happen: callers keep room. Leaking one fd is better than blocking PID 1. */
}

void closer_drop(int fd)
{
	struct linger reset = { .l_onoff = 1, .l_linger = 0 };

	/* ENOTSOCK for anything but a socket: nothing to defuse there. */
	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
	closer_add(fd);
}

static int closer_main(void *arg)	/* cppcheck-suppress constParameter ; clone() fixes the type */
{
	const int *fds = c.fds;
	size_t i, n = c.n;

	/* Not PID 1: if tinyhold dies, so does its closer (and its wait with it). */
	if (arg == stack)
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (i = 0; i < n; i++)
		(void)close(fds[i]);
	return 0;	/* clone()'s own code ends the child with exit(2), not libc's exit() */
}

void closer_flush(int64_t now_ms)
{
	size_t slot;
	pid_t pid;

	if (c.n == 0 || (c.retry_at_ms >= 0 && now_ms < c.retry_at_ms))
		return;
#ifdef CLOSER_IN_PLACE
	/* valgrind cannot follow a clone() that shares the fd table but not the
	 * memory, so its build (make valgrind) closes here. Never in a real build. */
	(void)closer_main(NULL);
	c.n = 0;
	return;
#endif
	for (slot = 0; slot < CLOSERS_MAX && c.live[slot] != 0; slot++)
		;
	if (slot == CLOSERS_MAX)
		return;	/* all busy: the next one that ends makes room */
	pid = clone(closer_main, stack + sizeof stack, CLONE_FILES | SIGCHLD, stack);
	if (pid < 0) {
		c.retry_at_ms = now_ms + CLOSER_RETRY_MS;
		return;
	}
	c.retry_at_ms = -1;
	c.live[slot] = pid;
	c.n = 0;	/* the child works from its own copy of the list */
}

bool closer_reaped(pid_t pid)
{
	size_t i;

	for (i = 0; i < CLOSERS_MAX; i++) {
		if (pid > 0 && c.live[i] == pid) {
			c.live[i] = 0;
			return true;
		}
	}
	return false;
}

int64_t closer_due_ms(void)
{
	return c.n > 0 ? c.retry_at_ms : -1;
}
