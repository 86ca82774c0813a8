/* spawn: the only code that runs between fork() and exec(). No malloc, no
 * stdio and no locks there: a static PID 1 must not deadlock in its child.
 * fork(), not a vfork-style clone(CLONE_VM | CLONE_VFORK): that would save
 * the copy-on-write faults (about 30 us a restart), but PID 1 would wait for
 * the child's exec, and whoever may signal the child could SIGSTOP it there
 * and hold PID 1 (SECURITY.md). */
#include "spawn.h"
#include "fmt.h"
#include "io.h"
#include "mem.h"
#include "sig.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <termios.h>
#include <unistd.h>

#define NUM_BUF 21		/* the digits of 2^64-1 and a NUL */
#define ENV_OURS 9		/* entries tinyhold adds: see build_env() */
#define FDNAME_SLOT 256		/* one name of at most 255 bytes and its ':' */
#define APP_FD_ROOM 64		/* fds the app may open beyond what it is given, at the least */
#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1	/* linux/keyctl.h; musl has no keyutils header */
#endif

static bool has_key(const char *entry, const char *key_eq)
{
	return strncmp(entry, key_eq, strlen(key_eq)) == 0;
}

/* What tinyhold sets for the app, so our own parent's copy must not leak:
 * the socket-activation trio (stale or adopted, never the app's), the
 * watchdog pair (our parent's watchdog is ours, not the app's) and
 * TINYHOLD_RESTARTS; NOTIFY_SOCKET only when we set it, so that without
 * --notify an app can still speak to an outer supervisor (podman
 * --sdnotify=container). Other LISTEN_* (LISTEN_ADDR...) are the app's own. */
static bool tinyhold_owned(const struct spawn_settings *set, const char *entry)
{
	if (has_key(entry, "LISTEN_FDS=") || has_key(entry, "LISTEN_PID=") ||
	    has_key(entry, "LISTEN_FDNAMES=") || has_key(entry, "TINYHOLD_RESTARTS=") ||
	    has_key(entry, "TINYHOLD_INSTANCE="))
		return true;
	if (has_key(entry, "WATCHDOG_USEC=") || has_key(entry, "WATCHDOG_PID="))
		return true;
	return set->notify && has_key(entry, "NOTIFY_SOCKET=");
}

/* "KEY=" followed by value, with room for extra more bytes. */
static char *env_entry(const char *key_eq, const char *value, size_t extra)
{
	size_t lk = strlen(key_eq), lv = strlen(value);
	char *s = mem_alloc(1, lk + lv + extra + 1);

	if (s != NULL) {
		memcpy(s, key_eq, lk);
		memcpy(s + lk, value, lv);
		s[lk + lv] = '\0';	/* in sight: bugprone-not-null-terminated-result */
	}
	return s;
}

int spawn_init(struct spawn_ctx *c, const struct spawn_settings *set)
{
	char num[NUM_BUF];
	size_t n = 0, i;

	memset(c, 0, sizeof *c);
	c->set = *set;
	c->parent = set->die_with_parent ? getpid() : 0;
	for (i = 0; set->environ_in != NULL && set->environ_in[i] != NULL; i++)
		;
	c->base_env = mem_alloc(i + 1, sizeof *c->base_env);
	c->envp = mem_alloc(i + ENV_OURS + 1, sizeof *c->envp);
	c->moved = mem_alloc(set->max_fds + 1, sizeof *c->moved);
	c->sorted = mem_alloc(set->max_fds + 1, sizeof *c->sorted);
	c->listen_names_cap = set->max_fds * FDNAME_SLOT + 1;
	c->restarts = env_entry("TINYHOLD_RESTARTS=", "", NUM_BUF);
	c->instance = env_entry("TINYHOLD_INSTANCE=", "", NUM_BUF);
	c->listen_fds = env_entry("LISTEN_FDS=", "", NUM_BUF);
	c->listen_pid = env_entry("LISTEN_PID=", "", NUM_BUF);
	c->listen_names = env_entry("LISTEN_FDNAMES=", "", c->listen_names_cap);
	if (c->base_env == NULL || c->envp == NULL || c->moved == NULL || c->sorted == NULL ||
	    c->restarts == NULL || c->instance == NULL ||
	    c->listen_fds == NULL || c->listen_pid == NULL || c->listen_names == NULL)
		goto oom;
	if (set->notify &&
	    (c->notify_env = env_entry("NOTIFY_SOCKET=", "", SPAWN_NOTIFY_ADDR_MAX)) == NULL)
		goto oom;
	if (set->watchdog_usec > 0) {
		io_fmt_u64(num, (unsigned long long)set->watchdog_usec);
		c->watchdog_usec = env_entry("WATCHDOG_USEC=", num, 0);
		c->watchdog_pid = env_entry("WATCHDOG_PID=", "", NUM_BUF);
		if (c->watchdog_usec == NULL || c->watchdog_pid == NULL)
			goto oom;
	}
	for (i = 0; set->environ_in != NULL && set->environ_in[i] != NULL; i++)
		if (!tinyhold_owned(set, set->environ_in[i]))
			c->base_env[n++] = set->environ_in[i];
	c->nbase = n;
	return 0;
oom:
	spawn_free(c);
	return -ENOMEM;
}

void spawn_free(struct spawn_ctx *c)
{
	/* envp's and base_env's other entries belong to environ. */
	mem_free(c->restarts);
	mem_free(c->instance);
	mem_free(c->listen_fds);
	mem_free(c->listen_pid);
	mem_free(c->listen_names);
	mem_free(c->notify_env);
	mem_free(c->watchdog_usec);
	mem_free(c->watchdog_pid);
	mem_free(c->base_env);
	mem_free(c->envp);
	mem_free(c->moved);
	mem_free(c->sorted);
	memset(c, 0, sizeof *c);
}

/* The app's environment for this start; at most ENV_OURS entries of ours. */
static void build_env(struct spawn_ctx *c, size_t nfds, const char *names, const char *notify_addr,
		      int instance, unsigned long restarts)
{
	size_t n = c->nbase;

	memcpy(c->envp, c->base_env, n * sizeof *c->envp);
	io_fmt_u64(c->restarts + strlen("TINYHOLD_RESTARTS="), restarts);
	c->envp[n++] = c->restarts;
	io_fmt_u64(c->instance + strlen("TINYHOLD_INSTANCE="), (unsigned long long)instance);
	c->envp[n++] = c->instance;
	/* With no fds there is nothing to activate: the app sees no LISTEN_*. */
	if (nfds > 0) {
		io_fmt_u64(c->listen_fds + strlen("LISTEN_FDS="), nfds);
		fmt(c->listen_names + strlen("LISTEN_FDNAMES="), c->listen_names_cap, "%s", names);
		c->envp[n++] = c->listen_fds;
		c->envp[n++] = c->listen_names;
		c->envp[n++] = c->listen_pid;
	}
	if (c->notify_env != NULL && notify_addr != NULL) {
		fmt(c->notify_env + strlen("NOTIFY_SOCKET="), SPAWN_NOTIFY_ADDR_MAX, "%s",
			 notify_addr);
		c->envp[n++] = c->notify_env;
	}
	if (c->watchdog_usec != NULL) {
		c->envp[n++] = c->watchdog_usec;
		c->envp[n++] = c->watchdog_pid;
	}
	c->envp[n] = NULL;
}

__attribute__((noreturn))
static void child_fail(int errfd, int stage, int err)
{
	struct spawn_error e = { stage, err };

	/* 8 bytes into an empty pipe: atomic; the parent reads 0 bytes if exec worked. */
	while (write(errfd, &e, sizeof e) < 0 && errno == EINTR)
		;
	_exit(spawn_failed_code(stage, err));
}

/* Shell sort: no malloc between fork and exec, and no O(n^2) for 10,000 sockets. */
static void sort_ints(int *a, size_t n)
{
	size_t gap, i, j;

	for (gap = n / 2; gap > 0; gap /= 2) {
		for (i = gap; i < n; i++) {
			int v = a[i];
			for (j = i; j >= gap && a[j - gap] > v; j -= gap)
				a[j] = a[j - gap];
			a[j] = v;
		}
	}
}

/* Closes lo..hi (hi may be ~0U). */
static void close_span(unsigned lo, unsigned hi)
{
	struct rlimit rl;
	unsigned fd;

	if (lo > hi || syscall(SYS_close_range, lo, hi, 0U) == 0)
		return;
	/* Linux < 5.9: one by one, up to the fd limit. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < hi)
		hi = (unsigned)rl.rlim_cur;
	for (fd = lo; fd <= hi && fd < ~0U; fd++)
		(void)close((int)fd);
}

/* Puts the n fds of this start at 3.. without FD_CLOEXEC, and the error pipe
 * right after them, with no more than one spare fd at any time: an app that
 * stored many fds must not need twice as many to start. moved[0..n] holds the
 * n fds and then the pipe; on return moved[n] is the pipe's new number. */
static int place_fds(struct spawn_ctx *c)
{
	size_t n = c->nfds, m = n + 1, i, start = 0;
	unsigned prev = LISTEN_FDS_START - 1;

	/* Everything else tinyhold had open goes first (it is close-on-exec anyway),
	 * so that nothing of ours sits where an fd of the app's must go. */
	memcpy(c->sorted, c->moved, m * sizeof *c->sorted);
	sort_ints(c->sorted, m);
	for (i = 0; i < m; i++) {
		unsigned fd = (unsigned)c->sorted[i];
		if (fd > prev + 1)
			close_span(prev + 1, fd - 1);
		prev = fd;
	}
	close_span(prev + 1, ~0U);
	/* As systemd's shift_fds(): dup each to the lowest free fd from its target
	 * and close the old one; what did not land where it must goes round again. */
	for (;;) {
		size_t again = m;
		for (i = start; i < m; i++) {
			int want = LISTEN_FDS_START + (int)i, fd;
			if (c->moved[i] == want)
				continue;
			fd = fcntl(c->moved[i], F_DUPFD, want);
			if (fd < 0)
				return -errno;
			(void)close(c->moved[i]);
			c->moved[i] = fd;
			if (fd != want && again == m)
				again = i;
		}
		if (again == m)
			break;
		start = again;
	}
	for (i = 0; i < n; i++)
		if (fcntl(LISTEN_FDS_START + (int)i, F_SETFD, 0) < 0)
			return -errno;
	return fcntl(c->moved[n], F_SETFD, FD_CLOEXEC) < 0 ? -errno : 0;
}

/* A fresh session keyring, as su with pam_keyinit gives: otherwise the app,
 * as another user, would possess root's. ENOSYS (no keys) and EPERM or EACCES
 * (keyctl refused by a seccomp filter) leave the app no keyring to read. */
static int new_keyring(void)
{
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) >= 0)
		return 0;
	return errno == ENOSYS || errno == EPERM || errno == EACCES ? 0 : -errno;
}

/* The app's fd limit: the soft one tinyhold was started with (it raised its
 * own to the hard one), but never below what the app is given plus room. */
static void app_nofile(const struct spawn_ctx *c)
{
	struct rlimit rl = c->set.nofile;
	rlim_t need = LISTEN_FDS_START + c->nfds + APP_FD_ROOM;

	if (rl.rlim_cur == 0)
		return;	/* unknown: keep ours */
	if (rl.rlim_cur < need)
		rl.rlim_cur = need < rl.rlim_max ? need : rl.rlim_max;
	(void)prlimit(0, RLIMIT_NOFILE, &rl, NULL);	/* lowering the soft limit cannot fail */
}

__attribute__((noreturn))
static void child(struct spawn_ctx *c, int errfd)
{
	struct stat st;
	int r;

	if (c->set.new_session)
		(void)setsid();	/* a fresh child is no group leader: cannot fail */
	else
		(void)setpgid(0, 0);	/* cannot fail for a fresh child; the parent sets it too */
	/* SIGTTOU is still blocked here, so tcsetpgrp() from the background works. */
	if (c->tty_now)
		(void)tcsetpgrp(STDIN_FILENO, getpid());
	/* Before place_fds() closes the directory's fd. A directory removed since
	 * tinyhold started is gone for the app too, as its path would be. */
	if (fchdir(c->set.cwd_fd) < 0)
		child_fail(errfd, SPAWN_CHDIR, errno);
	if (fstat(c->set.cwd_fd, &st) == 0 && st.st_nlink == 0)
		child_fail(errfd, SPAWN_CHDIR, ENOENT);
	/* The relay's pipes (-n 2 and more), before place_fds() closes them. */
	if (c->std_fds != NULL &&
	    (dup2(c->std_fds[0], STDOUT_FILENO) < 0 || dup2(c->std_fds[1], STDERR_FILENO) < 0))
		child_fail(errfd, SPAWN_FDS, errno);
	memcpy(c->moved, c->fds, c->nfds * sizeof *c->moved);
	c->moved[c->nfds] = errfd;
	r = place_fds(c);
	errfd = c->moved[c->nfds];
	if (r < 0)
		child_fail(errfd, SPAWN_FDS, -r);
	app_nofile(c);
	/* LISTEN_PID and WATCHDOG_PID must be the app's own pid: known only now. */
	io_fmt_u64(c->listen_pid + strlen("LISTEN_PID="), (unsigned long long)getpid());
	if (c->watchdog_pid != NULL)
		io_fmt_u64(c->watchdog_pid + strlen("WATCHDOG_PID="), (unsigned long long)getpid());
	if (c->set.privs != NULL && (r = privs_drop(c->set.privs)) < 0)
		child_fail(errfd, SPAWN_PRIVS, -r);
	if (c->set.privs != NULL && (r = new_keyring()) < 0)
		child_fail(errfd, SPAWN_PRIVS, -r);
	/* As PID 1 the kernel kills the app with us; elsewhere a SIGKILLed tinyhold
	 * must not leave an unsupervised app behind. Set after setuid(), which clears it. */
	if (c->parent != 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != c->parent)
			_exit(126);	/* we died before the prctl: nobody reads the pipe */
	}
	sig_reset_for_exec();
	execvpe(c->set.argv[0], c->set.argv, c->envp);
	child_fail(errfd, SPAWN_EXEC, errno);
}

pid_t spawn_start(struct spawn_ctx *c, const int *fds, size_t nfds, const char *names,
		  const char *notify_addr, int instance, unsigned long restarts, bool take_tty,
		  const int *std_fds, int *errfd)
{
	int pipefd[2];
	pid_t pid;

	if (nfds > c->set.max_fds)
		return -EINVAL;
	c->fds = fds;
	c->nfds = nfds;
	c->std_fds = std_fds;
	c->tty_now = take_tty && c->set.give_tty && !c->set.new_session;
	build_env(c, nfds, names, notify_addr, instance, restarts);
	if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int e = errno;
		(void)close(pipefd[0]);
		(void)close(pipefd[1]);
		return -e;
	}
	if (pid == 0) {
		(void)close(pipefd[0]);
		child(c, pipefd[1]);
	}
	/* Both sides set the group: whichever runs first, signals to -pid work at once.
	 * Not with a new session: setsid() fails for a group leader. */
	if (!c->set.new_session)
		(void)setpgid(pid, pid);	/* EACCES once the child has exec'd: fine */
	(void)close(pipefd[1]);
	*errfd = pipefd[0];
	return pid;
}

int spawn_outcome(int errfd, struct spawn_error *out)
{
	ssize_t n = io_read(errfd, out, sizeof *out);

	if (n == (ssize_t)sizeof *out)
		return 1;
	if (n == 0)
		return 0;
	if (n == -EAGAIN)
		return -EAGAIN;
	/* A short or failed read: say so plainly rather than guess. */
	out->stage = SPAWN_EXEC;
	out->err = n < 0 ? (int)-n : EIO;
	return 1;
}
