/* held: the sockets tinyhold holds for the app (inherited ones first, then
 * -p's), and what one start passes: the held sockets, then the fd store, with
 * LISTEN_FDNAMES. It owns the rule that whatever is held or stored fits into
 * the next start: the kernel's limit on one environment string and the fd
 * limit. It never logs. */
#ifndef TINYHOLD_HELD_H
#define TINYHOLD_HELD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>

#include "fdstore.h"
#include "spec.h"

/* The kernel's MAX_ARG_STRLEN (32 pages of 4 KiB) for one environment string,
 * less "LISTEN_FDNAMES=" and the NUL: longer, and exec fails with E2BIG. */
#define HELD_NAMES_MAX (131072 - sizeof "LISTEN_FDNAMES=")
#define HELD_OWN_FDS 16	/* tinyhold's own fds (signals, log, notify, pipes) beside the app's */

struct held {
	int *fds;
	char (*names)[SPEC_NAME_MAX + 1];
	size_t n, cap;
	size_t names_len;	/* of "a:b:c" for the held sockets alone */
	int backlog;		/* for listen() again when an app shut a socket down */
	rlim_t fd_limit;	/* tinyhold's RLIMIT_NOFILE: every start must fit in it */
};

/* 0 or -ENOMEM. */
int held_init(struct held *h, size_t cap, int backlog, rlim_t fd_limit);
void held_add(struct held *h, int fd, const char *name);

/* 0 if a start with the held sockets and nothing stored fits, else -E2BIG
 * (the names) or -EMFILE (the fds). */
int held_check(const struct held *h);

#define HELD_SLOT_FDS 4	/* each slot's own: notify socket, exec pipe (two while it forks), pidfd */

/* How many fds one of instances instances may store (at most max): its share
 * of tinyhold's fd table once tinyhold's own fds, the held sockets, the
 * slot_fds of each of the slots (HELD_SLOT_FDS, and the relay's pipes with
 * -n 2 and more) and one full datagram in flight per instance are set aside.
 * With it, what one instance stores can never leave another without the fds
 * its next start needs. Pure. */
size_t held_store_quota(const struct held *h, size_t max, size_t instances, size_t slots,
			size_t slot_fds);

/* Whether one more fd called name can be stored: the next start still fits. */
bool held_store_fits(const struct held *h, const struct fdstore *st, const char *name);

/* Before each start: every held socket as the app is promised it, blocking
 * (an app may have set O_NONBLOCK on the shared open file) and, for a stream
 * socket, listening (an app may have shut it down to wake its accept()).
 * With others running (-n) it stays as it is but listening: they share the
 * open file, and an event loop would block in accept() without O_NONBLOCK. */
void held_reset(const struct held *h, bool others_run);

/* The final stop: closes tinyhold's copies of the held listeners and datagram
 * sockets (each fd becomes -1), so that they live exactly as long as the app
 * keeps them. Never before a stop for good: no start may follow. Returns how
 * many were closed. */
size_t held_release(struct held *h);

/* The fds of one start (held, then stored) into fds (room for h->n + st->n)
 * and their names, ':'-separated, into names (room for HELD_NAMES_MAX + 1).
 * Returns how many. */
size_t held_pass(const struct held *h, const struct fdstore *st, int *fds, char *names);

#endif
