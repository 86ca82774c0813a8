/* bc_app: small fast programs for tests/restart.bats and tests/signals.bats
 * (the exit-code matrix, the policies, every signal), one mode each. The
 * signals go through the raw kernel calls, as in init/sig.c, so that 32 and 33
 * (which libc keeps for itself) can be caught and sent like any other.
 *
 *   bc_app exit CODE       exits with CODE at once
 *   bc_app die SIG         raises SIG with its default action and nothing blocked;
 *                          exits 0 if that did not end it (the ignored-by-default ones)
 *   bc_app record LOG [MS] blocks every signal and reads them from a signalfd,
 *                          appending "pid signo code value sender" to LOG for each;
 *                          writes "ready pid" first. Exits 0 on SIGTERM, 1 after MS ms.
 *   bc_app send PID SIG VALUE       sigqueue(PID, SIG, VALUE)
 *   bc_app sigq PID COUNT SECS      COUNT real-time signals 34..64 in turn, carrying
 *                          the values 1..COUNT, spread evenly over SECS; waits and
 *                          retries when the kernel's queue is full. Prints "sent=N full=N". */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define KERNEL_SIGSET_BYTES 8
#define RT_FIRST 34
#define RT_LAST 64

static uint64_t bit(int sig)
{
	return (uint64_t)1 << (sig - 1);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int die(int sig)
{
	static const unsigned long dfl[4];	/* a zero kernel sigaction: SIG_DFL */
	uint64_t none = 0;

	syscall(SYS_rt_sigaction, sig, dfl, NULL, KERNEL_SIGSET_BYTES);
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, KERNEL_SIGSET_BYTES);
	syscall(SYS_kill, getpid(), sig);
	return 0;	/* still here: its default action is to ignore it */
}

static void append(int fd, const char *line)
{
	(void)!write(fd, line, strlen(line));
}

static int record(const char *path, long run_ms)
{
	uint64_t mask = ~(uint64_t)0 & ~(bit(SIGKILL) | bit(SIGSTOP));
	int64_t end = run_ms > 0 ? now_ms() + run_ms : -1;
	struct signalfd_siginfo si;
	char line[128];
	int log, fd;

	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &mask, NULL, KERNEL_SIGSET_BYTES);
	log = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	fd = (int)syscall(SYS_signalfd4, -1, &mask, KERNEL_SIGSET_BYTES, SFD_CLOEXEC);
	if (log < 0 || fd < 0)
		return 2;
	snprintf(line, sizeof line, "ready %d\n", (int)getpid());
	append(log, line);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int timeout = end < 0 ? -1 : (int)(end - now_ms());

		if (end >= 0 && timeout <= 0)
			return 1;	/* still blocked: what comes now dies with us, unread */
		if (poll(&p, 1, timeout) <= 0)
			continue;
		if (read(fd, &si, sizeof si) != (ssize_t)sizeof si)
			continue;
		snprintf(line, sizeof line, "%d %u %d %d %u\n", (int)getpid(), si.ssi_signo,
			 si.ssi_code, si.ssi_int, si.ssi_pid);
		append(log, line);
		if (si.ssi_signo == SIGTERM)
			return 0;
	}
}

static int send_one(pid_t pid, int sig, int value)
{
	union sigval v = { .sival_int = value };

	if (sigqueue(pid, sig, v) < 0)
		return perror("bc_app: sigqueue"), 1;
	return 0;
}

static int sigq(pid_t pid, long count, double secs)
{
	long i, full = 0;
	int64_t start = now_ms();
	int sig = RT_FIRST;

	for (i = 1; i <= count; i++) {
		union sigval v = { .sival_int = (int)i };
		int64_t due = start + (int64_t)(secs * 1000.0 * (double)i / (double)count);
		struct timespec pause = { 0, 200000 };	/* 0.2 ms */

		while (now_ms() < due)
			nanosleep(&pause, NULL);
		while (sigqueue(pid, sig, v) < 0) {
			if (errno != EAGAIN)
				return perror("bc_app: sigqueue"), 1;
			full++;	/* RLIMIT_SIGPENDING: wait for tinyhold to read some */
			nanosleep(&pause, NULL);
		}
		sig = sig == RT_LAST ? RT_FIRST : sig + 1;
	}
	printf("sent=%ld full=%ld\n", count, full);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "exit") == 0)
		_exit(atoi(argv[2]));
	if (argc == 3 && strcmp(argv[1], "die") == 0)
		return die(atoi(argv[2]));
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "record") == 0)
		return record(argv[2], argc == 4 ? atol(argv[3]) : -1);
	if (argc == 5 && strcmp(argv[1], "send") == 0)
		return send_one((pid_t)atol(argv[2]), atoi(argv[3]), atoi(argv[4]));
	if (argc == 5 && strcmp(argv[1], "sigq") == 0)
		return sigq((pid_t)atol(argv[2]), atol(argv[3]), atof(argv[4]));
	fprintf(stderr, "usage: see the top of tests/bin/bc_app.c\n");
	return 2;
}
