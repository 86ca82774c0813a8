/* nt_sdnotify: an sd_notify client of libsystemd, used the way a real daemon
 * uses it. Built by tests/readiness.bats and tests/fdstore.bats with the system cc and -lsystemd
 * (dynamic on purpose: this is libsystemd's code, not ours).
 *
 *   nt_sdnotify hello PINGS   says "hello pid=P watchdog=R usec=U" (R from
 *                             sd_watchdog_enabled(): 1 only if WATCHDOG_PID is
 *                             ours), sends READY=1 and STATUS=, then PINGS
 *                             WATCHDOG=1 a quarter period apart; exits 1 while
 *                             TINYHOLD_RESTARTS < 2, then 0
 *   nt_sdnotify counter MAX   finds the memfd named "state" in the fds it was
 *                             given (sd_listen_fds_with_names), or makes one;
 *                             adds 1 to the count in it and stores it again
 *                             (sd_pid_notify_with_fds, FDSTORE=1, FDNAME=state);
 *                             abort()s until the count is MAX, then says
 *                             "count MAX fds N" and waits to be killed */
#define _GNU_SOURCE	/* memfd_create() */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

static int restarts(void)
{
	const char *r = getenv("TINYHOLD_RESTARTS");

	return r ? atoi(r) : 0;
}

static int hello(int pings)
{
	uint64_t usec = 0;
	int wd = sd_watchdog_enabled(0, &usec), r, i;

	printf("hello pid=%d watchdog=%d usec=%llu\n", (int)getpid(), wd, (unsigned long long)usec);
	fflush(stdout);
	r = sd_notifyf(0, "READY=1\nSTATUS=libsystemd says hello from pid %d", (int)getpid());
	if (r <= 0)
		fprintf(stderr, "nt_sdnotify: sd_notify: %s\n", r ? strerror(-r) : "no NOTIFY_SOCKET");
	/* snippet begin watchdog */
	/* WATCHDOG_USEC, from sd_watchdog_enabled(3); a ping every quarter of it: */
	for (i = 0; i < pings && wd > 0; i++) {
		usleep((useconds_t)(usec / 4));
		sd_notify(0, "WATCHDOG=1");
	}
	/* snippet end watchdog */
	return restarts() < 2 ? 1 : 0;
}

static int find_state(void)
{
	char **names = NULL;
	int n = sd_listen_fds_with_names(0, &names), i, fd = -1;

	for (i = 0; i < n; i++) {
		if (fd < 0 && strcmp(names[i], "state") == 0)
			fd = SD_LISTEN_FDS_START + i;
		free(names[i]);
	}
	free(names);
	return fd;
}

static int counter(long max)
{
	int nfds = sd_listen_fds(0);
	int fd = find_state(), r;
	uint64_t count = 0;

	if (fd < 0 && (fd = memfd_create("state", 0)) < 0) {
		perror("nt_sdnotify: memfd_create");
		return 1;
	}
	if (pread(fd, &count, sizeof count, 0) != sizeof count)
		count = 0;	/* a new memfd is empty */
	count++;
	if (pwrite(fd, &count, sizeof count, 0) != sizeof count) {
		perror("nt_sdnotify: pwrite");
		return 1;
	}
	/* Stored again on every start: tinyhold keeps it once. */
	r = sd_pid_notify_with_fds(0, 0, "FDSTORE=1\nFDNAME=state", &fd, 1);
	if (r <= 0) {
		fprintf(stderr, "nt_sdnotify: sd_pid_notify_with_fds: %s\n", r ? strerror(-r) : "no socket");
		return 1;
	}
	if ((long)count < max)
		abort();
	printf("count %llu fds %d\n", (unsigned long long)count, nfds);
	fflush(stdout);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "hello") == 0)
		return hello(atoi(argv[2]));
	if (argc == 3 && strcmp(argv[1], "counter") == 0)
		return counter(atol(argv[2]));
	fprintf(stderr, "usage: nt_sdnotify hello PINGS | counter MAX\n");
	return 2;
}
