/* opts_fuzz: libFuzzer entry point for opts_parse(), the command line and the
 * TINYHOLD_* environment. Both come from whoever starts the container, so any
 * argv and any environment must give a config that keeps opts.h's promises, or
 * OPTS_ERROR with one line; and opts_free() must leave nothing behind (LeakSanitizer).
 *
 * The input is split at NUL bytes into strings. A string that starts with \x01
 * is an environment entry (without the \x01), any other an argument: so
 * "-p\0" "8080\0" "\x01TINYHOLD_RESTART=always\0" "app" is
 * argv = { "tinyhold", "-p", "8080", "app" }, envp = { "TINYHOLD_RESTART=always" }. */
#include "mem.h"
#include "opts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_INPUT_MAX 16384
#define ENV_MARK '\x01'

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define require(cond)                                                                    \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "opts_fuzz: %s:%d: broken: %s\n", __FILE__,      \
				__LINE__, #cond);                                        \
			abort();                                                         \
		}                                                                        \
	} while (0)

static bool points_into(const char *p, char *const *strs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p >= strs[i] && p <= strs[i] + strlen(strs[i]))
			return true;
	return false;
}

static void check_config(const struct config *cfg, enum opts_result r, int argc, char **argv,
			 char **envp, size_t nenv)
{
	size_t i, elen = strnlen(cfg->error, sizeof cfg->error);

	/* The error may echo the input, newlines and all: log.c makes it one line
	 * (it turns control characters into '?'; tests/unit/log_test.c). */
	require(elen < sizeof cfg->error);
	if (r == OPTS_ERROR) {
		require(elen > 0);
		return;
	}
	if (r != OPTS_RUN)
		return;
	require(cfg->argv != NULL && cfg->argv > argv && cfg->argv < argv + argc);
	require(cfg->argv[0][0] != '\0');
	require(cfg->backlog == -1 || (cfg->backlog >= 1 && cfg->backlog <= 1000000));
	require(cfg->restart == RESTART_ON_FAILURE || cfg->restart == RESTART_ALWAYS ||
		cfg->restart == RESTART_NEVER);
	require(cfg->backoff_max_ms >= 0 && cfg->stop_timeout_ms >= 0);
	require(cfg->restart_window_ms > 0);
	require(cfg->max_restarts >= 0);
	require(cfg->verbosity >= -1 && cfg->verbosity <= 1);
	require(cfg->user == NULL || cfg->user[0] != '\0');
	/* -u keeps a pointer: into an argument or into an environment value. */
	require(cfg->user == NULL || points_into(cfg->user, argv, (size_t)argc) ||
		points_into(cfg->user, envp, nenv));
	for (i = 0; i < cfg->nspecs; i++)
		require(cfg->specs[i].name[0] != '\0');	/* each one spec_parse() accepted */
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *copy, **argv, **envp;
	size_t i, nstr = 1, nenv = 0;
	int argc = 1;
	struct config cfg;
	enum opts_result r;

	if (size > FUZZ_INPUT_MAX)
		return -1;
	copy = malloc(size + 1);
	for (i = 0; i < size; i++)
		nstr += data[i] == '\0';
	argv = calloc(nstr + 2, sizeof *argv);	/* tinyhold's name and the NULL */
	envp = calloc(nstr + 1, sizeof *envp);
	if (copy == NULL || argv == NULL || envp == NULL)
		goto out;
	memcpy(copy, data, size);
	copy[size] = '\0';

	argv[0] = "tinyhold";
	/* "a\0\0b" is "a", "", "b"; a NUL at the very end ends the last string. */
	for (char *p = copy; p < copy + size; p += strlen(p) + 1) {
		if (*p == ENV_MARK)
			envp[nenv++] = p + 1;
		else
			argv[argc++] = p;
	}
	argv[argc] = NULL;
	envp[nenv] = NULL;

	memset(&cfg, 0x5a, sizeof cfg);	/* opts_parse() sets every field itself */
	r = opts_parse(argc, argv, envp, &cfg);
	require(r == OPTS_RUN || r == OPTS_HELP || r == OPTS_VERSION || r == OPTS_ERROR);
	check_config(&cfg, r, argc, argv, envp, nenv);
	mem_free(cfg.specs);	/* what opts_parse() took: tinyhold keeps it for its life */
out:
	free(copy);
	free(argv);
	free(envp);
	return 0;
}
