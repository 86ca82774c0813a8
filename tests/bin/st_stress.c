/* st_stress: the fast programs of tests/stress.bats, one mode each. Python
 * would be too slow to start 10,000 times or to fork 10,000 orphans.
 *
 *   st_stress crash PAUSE_AT STAY_AT  the app: serves one pending connection on
 *       fd 3 (if any) and exits 1 at once. At restart PAUSE_AT it serves until
 *       SIGUSR1, then exits 1; from restart STAY_AT on it serves until killed.
 *   st_stress client PORT STOPFILE SECS  connects to 127.0.0.1:PORT in a loop
 *       until STOPFILE exists (or SECS pass) and prints
 *       "ok=N refused=N reset=N timeout=N other=N".
 *   st_stress orphans N READYFILE LOG  the app: a child forks N grandchildren
 *       and exits, so N orphans go to tinyhold at once. They wait on a pipe.
 *       READYFILE gets "N" once they are orphans. SIGUSR2 closes the pipe: all
 *       N exit in the same instant. Every SIGUSR1 and SIGUSR2 is appended to LOG.
 *   st_stress storm PID COUNT  sends COUNT signals to PID as fast as it can:
 *       SIGUSR1 and every real-time signal 34..64 in turn, half of the real-time
 *       ones with sigqueue(); prints "sent=N queue_full=N".
 *   st_stress burst N CODE  the app: N children in its process group and N
 *       orphans, all blocked on one pipe; the app exits with CODE, which closes
 *       the pipe: the app and 2N processes exit in the same instant. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LISTEN_FD 3
#define RT_FIRST 34	/* SIGRTMIN as the kernel and glibc number it */
#define RT_LAST 64
#define REPLY_TIMEOUT_S 5	/* a reply slower than this counts as a timeout */

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

static long restarts(void)
{
	const char *r = getenv("TINYHOLD_RESTARTS");

	return r ? atol(r) : 0;
}

/* Accepts one connection if one is pending and answers it. */
static void serve_one(void)
{
	int c = accept4(LISTEN_FD, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	char reply[32];
	int n;

	if (c < 0)
		return;
	n = snprintf(reply, sizeof reply, "ok %ld\n", restarts());
	(void)!write(c, reply, (size_t)n);
	close(c);
}

/* Serves connections until SIGUSR1 (until_usr1) or forever. */
static void serve(int until_usr1)
{
	struct pollfd p = { .fd = LISTEN_FD, .events = POLLIN };
	struct sigaction sa;
	sigset_t block, wait_mask;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, SIGUSR1);
	while (!(until_usr1 && got_usr1)) {
		if (ppoll(&p, 1, NULL, &wait_mask) > 0)
			serve_one();
	}
}

static int crash(long pause_at, long stay_at)
{
	long r = restarts();
	struct pollfd p = { .fd = LISTEN_FD, .events = POLLIN };

	if (r >= stay_at)
		serve(0);
	if (r == pause_at)
		serve(1);
	else if (poll(&p, 1, 0) > 0)
		serve_one();
	return 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int client(int port, const char *stopfile, double secs)
{
	long ok = 0, refused = 0, reset = 0, timedout = 0, other = 0;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timeval tv = { .tv_sec = REPLY_TIMEOUT_S };
	double end = now_s() + secs;
	struct stat st;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	while (now_s() < end && stat(stopfile, &st) < 0) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		char buf[64];
		ssize_t n;

		if (fd < 0) {
			other++;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		if (connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0) {
			if (errno == ECONNREFUSED)
				refused++;
			else if (errno == ETIMEDOUT || errno == EINPROGRESS || errno == EAGAIN)
				timedout++;
			else
				other++;
			close(fd);
			continue;
		}
		n = read(fd, buf, sizeof buf);
		if (n > 2 && memcmp(buf, "ok", 2) == 0)
			ok++;
		else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			timedout++;
		else
			reset++;
		close(fd);
	}
	printf("ok=%ld refused=%ld reset=%ld timeout=%ld other=%ld\n", ok, refused, reset,
	       timedout, other);
	return 0;
}

static void append(const char *path, const char *line)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

	if (fd >= 0) {
		(void)!write(fd, line, strlen(line));
		close(fd);
	}
}

static void write_file(const char *path, const char *text)
{
	char tmp[4096];

	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	unlink(tmp);
	append(tmp, text);
	rename(tmp, path);	/* the test sees it whole or not at all */
}

static int orphans(long n, const char *readyfile, const char *log)
{
	int go[2];
	pid_t mid;
	long made = 0;
	char line[64];
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);	/* read with sigwait() below */
	if (pipe2(go, O_CLOEXEC) < 0)
		return 2;
	mid = fork();
	if (mid == 0) {
		for (made = 0; made < n; made++) {
			pid_t p = fork();
			if (p == 0) {
				char c;
				close(go[1]);
				(void)!read(go[0], &c, 1);	/* EOF when the app lets go */
				_exit(0);
			}
			if (p < 0)
				break;
		}
		_exit(made == n ? 0 : 1);
	}
	close(go[0]);
	if (mid < 0 || waitpid(mid, &sig, 0) < 0 || !WIFEXITED(sig) || WEXITSTATUS(sig) != 0) {
		write_file(readyfile, "error: fork failed\n");
		return 2;
	}
	snprintf(line, sizeof line, "%ld\n", n);
	write_file(readyfile, line);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGUSR2 && go[1] >= 0) {
			close(go[1]);	/* every orphan reads EOF now */
			go[1] = -1;
		}
		append(log, sig == SIGUSR1 ? "USR1\n" : "USR2\n");
	}
}

static int storm(pid_t pid, long count)
{
	long sent = 0, full = 0, i;
	int rt = RT_FIRST;

	for (i = 0; i < count; i++) {
		int r;
		if (i % 2 == 0) {
			r = kill(pid, SIGUSR1);
		} else {
			union sigval v = { .sival_int = (int)i };
			r = (i / 2) % 2 ? sigqueue(pid, rt, v) : kill(pid, rt);
			rt = rt == RT_LAST ? RT_FIRST : rt + 1;
		}
		if (r == 0)
			sent++;
		else if (errno == EAGAIN)
			full++;	/* RLIMIT_SIGPENDING: the kernel's queue is full, not tinyhold's fault */
		else
			return perror("st_stress: kill"), 1;
	}
	printf("sent=%ld queue_full=%ld\n", sent, full);
	return 0;
}

static int burst(long n, int code)
{
	int go[2];
	long i;

	if (pipe2(go, O_CLOEXEC) < 0)
		return 2;
	for (i = 0; i < 2 * n; i++) {
		pid_t p = fork();
		if (p == 0) {
			char c;
			close(go[1]);
			if (i % 2 && fork() != 0)
				_exit(0);	/* odd ones: the parent goes, the orphan waits */
			(void)!read(go[0], &c, 1);
			_exit(0);
		}
		if (p > 0 && i % 2)
			waitpid(p, NULL, 0);	/* the orphan's parent */
	}
	_exit(code);	/* closes go[1]: everyone wakes with us */
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "crash") == 0)
		return crash(atol(argv[2]), atol(argv[3]));
	if (argc == 5 && strcmp(argv[1], "client") == 0)
		return client(atoi(argv[2]), argv[3], atof(argv[4]));
	if (argc == 5 && strcmp(argv[1], "orphans") == 0)
		return orphans(atol(argv[2]), argv[3], argv[4]);
	if (argc == 4 && strcmp(argv[1], "storm") == 0)
		return storm((pid_t)atol(argv[2]), atol(argv[3]));
	if (argc == 4 && strcmp(argv[1], "burst") == 0)
		return burst(atol(argv[2]), atoi(argv[3]));
	fprintf(stderr, "usage: see the top of tests/bin/st_stress.c\n");
	return 2;
}
