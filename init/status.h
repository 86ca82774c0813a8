/* status: --status ADDR, tinyhold's HTTP surface: GET or HEAD /ready, /live
 * and /metrics. It owns its own listening socket (never a held one) and a
 * fixed number of client connections, each with a deadline. A request reads
 * the state the loop keeps and is answered at once: it changes nothing, and
 * nothing here blocks or allocates after status_open(). main.c polls its fds
 * with the rest and calls status_serve() once the pass has acted. */
#ifndef TINYHOLD_STATUS_H
#define TINYHOLD_STATUS_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "spec.h"
#include "tinyhold.h"

#define STATUS_CONNS_MAX 16	/* clients at once (a probe, a scrape, a person); one more evicts the oldest */
#define STATUS_POLLFDS (1 + STATUS_CONNS_MAX)	/* the listener and the connections */
#define STATUS_FDS STATUS_POLLFDS		/* tinyhold's own fds it takes at most */

/* Binds at, for answers about instances instances and listeners held
 * sockets: 0, or -errno. */
int status_open(const struct sockspec *at, size_t instances, size_t listeners);

/* Its fds to poll into pfd (room for STATUS_POLLFDS): how many. 0 when off. */
size_t status_pollfds(struct pollfd *pfd);

/* The earliest deadline of a connection, or -1: with no client, none. */
int64_t status_due_ms(void);

/* What poll() found on the fds status_pollfds() gave (pfd, n): reads, answers,
 * drops whoever is past the deadline, accepts. */
void status_serve(const struct tinyhold *t, const struct pollfd *pfd, size_t n);

#endif
