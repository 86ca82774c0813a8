/* pgroup: kill(-pgid, 0) first (no members: done, no /proc needed); only
 * when it finds members does it read /proc to tell live ones from zombies.
 * It never signals anything. */
#include "pgroup.h"
#include "fmt.h"
#include "io.h"
#include "mem.h"
#include "num.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
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
	fmt(self, sizeof self, "%d", (int)getpid());
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

	fmt(path, sizeof path, "/proc/%s/stat", name);
	if (io_read_file(path, buf, sizeof buf) <= 0)
		return false;
	p = strrchr(buf, ')');	/* comm may hold spaces and parentheses */
	if (p == NULL || p[1] != ' ' || p[2] == '\0')
		return false;
	*state = p[2];
	p += 3;
	return next_int(&p, ppid) && next_int(&p, pgrp);
}

bool pgroup_stat(pid_t pid, pid_t *ppid, pid_t *pgrp)
{
	char name[24], state;
	int pp, pg;

	fmt(name, sizeof name, "%d", (int)pid);
	if (pid <= 0 || !proc_is_ours() || !read_stat(name, &state, &pp, &pg) || state == 'Z')
		return false;
	*ppid = pp;
	*pgrp = pg;
	return true;
}

bool pgroup_alive(pid_t pgid)
{
	pid_t stray;

	return pgroup_alive_stray(pgid, &stray);
}

/* /proc's entries through getdents64, not opendir(): musl's DIR is malloc'd,
 * and its closedir()'s free() would bring the general allocator into a binary
 * that allocates only at start. Each record is the kernel's struct
 * linux_dirent64: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, d_name. */
#define DIRENT_RECLEN_AT 16
#define DIRENT_NAME_AT 19

/* What one /proc entry says about pgid; false when the walk can stop. */
static bool look_at(const char *name, pid_t pgid, pid_t self, bool *alive, pid_t *stray)
{
	unsigned long pid;
	char state;
	int ppid, pgrp;

	if (name[0] < '1' || name[0] > '9')
		return true;
	if (!read_stat(name, &state, &ppid, &pgrp) || pgrp != pgid)
		return true;
	if (state == 'Z' && ppid != self)
		return true;	/* dead: only its parent, not in the group, can reap it */
	*alive = true;
	if (state == 'Z' || ppid == self)
		return false;	/* ours: its SIGCHLD (or its reap) is still to come */
	if (num_parse(name, 0x7fffffff, &pid) == NUM_OK)
		*stray = (pid_t)pid;
	return true;
}

bool pgroup_alive_stray(pid_t pgid, pid_t *stray)
{
	_Alignas(8) char buf[4096];
	pid_t self = getpid();
	bool alive = false, more = true;
	int fd;

	*stray = 0;
	if (pgid <= 0 || (kill(-pgid, 0) < 0 && errno == ESRCH))
		return false;
	if (!proc_is_ours() || (fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return true;	/* cannot tell: trust kill(), and the drain timeout bounds the wait */
	while (more) {
		long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
		size_t off;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (off = 0; more && off < (size_t)n;) {
			unsigned short reclen;

			memcpy(&reclen, buf + off + DIRENT_RECLEN_AT, sizeof reclen);
			more = look_at(buf + off + DIRENT_NAME_AT, pgid, self, &alive, stray);
			off += reclen;
		}
	}
	(void)close(fd);
	return alive;
}
