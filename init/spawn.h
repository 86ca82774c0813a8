/* spawn: fork, and in the child: own process group, terminal, held sockets
 * at 3.., LISTEN_*, cwd, privileges, a clean signal mask, exec. Everything
 * the child touches is allocated by spawn_init(), so the child only makes
 * syscalls and formats into buffers it already has. */
#ifndef TINYHOLD_SPAWN_H
#define TINYHOLD_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "privs.h"

#define LISTEN_FDS_START 3	/* SD_LISTEN_FDS_START */

struct spawn_ctx {
	char **argv;
	char **envp;		/* filtered environ + LISTEN_* + TINYHOLD_RESTARTS */
	char *listen_pid;	/* "LISTEN_PID=" slot, formatted after fork */
	char *restarts;		/* "TINYHOLD_RESTARTS=" slot, formatted before fork */
	char *listen_fds;	/* "LISTEN_FDS=N" */
	char *listen_names;	/* "LISTEN_FDNAMES=a:b" */
	const int *held;	/* the held sockets, in spec order */
	int *moved;		/* scratch: held[] duplicated above the target range */
	size_t nheld;
	const char *cwd;	/* the app starts here; tinyhold itself sits in / */
	const struct privs *privs;	/* NULL: keep tinyhold's ids */
	bool give_tty;		/* stdin is our controlling terminal and we own its foreground */
	pid_t parent;		/* not PID 1: the app gets SIGKILL if this pid dies first */
};

/* What went wrong in the child, sent up the close-on-exec pipe. */
enum spawn_stage { SPAWN_FDS = 1, SPAWN_CHDIR, SPAWN_PRIVS, SPAWN_EXEC };
struct spawn_error {
	int stage;	/* enum spawn_stage */
	int err;	/* errno */
};

/* names is the LISTEN_FDNAMES value ("a:b:c"), already joined. 0 or -errno. */
int spawn_init(struct spawn_ctx *c, char **argv, char **environ_in, const int *held,
	       size_t nheld, const char *names, const char *cwd, const struct privs *privs,
	       bool give_tty, bool die_with_parent);
void spawn_free(struct spawn_ctx *c);

/* Forks the app. Returns its pid and the read end of its exec-error pipe
 * (*errfd: readable at exec time: EOF on success, a struct spawn_error on
 * failure), or -errno if fork failed. */
pid_t spawn_start(struct spawn_ctx *c, unsigned long restarts, int *errfd);

/* Reads the exec outcome: 1 and *out on failure, 0 on success, -EAGAIN if
 * exec has not happened yet. */
int spawn_outcome(int errfd, struct spawn_error *out);

#endif
