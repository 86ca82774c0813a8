/* startcmp: start overhead of several commands, measured interleaved.
 *
 *   startcmp ROUNDS :: LABEL CMD [ARG...] :: LABEL CMD [ARG...] ...
 *
 * Each round runs every command once (posix_spawn, then waitpid; stdout and stderr to
 * /dev/null), starting from a different one each round, so a machine that gets busier
 * or quieter during the run slows every command alike: on a shared machine this is
 * what makes "INIT -- /bin/true" and "/bin/true" comparable. The first 10% of the
 * rounds warm the caches and are not counted. Beside the wall-clock time, the CPU time
 * the command and everything it reaped used (wait4's rusage: user + system), which
 * waiting for a busy CPU does not inflate, and their page faults (ru_minflt).
 * Prints, per command: LABEL, wall median, p10, p90, mean, min, CPU median (microseconds),
 * runs, page faults median. */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#define CMDS_MAX 16
#define ROUNDS_MAX 5000

extern char **environ;

struct cmd {
	const char *label;
	char **argv;
	double us[ROUNDS_MAX];
	double cpu_us[ROUNDS_MAX];
	double faults[ROUNDS_MAX];
	int n;
};

static struct cmd cmds[CMDS_MAX];

static double now_us(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	posix_spawn_file_actions_t fa;
	int rounds, warm, ncmd = 0, i, r;

	if (argc < 5 || strcmp(argv[2], "::") != 0) {
		fputs("usage: startcmp ROUNDS :: LABEL CMD [ARG...] [:: LABEL CMD [ARG...]]...\n", stderr);
		return 2;
	}
	rounds = atoi(argv[1]);
	if (rounds < 10 || rounds > ROUNDS_MAX) {
		fprintf(stderr, "startcmp: ROUNDS must be in 10..%d\n", ROUNDS_MAX);
		return 2;
	}
	warm = rounds / 10;
	/* Split argv at each "::" (a command may well contain "--"): the groups are the commands. */
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "::") != 0)
			continue;
		argv[i] = NULL;	/* ends the previous command's argv */
		if (i + 2 >= argc || ncmd == CMDS_MAX) {
			fputs("startcmp: each :: needs a LABEL and a CMD\n", stderr);
			return 2;
		}
		cmds[ncmd].label = argv[i + 1];
		cmds[ncmd].argv = argv + i + 2;
		ncmd++;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < ncmd; i++) {
			struct cmd *c = &cmds[(r + i) % ncmd];
			double t0 = now_us();
			struct rusage ru;
			pid_t pid;
			int status;

			if (posix_spawn(&pid, c->argv[0], &fa, NULL, c->argv, environ) != 0) {
				fprintf(stderr, "startcmp: cannot run %s\n", c->argv[0]);
				return 1;
			}
			if (wait4(pid, &status, 0, &ru) != pid)
				return 1;
			if (r >= warm) {
				c->us[c->n] = now_us() - t0;
				c->faults[c->n] = (double)ru.ru_minflt;
				c->cpu_us[c->n++] = ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec +
						    ru.ru_stime.tv_sec * 1e6 + ru.ru_stime.tv_usec;
			}
		}
	}
	for (i = 0; i < ncmd; i++) {
		struct cmd *c = &cmds[i];
		double sum = 0;
		int k;

		for (k = 0; k < c->n; k++)
			sum += c->us[k];
		qsort(c->us, (size_t)c->n, sizeof c->us[0], cmp_d);
		qsort(c->cpu_us, (size_t)c->n, sizeof c->cpu_us[0], cmp_d);
		qsort(c->faults, (size_t)c->n, sizeof c->faults[0], cmp_d);
		printf("%s\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%d\t%.0f\n", c->label, c->us[c->n / 2],
		       c->us[c->n / 10], c->us[c->n * 9 / 10], sum / c->n, c->us[0],
		       c->cpu_us[c->n / 2], c->n, c->faults[c->n / 2]);
	}
	return 0;
}
