/* fdstore: a small array of (fd, name). Duplicates (the same open file, as
 * fstat() tells) are stored once, as systemd does, so an app that stores
 * its fds again after each restart does not fill the store. */
#include "fdstore.h"
#include "closer.h"
#include "fmt.h"
#include "mem.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef KCMP_FILE
#define KCMP_FILE 0	/* linux/kcmp.h */
#endif

int fdstore_init(struct fdstore *st, size_t max, int owner)
{
	st->n = 0;
	st->owner = owner;
	st->max = max;
	st->entries = NULL;
	if (max > 0 && (st->entries = mem_alloc(max, sizeof *st->entries)) == NULL)
		return -ENOMEM;
	return 0;
}

/* The same open file (what dup() or SCM_RIGHTS of one fd give), not merely the
 * same inode: the two ends of a pipe share one inode but are two open files. */
static bool same_file(int a, int b)
{
	struct stat sa, sb;
	pid_t self = getpid();
	long r = syscall(SYS_kcmp, self, self, KCMP_FILE, a, b);

	if (r >= 0)
		return r == 0;
	/* No kcmp (CONFIG_KCMP off, or a seccomp filter): the inode and the access mode. */
	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino && fcntl(a, F_GETFL) == fcntl(b, F_GETFL);
}

int fdstore_add(struct fdstore *st, int fd, const char *name)
{
	size_t i;

	for (i = 0; i < st->n; i++) {
		if (same_file(st->entries[i].fd, fd)) {
			closer_add(st->owner, fd);
			return 0;
		}
	}
	if (st->n >= st->max) {
		closer_add(st->owner, fd);
		return -ENOSPC;
	}
	st->entries[st->n].fd = fd;
	fmt(st->entries[st->n].name, sizeof st->entries[st->n].name, "%s",
		 fdstore_name(name));
	st->n++;
	return 1;
}

size_t fdstore_remove(struct fdstore *st, const char *name)
{
	size_t i = 0, removed = 0;

	while (i < st->n) {
		if (strcmp(st->entries[i].name, name) == 0) {
			closer_add(st->owner, st->entries[i].fd);
			/* Keep the order: the app sees the fds in the order it stored them. */
			memmove(&st->entries[i], &st->entries[i + 1],
				(st->n - i - 1) * sizeof st->entries[0]);
			st->n--;
			removed++;
		} else {
			i++;
		}
	}
	return removed;
}
