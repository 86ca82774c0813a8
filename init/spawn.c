/* spawn: the only code that runs between fork() and exec(). No malloc, no
 * stdio and no locks there: a static PID 1 must not deadlock in its child. */
#include "spawn.h"
#include "io.h"
#include "sig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <termios.h>
#include <unistd.h>

#define NUM_BUF 21	/* the digits of 2^64-1 and a NUL */

static bool tinyhold_owned(const char *entry)
{
	/* tinyhold sets these for the app; stale copies from our own parent must not leak. */
	return strncmp(entry, "LISTEN_", 7) == 0 || strncmp(entry, "TINYHOLD_RESTARTS=", 18) == 0;
}

static char *concat(const char *a, const char *b, size_t extra)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + extra + 1);

	if (s != NULL) {
		memcpy(s, a, la);
		memcpy(s + la, b, lb + 1);
	}
	return s;
}

int spawn_init(struct spawn_ctx *c, char **argv, char **environ_in, const int *held,
	       size_t nheld, const char *names, const char *cwd, const struct privs *privs,
	       bool give_tty, bool die_with_parent)
{
	char num[NUM_BUF];
	size_t n = 0, i;

	memset(c, 0, sizeof *c);
	c->argv = argv;
	c->held = held;
	c->nheld = nheld;
	c->cwd = cwd;
	c->privs = privs;
	c->give_tty = give_tty;
	c->parent = die_with_parent ? getpid() : 0;

	for (i = 0; environ_in != NULL && environ_in[i] != NULL; i++)
		;
	c->envp = calloc(i + 5, sizeof *c->envp);	/* 4 of ours and the NULL */
	c->moved = calloc(nheld ? nheld : 1, sizeof *c->moved);
	c->restarts = concat("TINYHOLD_RESTARTS=", "", NUM_BUF);
	if (c->envp == NULL || c->moved == NULL || c->restarts == NULL)
		goto oom;
	for (i = 0; environ_in != NULL && environ_in[i] != NULL; i++)
		if (!tinyhold_owned(environ_in[i]))
			c->envp[n++] = environ_in[i];
	c->envp[n++] = c->restarts;
	/* With no sockets there is nothing to activate: the app sees no LISTEN_*. */
	if (nheld > 0) {
		io_fmt_u64(num, nheld);
		c->listen_pid = concat("LISTEN_PID=", "", NUM_BUF);
		c->listen_fds = concat("LISTEN_FDS=", num, 0);
		c->listen_names = concat("LISTEN_FDNAMES=", names, 0);
		if (c->listen_pid == NULL || c->listen_fds == NULL || c->listen_names == NULL)
			goto oom;
		c->envp[n++] = c->listen_fds;
		c->envp[n++] = c->listen_names;
		c->envp[n++] = c->listen_pid;
	}
	c->envp[n] = NULL;
	return 0;
oom:
	spawn_free(c);
	return -ENOMEM;
}

void spawn_free(struct spawn_ctx *c)
{
	/* envp's other entries belong to environ. */
	free(c->restarts);
	free(c->listen_pid);
	free(c->listen_fds);
	free(c->listen_names);
	free(c->envp);
	free(c->moved);
	memset(c, 0, sizeof *c);
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

/* Puts held[i] at LISTEN_FDS_START + i without FD_CLOEXEC. Whoever started
 * tinyhold may have left a low fd open, so a held socket can sit right where
 * another must go: first every socket moves above the range, then down. */
static int place_fds(struct spawn_ctx *c)
{
	int top = LISTEN_FDS_START + (int)c->nheld;
	size_t i;

	for (i = 0; i < c->nheld; i++) {
		c->moved[i] = fcntl(c->held[i], F_DUPFD_CLOEXEC, top);
		if (c->moved[i] < 0)
			return -errno;
	}
	for (i = 0; i < c->nheld; i++)
		if (dup2(c->moved[i], LISTEN_FDS_START + (int)i) < 0)	/* dup2 clears CLOEXEC */
			return -errno;
	return 0;
}

__attribute__((noreturn))
static void child(struct spawn_ctx *c, int errfd)
{
	int r;

	/* Keep the error pipe out of the range the sockets are about to fill. */
	errfd = fcntl(errfd, F_DUPFD_CLOEXEC, LISTEN_FDS_START + (int)c->nheld);
	if (errfd < 0)
		_exit(126);
	/* Own group, so a stop or a crash can clean up all of the app's workers. */
	(void)setpgid(0, 0);	/* cannot fail for a fresh child; the parent sets it too */
	/* SIGTTOU is still blocked here, so tcsetpgrp() from the background works. */
	if (c->give_tty)
		(void)tcsetpgrp(STDIN_FILENO, getpid());
	r = place_fds(c);
	if (r < 0)
		child_fail(errfd, SPAWN_FDS, -r);
	if (c->listen_pid != NULL)
		io_fmt_u64(c->listen_pid + strlen("LISTEN_PID="), (unsigned long long)getpid());
	if (c->cwd != NULL && chdir(c->cwd) < 0)
		child_fail(errfd, SPAWN_CHDIR, errno);
	if (c->privs != NULL && (r = privs_drop(c->privs)) < 0)
		child_fail(errfd, SPAWN_PRIVS, -r);
	/* As PID 1 the kernel kills the app with us; elsewhere a SIGKILLed tinyhold
	 * must not leave an unsupervised app behind. Set after setuid(), which clears it. */
	if (c->parent != 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != c->parent)
			_exit(126);	/* we died before the prctl: nobody reads the pipe */
	}
	sig_reset_for_exec();
	execvpe(c->argv[0], c->argv, c->envp);
	child_fail(errfd, SPAWN_EXEC, errno);
}

pid_t spawn_start(struct spawn_ctx *c, unsigned long restarts, int *errfd)
{
	int pipefd[2];
	pid_t pid;

	io_fmt_u64(c->restarts + strlen("TINYHOLD_RESTARTS="), restarts);
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
	/* A short or failed read: exec did happen or the child died; say so plainly. */
	out->stage = SPAWN_EXEC;
	out->err = n < 0 ? (int)-n : EIO;
	return 1;
}
