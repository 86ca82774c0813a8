/* fdstore: the fds an app handed over with FDSTORE=1, kept across its
 * restarts and given back after the held sockets. Bounded by --fdstore-max. */
#ifndef TINYHOLD_FDSTORE_H
#define TINYHOLD_FDSTORE_H

#include <stddef.h>

#include "notify.h"
#include "spec.h"

#define FDSTORE_DEFAULT_NAME "stored"	/* systemd's name for an fd stored without FDNAME= */

/* The name an fd is stored under: FDNAME=, or systemd's default without one. */
static inline const char *fdstore_name(const char *fdname)
{
	return fdname[0] ? fdname : FDSTORE_DEFAULT_NAME;
}

struct fdstore_entry {
	int fd;
	char name[SPEC_NAME_MAX + 1];
};

struct fdstore {
	struct fdstore_entry *entries;
	size_t n, max;
	int owner;	/* the instance: its closes go to its own closers (closer.c) */
};

/* 0 or -ENOMEM. max 0: the store is off. */
int fdstore_init(struct fdstore *st, size_t max, int owner);

/* Takes fd: stored (1), a duplicate of one already stored and closed (0), or
 * closed because the store is full (-ENOSPC). Every close goes through
 * closer.c: these fds are the app's, and a close of them may block. */
int fdstore_add(struct fdstore *st, int fd, const char *name);

/* Closes and forgets every fd called name; returns how many. */
size_t fdstore_remove(struct fdstore *st, const char *name);

#endif
