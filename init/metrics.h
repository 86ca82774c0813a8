/* metrics: what tinyhold counts, and the Prometheus text format (0.0.4) of a
 * snapshot of its state. Pure: counters_step() counts what one step of the
 * pool said, metrics_render() formats; status.c takes the snapshot (the
 * syscalls), instances.c's step() is the one place that counts. */
#ifndef TINYHOLD_METRICS_H
#define TINYHOLD_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "pool.h"

enum metrics_cause { CAUSE_EXIT_CODE, CAUSE_SIGNAL, CAUSE_WATCHDOG, CAUSES };

struct counters {
	unsigned long restarts;		/* restarts decided (TINYHOLD_RESTARTS, summed) */
	unsigned long exits[CAUSES];	/* main processes of the app reaped, by how they ended */
	unsigned long reloads;		/* instances replaced by a reload */
	unsigned long reload_failures;	/* replacements given up on: the old one kept */
};

/* After pool_step(p, ev): counts its notes and, for an exit, its cause. */
void counters_step(struct counters *c, const struct pool *p, const struct pool_ev *ev);

struct metrics_listener {
	const char *name;	/* its fd name (LISTEN_FDNAMES) */
	int fd;			/* the app's fd number: unique where names repeat */
	unsigned queue;		/* connections waiting for accept() */
	unsigned backlog;	/* how many may wait */
};

struct metrics_snap {
	const struct counters *c;
	unsigned long log_dropped;	/* tinyhold's own log lines */
	unsigned long notify_dropped;	/* datagrams not heard */
	bool ready, live;
	const bool *up;			/* per instance: its main process runs */
	size_t instances;
	const struct metrics_listener *listeners;	/* the held TCP listeners */
	size_t nlisteners;
	long long start_s;		/* tinyhold's start, seconds since the epoch */
};

/* The text into buf (NUL-terminated if len > 0); its whole length, which is
 * len or more if it was cut. */
size_t metrics_render(char *buf, size_t len, const struct metrics_snap *m);

/* The bytes metrics_render() needs at most for instances and listeners. */
size_t metrics_max(size_t instances, size_t listeners);

#endif
