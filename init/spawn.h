/* spawn: fork, and in the child: own process group, terminal, the fds at
 * 3.., LISTEN_*, cwd, privileges, a clean signal mask, exec. Everything the
 * child touches is allocated by spawn_init(), so the child only makes
 * syscalls and formats into buffers it already has. */
#ifndef TINYHOLD_SPAWN_H
#define TINYHOLD_SPAWN_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "privs.h"

#include <sys/resource.h>

#define LISTEN_FDS_START 3	/* SD_LISTEN_FDS_START */

struct spawn_settings {
	char **argv;
	char **environ_in;	/* tinyhold's environment; its LISTEN_* are not passed on */
	size_t max_fds;		/* held sockets + the fd store's capacity */
	const char *cwd;	/* the app starts here (for messages); tinyhold itself sits in / */
	int cwd_fd;		/* ... through this O_PATH fd, never the path again */
	const struct privs *privs;	/* NULL: keep tinyhold's ids */
	bool give_tty;		/* stdin is our controlling terminal and we own its foreground */
	bool new_session;	/* setsid(): no controlling terminal (an app with fewer privileges
				 * must not TIOCSTI into a terminal a root shell reads) */
	struct rlimit nofile;	/* RLIMIT_NOFILE for the app: what tinyhold was started with */
	bool die_with_parent;	/* not PID 1: the app gets SIGKILL if tinyhold dies first */
	bool notify;		/* each start gets a NOTIFY_SOCKET of its own */
	long long watchdog_usec;	/* WATCHDOG_USEC for the app, or 0 */
};

struct spawn_ctx {
	struct spawn_settings set;
	char **base_env;	/* environ minus what tinyhold sets itself */
	size_t nbase;
	char **envp;		/* rebuilt before each fork */
	char *restarts;		/* "TINYHOLD_RESTARTS=N" */
	char *instance;		/* "TINYHOLD_INSTANCE=I" */
	char *listen_fds;	/* "LISTEN_FDS=N" */
	char *listen_names;	/* "LISTEN_FDNAMES=a:b" */
	size_t listen_names_cap;
	char *listen_pid;	/* "LISTEN_PID=" slot, formatted after fork */
	char *notify_env;	/* "NOTIFY_SOCKET=...", set for each start */
	char *watchdog_usec;	/* "WATCHDOG_USEC=N" */
	char *watchdog_pid;	/* "WATCHDOG_PID=" slot, formatted after fork */
	int *moved;		/* scratch: this start's fds and the error pipe, being placed */
	int *sorted;		/* scratch: the same, sorted, to close everything else */
	const int *fds;		/* this start's fds, for the child */
	const int *std_fds;	/* this start's stdout and stderr (the relay's pipes), or NULL */
	size_t nfds;
	bool tty_now;		/* this start takes the terminal's foreground */
	pid_t parent;
};

/* What went wrong in the child, sent up the close-on-exec pipe. SPAWN_FDS is
 * tinyhold's own making (out of fds or memory): worth another try, unlike the
 * others, which mean the command cannot be executed as configured. */
enum spawn_stage { SPAWN_FDS = 1, SPAWN_CHDIR, SPAWN_PRIVS, SPAWN_EXEC };

/* The status of a start that failed at stage with err, as a shell's: 127 for a
 * command not found, 126 for any other failure. The child exits with it and
 * the supervisor ends with it: one rule for both. */
static inline int spawn_failed_code(int stage, int err)
{
	return stage == SPAWN_EXEC && err == ENOENT ? 127 : 126;
}
#define SPAWN_NOTIFY_ADDR_MAX 64	/* "@" and the kernel's 5 hex digits, with room */
#define SPAWN_SPARE_FDS 2	/* besides 0-2 and the app's fds, the child needs the error pipe and one more */
struct spawn_error {
	int stage;	/* enum spawn_stage */
	int err;	/* errno */
};

/* 0 or -ENOMEM. The settings' pointers must outlive the context. */
int spawn_init(struct spawn_ctx *c, const struct spawn_settings *set);
void spawn_free(struct spawn_ctx *c);

/* Forks the app with fds[0..nfds) at 3.. (nfds <= max_fds) and names as
 * LISTEN_FDNAMES ("a:b:c") and notify_addr as NOTIFY_SOCKET (with
 * set.notify); with take_tty (and give_tty set), it gets the
 * terminal's foreground (a reload's new instance waits for it). Returns its pid and the read end of its
 * exec-error pipe (*errfd: EOF once exec worked, a struct spawn_error if it
 * failed), or -errno if fork failed. std_fds: NULL, or the fds the app gets
 * as its stdout and stderr. */
pid_t spawn_start(struct spawn_ctx *c, const int *fds, size_t nfds, const char *names,
		  const char *notify_addr, int instance, unsigned long restarts, bool take_tty,
		  const int *std_fds, int *errfd);

/* Reads the exec outcome: 1 and *out on failure, 0 on success, -EAGAIN if
 * exec has not happened yet. */
int spawn_outcome(int errfd, struct spawn_error *out);

#endif
