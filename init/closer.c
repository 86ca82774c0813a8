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

struct owner {
	int *fds;		/* waiting for a closer */
	size_t n;
	pid_t live[CLOSERS_PER_OWNER];	/* 0: a free place */
};

static struct {
	struct owner *owners;
	size_t nowners, cap;
	int64_t retry_at_ms;	/* -1, or when to try clone() again */
} c = { .retry_at_ms = -1 };

/* The child's stack: in its own copy of our memory, so one buffer serves every closer. */
static char stack[CLOSER_STACK_BYTES] __attribute__((aligned(16)));
/* The list the next child closes: it reads its own copy, made by clone(). */
static const struct owner *closing;

int closer_init(size_t owners, size_t cap)
{
	size_t i;

	c.owners = mem_alloc(owners ? owners : 1, sizeof *c.owners);
	if (c.owners == NULL)
		return -ENOMEM;
	c.nowners = owners;
	c.cap = cap;
	for (i = 0; i < owners; i++)
		if ((c.owners[i].fds = mem_alloc(cap ? cap : 1, sizeof(int))) == NULL)
			return -ENOMEM;
	return 0;
}

static struct owner *owner_of(int owner)
{
	return owner >= 0 && (size_t)owner < c.nowners ? &c.owners[owner] : NULL;
}

size_t closer_room(int owner)
{
	const struct owner *o = owner_of(owner);

	return o != NULL ? c.cap - o->n : 0;
}

void closer_add(int owner, int fd)
{
	struct owner *o = owner_of(owner);

	if (fd < 0 || o == NULL)
		return;
	if (o->n < c.cap) {
		o->fds[o->n++] = fd;
		return;
	}
	/* Cannot happen: callers keep room. Leaking one fd is better than blocking PID 1. */
}

void closer_drop(int owner, int fd)
{
	struct linger reset = { .l_onoff = 1, .l_linger = 0 };

	/* ENOTSOCK for anything but a socket: nothing to defuse there. */
	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
	closer_add(owner, fd);
}

static int closer_main(void *arg)	/* cppcheck-suppress constParameter ; clone() fixes the type */
{
	size_t i;

	/* Not PID 1: if tinyhold dies, so does its closer (and its wait with it). */
	if (arg == stack)
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (i = 0; i < closing->n; i++)
		(void)close(closing->fds[i]);
	return 0;	/* clone()'s own code ends the child with exit(2), not libc's exit() */
}

/* One closer for what o has waiting, if one of its places is free. */
static bool flush_owner(struct owner *o, int64_t now_ms)
{
	size_t place;
	pid_t pid;

#ifdef CLOSER_IN_PLACE
	/* valgrind cannot follow a clone() that shares the fd table but not the
	 * memory, so its build (make valgrind) closes here. Never in a real build. */
	closing = o;
	(void)closer_main(NULL);
	o->n = 0;
	(void)now_ms;
	(void)place;
	(void)pid;
	return true;
#else
	for (place = 0; place < CLOSERS_PER_OWNER && o->live[place] != 0; place++)
		;
	if (place == CLOSERS_PER_OWNER)
		return true;	/* all of its own are busy: the next one that ends makes room */
	closing = o;
	pid = clone(closer_main, stack + sizeof stack, CLONE_FILES | SIGCHLD, stack);
	if (pid < 0) {
		c.retry_at_ms = now_ms + CLOSER_RETRY_MS;
		return false;
	}
	o->live[place] = pid;
	o->n = 0;	/* the child works from its own copy of the list */
	return true;
#endif
}

void closer_flush(int64_t now_ms)
{
	size_t i;

	if (c.retry_at_ms >= 0 && now_ms < c.retry_at_ms)
		return;
	c.retry_at_ms = -1;
	for (i = 0; i < c.nowners; i++)
		if (c.owners[i].n > 0 && !flush_owner(&c.owners[i], now_ms))
			return;
}

bool closer_reaped(pid_t pid)
{
	size_t i, j;

	for (i = 0; i < c.nowners && pid > 0; i++) {
		for (j = 0; j < CLOSERS_PER_OWNER; j++) {
			if (c.owners[i].live[j] == pid) {
				c.owners[i].live[j] = 0;
				return true;
			}
		}
	}
	return false;
}

int64_t closer_due_ms(void)
{
	return c.retry_at_ms;
}
