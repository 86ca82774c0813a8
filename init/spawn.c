/* spawn: the only code that runs between fork() and exec(). No malloc, no
 * stdio and no locks there: a static PID 1 must not deadlock in its child. */
#include "spawn.h"
#include "io.h"
#include "sig.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <termios.h>
#include <unistd.h>

#define NUM_BUF 21		/* the digits of 2^64-1 and a NUL */
#define ENV_OURS 8		/* entries tinyhold adds: see build_env() */
#define FDNAME_SLOT 256		/* one name of at most 255 bytes and its ':' */

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
	    has_key(entry, "LISTEN_FDNAMES=") || has_key(entry, "TINYHOLD_RESTARTS="))
		return true;
	if (has_key(entry, "WATCHDOG_USEC=") || has_key(entry, "WATCHDOG_PID="))
		return true;
	return set->notify_socket != NULL && has_key(entry, "NOTIFY_SOCKET=");
}

/* "KEY=" followed by value, with room for extra more bytes. */
static char *env_entry(const char *key_eq, const char *value, size_t extra)
{
	size_t lk = strlen(key_eq), lv = strlen(value);
	char *s = malloc(lk + lv + extra + 1);

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
	c->base_env = calloc(i + 1, sizeof *c->base_env);
	c->envp = calloc(i + ENV_OURS + 1, sizeof *c->envp);
	c->moved = calloc(set->max_fds ? set->max_fds : 1, sizeof *c->moved);
	c->listen_names_cap = set->max_fds * FDNAME_SLOT + 1;
	c->restarts = env_entry("TINYHOLD_RESTARTS=", "", NUM_BUF);
	c->listen_fds = env_entry("LISTEN_FDS=", "", NUM_BUF);
	c->listen_pid = env_entry("LISTEN_PID=", "", NUM_BUF);
	c->listen_names = env_entry("LISTEN_FDNAMES=", "", c->listen_names_cap);
	if (c->base_env == NULL || c->envp == NULL || c->moved == NULL || c->restarts == NULL ||
	    c->listen_fds == NULL || c->listen_pid == NULL || c->listen_names == NULL)
		goto oom;
	if (set->notify_socket != NULL &&
	    (c->notify_env = env_entry("NOTIFY_SOCKET=", set->notify_socket, 0)) == NULL)
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
	free(c->restarts);
	free(c->listen_fds);
	free(c->listen_pid);
	free(c->listen_names);
	free(c->notify_env);
	free(c->watchdog_usec);
	free(c->watchdog_pid);
	free(c->base_env);
	free(c->envp);
	free(c->moved);
	memset(c, 0, sizeof *c);
}

/* The app's environment for this start; at most ENV_OURS entries of ours. */
static void build_env(struct spawn_ctx *c, size_t nfds, const char *names, unsigned long restarts)
{
	size_t n = c->nbase;

	memcpy(c->envp, c->base_env, n * sizeof *c->envp);
	io_fmt_u64(c->restarts + strlen("TINYHOLD_RESTARTS="), restarts);
	c->envp[n++] = c->restarts;
	/* With no fds there is nothing to activate: the app sees no LISTEN_*. */
	if (nfds > 0) {
		io_fmt_u64(c->listen_fds + strlen("LISTEN_FDS="), nfds);
		snprintf(c->listen_names + strlen("LISTEN_FDNAMES="), c->listen_names_cap, "%s", names);
		c->envp[n++] = c->listen_fds;
		c->envp[n++] = c->listen_names;
		c->envp[n++] = c->listen_pid;
	}
	if (c->notify_env != NULL)
		c->envp[n++] = c->notify_env;
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
	_exit(stage == SPAWN_EXEC && err == ENOENT ? 127 : 126);
}

/* Puts fds[i] at LISTEN_FDS_START + i without FD_CLOEXEC. Whoever started
 * tinyhold may have left a low fd open, so an fd can sit right where another
 * must go: first every fd moves above the range, then down. */
static int place_fds(struct spawn_ctx *c)
{
	int top = LISTEN_FDS_START + (int)c->nfds;
	size_t i;

	for (i = 0; i < c->nfds; i++) {
		c->moved[i] = fcntl(c->fds[i], F_DUPFD_CLOEXEC, top);
		if (c->moved[i] < 0)
			return -errno;
	}
	for (i = 0; i < c->nfds; i++)
		if (dup2(c->moved[i], LISTEN_FDS_START + (int)i) < 0)	/* dup2 clears CLOEXEC */
			return -errno;
	return 0;
}

__attribute__((noreturn))
static void child(struct spawn_ctx *c, int errfd)
{
	int r;

	/* Keep the error pipe out of the range the fds are about to fill. */
	errfd = fcntl(errfd, F_DUPFD_CLOEXEC, LISTEN_FDS_START + (int)c->nfds);
	if (errfd < 0)
		_exit(126);
	(void)setpgid(0, 0);	/* cannot fail for a fresh child; the parent sets it too */
	/* SIGTTOU is still blocked here, so tcsetpgrp() from the background works. */
	if (c->tty_now)
		(void)tcsetpgrp(STDIN_FILENO, getpid());
	r = place_fds(c);
	if (r < 0)
		child_fail(errfd, SPAWN_FDS, -r);
	/* LISTEN_PID and WATCHDOG_PID must be the app's own pid: known only now. */
	io_fmt_u64(c->listen_pid + strlen("LISTEN_PID="), (unsigned long long)getpid());
	if (c->watchdog_pid != NULL)
		io_fmt_u64(c->watchdog_pid + strlen("WATCHDOG_PID="), (unsigned long long)getpid());
	if (c->set.cwd != NULL && chdir(c->set.cwd) < 0)
		child_fail(errfd, SPAWN_CHDIR, errno);
	if (c->set.privs != NULL && (r = privs_drop(c->set.privs)) < 0)
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
		  unsigned long restarts, bool take_tty, int *errfd)
{
	int pipefd[2];
	pid_t pid;

	if (nfds > c->set.max_fds)
		return -EINVAL;
	c->fds = fds;
	c->nfds = nfds;
	c->tty_now = take_tty && c->set.give_tty;
	build_env(c, nfds, names, restarts);
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
	/* Both sides set the group: whichever runs first, signals to -pid work at once. */
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
