/* orphans: how long the init takes to reap N orphans. Run it as the app of an init
 * that is PID 1 (unshare --pid --fork --mount-proc INIT -- orphans N).
 *
 * A middle process forks N children that block on a pipe, then exits, so the N are
 * re-parented to PID 1. Closing the pipe's write end releases them all at once: they
 * exit and become PID 1's zombies. We time from the release until the last of them
 * is gone (kill(pid, 0) succeeds on a zombie and fails with ESRCH once it is reaped).
 * Prints: "N MICROSECONDS". */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ORPHANS_MAX 5000
#define POLL_NS 20000L			/* 20 us between looks: a look must not starve the init */
#define GIVE_UP_NS 10000000000LL	/* 10 s: an init that never reaps is reported, not awaited */

static long long now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	static pid_t kids[ORPHANS_MAX];
	struct timespec nap = { 0, POLL_NS };
	int n = argc > 1 ? atoi(argv[1]) : 0, release[2], report[2], i, status;
	long long t0, t1;
	pid_t middle;

	if (n < 1 || n > ORPHANS_MAX) {
		fprintf(stderr, "usage: orphans N (1..%d)\n", ORPHANS_MAX);
		return 2;
	}
	if (pipe(release) < 0 || pipe(report) < 0)
		return 1;
	middle = fork();
	if (middle < 0)
		return 1;
	if (middle == 0) {
		(void)close(report[0]);
		for (i = 0; i < n; i++) {
			pid_t p = fork();
			char c;
			if (p < 0)
				_exit(1);
			if (p == 0) {
				(void)close(release[1]);
				(void)close(report[1]);
				while (read(release[0], &c, 1) < 0 && errno == EINTR)
					;
				_exit(0);
			}
			if (write(report[1], &p, sizeof p) != sizeof p)
				_exit(1);
		}
		_exit(0);
	}
	(void)close(report[1]);
	(void)close(release[0]);
	for (i = 0; i < n; i++)
		if (read(report[0], &kids[i], sizeof kids[i]) != sizeof kids[i]) {
			fprintf(stderr, "orphans: could only fork %d\n", i);
			return 1;
		}
	/* Once middle is reaped, its children have been re-parented to PID 1. */
	if (waitpid(middle, &status, 0) != middle || !WIFEXITED(status) || WEXITSTATUS(status))
		return 1;

	t0 = now_ns();
	(void)close(release[1]);
	for (i = 0; i < n; i++) {
		while (kill(kids[i], 0) == 0) {
			if (now_ns() - t0 > GIVE_UP_NS) {
				printf("%d timeout\n", n);
				return 1;
			}
			nanosleep(&nap, NULL);
		}
	}
	t1 = now_ns();
	printf("%d %lld\n", n, (t1 - t0) / 1000);
	return 0;
}
