/* opts: argv and TINYHOLD_* environment -> struct config. Pure apart from
 * malloc: it prints nothing, so it can be fuzzed; main() reports the error. */
#ifndef TINYHOLD_OPTS_H
#define TINYHOLD_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spec.h"

enum restart_policy { RESTART_ON_FAILURE, RESTART_ALWAYS, RESTART_NEVER };

enum opts_result {
	OPTS_RUN,	/* a command to supervise */
	OPTS_HELP,	/* -h: print usage, exit 0 */
	OPTS_VERSION,	/* -V */
	OPTS_ERROR,	/* bad usage: exit 2 with cfg->error */
	OPTS_PROBE,	/* --probe: ask the tinyhold at cfg->status, exit 0 or 1 */
};

#define OPTS_ERROR_MAX 512
#define REMAP_MAX 256	/* one slot per exit status */
#define OPTS_INSTANCES_MAX 1024	/* past any core count a container gets; more is a typo */

struct config {
	struct sockspec *specs;		/* in the order given: the app gets them from fd 3 */
	size_t nspecs;
	int backlog;			/* -1: /proc/sys/net/core/somaxconn */
	enum restart_policy restart;
	int64_t backoff_max_ms;		/* 0: no delay between restarts */
	long max_restarts;		/* 0: unlimited */
	int64_t restart_window_ms;
	int64_t stop_timeout_ms;
	const char *user;		/* USER[:GROUP] or NULL; resolved by privs.c */
	bool remap[REMAP_MAX];		/* remap[c]: exit status c counts as 0 */
	bool process_group;		/* forward signals to -pgid */
	int verbosity;			/* -1 quiet, 0 normal, 1 verbose */
	bool notify;			/* NOTIFY_SOCKET for the app (implied by the three below) */
	int64_t watchdog_ms;		/* 0: no watchdog */
	long fdstore_max;		/* 0: no fd store */
	int reload_signal;		/* 0: none; else that signal starts a zero-downtime reload */
	int64_t ready_timeout_ms;	/* how long a reload waits for READY=1 */
	int stop_signal;		/* what the app gets when tinyhold stops it (--stop-signal) */
	int64_t drain_ms;		/* --drain: serve on this long after SIGTERM; 0: none */
	int instances;			/* -n: 1..OPTS_INSTANCES_MAX, or 0 for auto (cpus.c) */
	bool log_prefix;		/* --log-prefix: the relay (-n 2+) says whose each line is */
	bool status_on;			/* --status: serve /ready, /live, /metrics at status */
	struct sockspec status;
	const char *probe;		/* --probe: "ready" or "live"; NULL: none */
	char **argv;			/* the command: points into the argv given */
	char error[OPTS_ERROR_MAX];	/* one line, without "tinyhold: " */
};

/* Parses argv (argv[0] is tinyhold's name) and the TINYHOLD_* entries of envp
 * (NULL-terminated, as environ). The command line wins over the environment.
 * cfg->specs is allocated (mem.c) and lives as long as tinyhold: never freed. */
enum opts_result opts_parse(int argc, char **argv, char **envp, struct config *cfg);

extern const char opts_usage[];

#endif
