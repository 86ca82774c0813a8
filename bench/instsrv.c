/* instsrv: the server of the instances bench (tinyhold -n). A small single-threaded HTTP
 * server (one epoll loop, keep-alive) taking its listening socket from fd 3 (LISTEN_FDS,
 * LISTEN_PID), or binding 127.0.0.1:PORT itself (-P).
 *
 *   -s MS   sleep this long before it accepts: an app that is slow to start (a JVM, Rails)
 *   -w US   burn this much of its own CPU time per request: a CPU-bound app
 *   -a N    accept at most N connections per wake-up (default 0: every pending one, the
 *           usual `while (accept() >= 0)`; 1 is nginx's default, `multi_accept off`)
 *   -t FILE append timestamps (CLOCK_MONOTONIC ns, shared by all processes):
 *               start NS PID INSTANCE      at the top of main()
 *               ready NS PID INSTANCE      just before the first accept()
 *               count NS PID INSTANCE N    on SIGTERM or SIGINT: the requests it answered
 *
 * Every reply names its process: `X-Pid: PID` and `X-Instance: TINYHOLD_INSTANCE` (or -), so
 * a client sees which instance answered. On SIGTERM or SIGINT it writes its count and dies of
 * that signal. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LISTEN_FDS_START 3
#define CONN_MAX 1024		/* fds above this are refused: a bench, not a web server */
#define REQ_MAX 1024		/* one request head; longer ones are cut off */
#define EVENTS_MAX 64

struct conn {
	size_t len;
	char buf[REQ_MAX];
};

static struct conn *conns[CONN_MAX];
static int timelog = -1;
static const char *instance = "-";
static volatile sig_atomic_t stop_sig;
static unsigned long answered;

static long long clock_ns(clockid_t id)
{
	struct timespec ts;

	(void)clock_gettime(id, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* One write(2) per line with O_APPEND: lines of several processes never interleave. */
static void stamp(const char *what, long n)
{
	char line[128];
	int len;

	if (timelog < 0)
		return;
	if (n < 0)
		len = snprintf(line, sizeof line, "%s %lld %d %s\n", what, clock_ns(CLOCK_MONOTONIC),
			       (int)getpid(), instance);
	else
		len = snprintf(line, sizeof line, "%s %lld %d %s %ld\n", what,
			       clock_ns(CLOCK_MONOTONIC), (int)getpid(), instance, n);
	if (write(timelog, line, (size_t)len) < 0)
		return;	/* a lost timestamp only shortens the report */
}

static void on_stop(int sig)
{
	stop_sig = sig;
}

/* The work of a CPU-bound request: this thread's own CPU time, whatever the load. */
static void burn(long us)
{
	long long end = clock_ns(CLOCK_THREAD_CPUTIME_ID) + us * 1000LL;
	volatile unsigned x = 1;

	while (clock_ns(CLOCK_THREAD_CPUTIME_ID) < end) {
		int i;
		for (i = 0; i < 1000; i++)
			x = x * 1103515245u + 12345u;
	}
}

static int listen_fd_from_env(void)
{
	const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");

	if (fds == NULL || pid == NULL || atol(pid) != (long)getpid() || atoi(fds) < 1)
		return -1;
	return LISTEN_FDS_START;
}

static int bind_port(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, SOMAXCONN) < 0) {
		perror("instsrv: cannot listen");
		exit(1);
	}
	return fd;
}

static void drop(int ep, int fd)
{
	(void)epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
	(void)close(fd);
	free(conns[fd]);
	conns[fd] = NULL;
}

/* Answers every complete request head in the buffer; false: close the connection. */
static int serve(int fd, struct conn *c, long burn_us)
{
	char *end, reply[256];

	while ((end = memmem(c->buf, c->len, "\r\n\r\n", 4)) != NULL) {
		size_t head = (size_t)(end - c->buf) + 4;
		int close_after = memmem(c->buf, head, "HTTP/1.0", 8) != NULL ||
				  memmem(c->buf, head, "Connection: close", 17) != NULL;
		int n;

		if (burn_us > 0)
			burn(burn_us);
		n = snprintf(reply, sizeof reply,
			     "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n"
			     "X-Pid: %d\r\nX-Instance: %s\r\n%s\r\nhello\n", (int)getpid(), instance,
			     close_after ? "Connection: close\r\n" : "");
		/* A short reply into an empty socket buffer: one send is enough. */
		if (send(fd, reply, (size_t)n, MSG_NOSIGNAL) != n)
			return 0;
		answered++;
		if (close_after)
			return 0;
		memmove(c->buf, c->buf + head, c->len - head);
		c->len -= head;
	}
	return c->len < sizeof c->buf;
}

static void usage(void)
{
	fputs("usage: instsrv [-s SLEEP_MS] [-w BURN_US] [-a ACCEPTS] [-t TIMELOG] [-P PORT]\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	struct rlimit no_core = { 0, 0 };
	struct epoll_event ev[EVENTS_MAX];
	struct sigaction sa = { .sa_handler = on_stop };	/* no SA_RESTART: epoll_wait returns */
	long sleep_ms = 0, burn_us = 0, accepts_max = 0;
	int port = 8080, lfd, ep, opt;

	while ((opt = getopt(argc, argv, "s:w:a:t:P:")) != -1) {
		switch (opt) {
		case 's': sleep_ms = strtol(optarg, NULL, 10); break;
		case 'w': burn_us = strtol(optarg, NULL, 10); break;
		case 'a': accepts_max = strtol(optarg, NULL, 10); break;
		case 't':
			timelog = open(optarg, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
			break;
		case 'P': port = atoi(optarg); break;
		default: usage();
		}
	}
	if (getenv("TINYHOLD_INSTANCE") != NULL)
		instance = getenv("TINYHOLD_INSTANCE");
	stamp("start", -1);
	(void)setrlimit(RLIMIT_CORE, &no_core);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);

	lfd = listen_fd_from_env();
	if (lfd < 0)
		lfd = bind_port(port);
	if (sleep_ms > 0) {
		struct timespec ts = { sleep_ms / 1000, (sleep_ms % 1000) * 1000000L };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !stop_sig)
			;
	}
	/* The file description is shared with the holder and the other instances: they all
	 * see O_NONBLOCK, which a holder that never accepts does not mind. */
	(void)fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ev[0] = (struct epoll_event){ .events = EPOLLIN, .data.fd = lfd };
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev[0]) < 0) {
		perror("instsrv: epoll");
		return 1;
	}
	stamp("ready", -1);

	while (!stop_sig) {
		int i, n = epoll_wait(ep, ev, EVENTS_MAX, -1);

		for (i = 0; i < n; i++) {
			int fd = ev[i].data.fd;

			if (fd == lfd) {
				long taken = 0;
				int c;
				/* Level-triggered: what is left in the queue wakes us (or another
				 * instance) again. */
				while ((accepts_max == 0 || taken++ < accepts_max) &&
				       (c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
					struct epoll_event cev = { .events = EPOLLIN, .data.fd = c };
					if (c >= CONN_MAX || (conns[c] = calloc(1, sizeof *conns[c])) == NULL ||
					    epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev) < 0) {
						(void)close(c);
						continue;
					}
				}
				continue;
			}
			struct conn *c = conns[fd];
			ssize_t r = recv(fd, c->buf + c->len, sizeof c->buf - c->len, 0);
			if (r <= 0) {
				if (r < 0 && errno == EAGAIN)
					continue;
				drop(ep, fd);
				continue;
			}
			c->len += (size_t)r;
			if (!serve(fd, c, burn_us))
				drop(ep, fd);
		}
	}
	stamp("count", (long)answered);
	(void)signal(stop_sig, SIG_DFL);
	(void)raise(stop_sig);
	return 1;
}
