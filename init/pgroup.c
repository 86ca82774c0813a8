/* pgroup: kill(-pgid, 0) first (no members: done, no /proc needed); only
 * when it finds members does it read /proc to tell live ones from zombies.
 * It never signals anything. */
#include "pgroup.h"
#include "io.h"
#include "num.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define STAT_READ_MAX 512	/* "pid (comm) state ppid pgrp" fits well within this */

/* /proc may be another pid namespace's (a PID 1 without --mount-proc):
 * then its pids mean nothing to us. */
static bool proc_is_ours(void)
{
	char link[32], self[24];
	ssize_t n = readlink("/proc/self", link, sizeof link - 1);

	if (n <= 0)
		return false;
	link[n] = '\0';
	snprintf(self, sizeof self, "%d", (int)getpid());
	return strcmp(link, self) == 0;
}

/* A decimal after one space, as in /proc/PID/stat; advances *p. (Not sscanf:
 * that would pull 10 KB of float scanning into a static PID 1.) */
static bool next_int(const char **p, int *out)
{
	const char *q = *p;
	unsigned long v;
	size_t len;

	if (*q++ != ' ')
		return false;
	len = strcspn(q, " ");
	if (num_parse_n(q, len, 0x7fffffffUL, &v) != NUM_OK)
		return false;
	*out = (int)v;
	*p = q + len;
	return true;
}

/* state, ppid and pgrp of /proc/NAME/stat; false if the process is gone. */
static bool read_stat(const char *name, char *state, int *ppid, int *pgrp)
{
	char path[64], buf[STAT_READ_MAX];
	const char *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/%s/stat", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = io_read(fd, buf, sizeof buf - 1);
	(void)close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strrchr(buf, ')');	/* comm may hold spaces and parentheses */
	if (p == NULL || p[1] != ' ' || p[2] == '\0')
		return false;
	*state = p[2];
	p += 3;
	return next_int(&p, ppid) && next_int(&p, pgrp);
}

bool pgroup_alive(pid_t pgid)
{
	pid_t stray;

	return pgroup_alive_stray(pgid, &stray);
}

bool pgroup_alive_stray(pid_t pgid, pid_t *stray)
{
	pid_t self = getpid();
	struct dirent *de;
	bool alive = false;
	DIR *d;

	*stray = 0;
	if (pgid <= 0 || (kill(-pgid, 0) < 0 && errno == ESRCH))
		return false;
	if (!proc_is_ours() || (d = opendir("/proc")) == NULL)
		return true;	/* cannot tell: trust kill(), and the drain timeout bounds the wait */
	while ((de = readdir(d)) != NULL) {
		unsigned long pid;
		char state;
		int ppid, pgrp;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		if (!read_stat(de->d_name, &state, &ppid, &pgrp) || pgrp != pgid)
			continue;
		if (state == 'Z' && ppid != self)
			continue;	/* dead: only its parent, not in the group, can reap it */
		alive = true;
		if (state == 'Z' || ppid == self)
			break;	/* ours: its SIGCHLD (or its reap) is still to come */
		if (num_parse(de->d_name, 0x7fffffff, &pid) == NUM_OK)
			*stray = (pid_t)pid;
	}
	(void)closedir(d);
	return alive;
}
