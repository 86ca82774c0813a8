/* stormsrv: the server of the crash storm and the throughput bench.
 *
 * A small HTTP server (one epoll loop, keep-alive) that gets its listening socket
 * from fd 3 (socket activation: LISTEN_FDS/LISTEN_PID), from fd 0 (-0: supervisord's
 * fcgi-program), or binds 127.0.0.1:PORT itself. With -k K it abort()s on the request
 * of its K-th connection, a "query of death", so that client loses its reply.
 * With -t FILE it appends its own timestamps (CLOCK_MONOTONIC, ns, shared by all
 * processes) when main() starts, just before it accepts and just before it crashes:
 *     start NS PID 0    ready NS PID 0    crash NS PID 0    bindfail NS PID ERRNO
 * It never writes to stdout or stderr on the hot path: logging is not what we measure. */
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
#define BACKLOG SOMAXCONN

struct conn {
	unsigned long no;	/* which connection of this life, from 1 */
	size_t len;
	char buf[REQ_MAX];
};

static struct conn *conns[CONN_MAX];
static int timelog = -1;

static const char reply_keep[] =
	"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello\n";
static const char reply_close[] =
	"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n"
	"Connection: close\r\n\r\nhello\n";

static long long now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* One write(2) per line with O_APPEND, so lines of successive lives never interleave. */
static void stamp(const char *what, int err)
{
	char line[96];
	int n;

	if (timelog < 0)
		return;
	n = snprintf(line, sizeof line, "%s %lld %d %d\n", what, now_ns(), (int)getpid(), err);
	if (write(timelog, line, (size_t)n) < 0)
		return;	/* a lost timestamp only shortens the report */
}

static int listen_fd_from_env(void)
{
	const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");

	/* sd_listen_fds(3): the fds are ours only if LISTEN_PID names us. */
	if (fds == NULL || pid == NULL || atol(pid) != (long)getpid() || atoi(fds) < 1)
		return -1;
	return LISTEN_FDS_START;
}

static int bind_port(int port, int reuse)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, BACKLOG) < 0) {
		int e = errno;
		stamp("bindfail", e);
		/* The naive restart loop runs us thousands of times: one quiet exit each. */
		_exit(1);
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

static void crash(void)
{
	stamp("crash", 0);
	abort();
}

/* Answers every complete request head in the buffer; false: close the connection. */
static int serve(int fd, struct conn *c, unsigned long crash_at)
{
	char *end;

	while ((end = memmem(c->buf, c->len, "\r\n\r\n", 4)) != NULL) {
		size_t head = (size_t)(end - c->buf) + 4;
		int close_after = memmem(c->buf, head, "HTTP/1.0", 8) != NULL ||
				  memmem(c->buf, head, "Connection: close", 17) != NULL;
		const char *r = close_after ? reply_close : reply_keep;
		size_t rlen = close_after ? sizeof reply_close - 1 : sizeof reply_keep - 1;

		if (crash_at && c->no == crash_at)
			crash();
		/* Replies are 100 bytes into an empty socket buffer: one send is enough. */
		if (send(fd, r, rlen, MSG_NOSIGNAL) != (ssize_t)rlen)
			return 0;
		if (close_after)
			return 0;
		memmove(c->buf, c->buf + head, c->len - head);
		c->len -= head;
	}
	return c->len < sizeof c->buf;
}

static void usage(void)
{
	fputs("usage: stormsrv [-k K] [-t TIMELOG] [-P PORT] [-0] [-R] [-1 FLAGFILE]\n"
	      "  -k K        abort() on the request of the K-th connection of each life\n"
	      "  -1 FILE     crash only if FILE is absent (and create it): one crash in all\n"
	      "  -t FILE     append ready/crash/bindfail timestamps to FILE\n"
	      "  -P PORT     bind 127.0.0.1:PORT when not socket-activated (default 8080)\n"
	      "  -0          the listening socket is fd 0 (supervisord fcgi-program)\n"
	      "  -R          bind without SO_REUSEADDR\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	struct rlimit no_core = { 0, 0 };
	struct epoll_event ev[EVENTS_MAX];
	unsigned long crash_at = 0, accepted = 0;
	const char *once = NULL;
	int port = 8080, from_fd0 = 0, reuse = 1, lfd, ep, opt;

	while ((opt = getopt(argc, argv, "k:t:P:0R1:")) != -1) {
		switch (opt) {
		case 'k': crash_at = strtoul(optarg, NULL, 10); break;
		case 't':
			timelog = open(optarg, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
			break;
		case 'P': port = atoi(optarg); break;
		case '0': from_fd0 = 1; break;
		case 'R': reuse = 0; break;
		case '1': once = optarg; break;
		default: usage();
		}
	}
	stamp("start", 0);
	/* A crash must cost what a crash costs, not a core dump in the working directory. */
	(void)setrlimit(RLIMIT_CORE, &no_core);
	if (once != NULL && crash_at) {
		int f = open(once, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (f < 0)
			crash_at = 0;	/* crashed once already */
		else
			(void)close(f);
	}

	lfd = listen_fd_from_env();
	if (lfd < 0)
		lfd = from_fd0 ? 0 : bind_port(port, reuse);
	/* The socket's file description may be shared with a holder that never accepts:
	 * making it non-blocking changes nothing for the holder. */
	(void)fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ev[0] = (struct epoll_event){ .events = EPOLLIN, .data.fd = lfd };
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev[0]) < 0) {
		perror("stormsrv: epoll");
		return 1;
	}
	stamp("ready", 0);

	for (;;) {
		int i, n = epoll_wait(ep, ev, EVENTS_MAX, -1);

		for (i = 0; i < n; i++) {
			int fd = ev[i].data.fd;

			if (fd == lfd) {
				int c;
				while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
					struct epoll_event cev = { .events = EPOLLIN, .data.fd = c };
					if (c >= CONN_MAX || (conns[c] = calloc(1, sizeof *conns[c])) == NULL ||
					    epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev) < 0) {
						(void)close(c);
						continue;
					}
					conns[c]->no = ++accepted;
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
			if (!serve(fd, c, crash_at))
				drop(ep, fd);
		}
	}
}
