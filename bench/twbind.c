/* twbind: the original bug. Can a restarted server bind() its port while sockets of
 * its previous life linger, for each SO_REUSEADDR setting of the old and the new
 * listener; and how long does bind() take as TIME_WAIT sockets pile up on the port?
 * Run it in a private network namespace (unshare --net, lo up): the sockets it leaves
 * in TIME_WAIT vanish with the namespace and touch nothing else.
 *
 *   twbind table PORT       lines: table OLD NEW STATE SOCKETS RESULT
 *   twbind pile PORT        lines: pile TIME_WAIT BIND_NS_MEDIAN BIND_NS_P90 RESULT */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

#define TABLE_CONNS 50		/* sockets of the "previous life": a few are enough */
#define SOURCES 200		/* clients from 127.0.0.1 .. .200: no ephemeral port runs out */
#define BIND_TRIALS 51		/* per level; we report the median and the 90th percentile */
/* /proc/net/tcp states (include/net/tcp_states.h), as bits of a mask */
#define TCP_FIN_WAIT1 (1 << 4)
#define TCP_FIN_WAIT2 (1 << 5)
#define TCP_TIME_WAIT (1 << 6)

static const int pile_levels[] = { 0, 100, 1000, 10000, 30000 };

static long long now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct sockaddr_in loopback(int port, unsigned host)
{
	return (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				     .sin_addr.s_addr = htonl(0x7f000000u + host) };
}

static void die(const char *what)
{
	fprintf(stderr, "twbind: cannot %s: %s\n", what, strerror(errno));
	exit(1);
}

/* A socket with SO_REUSEADDR as asked, bound to 127.0.0.1:port; 0 or errno. *took_ns: bind()'s time. */
static int try_bind(int port, int reuse, int *fd_out, long long *took_ns)
{
	struct sockaddr_in a = loopback(port, 1);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), r, e;
	long long t0;

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse) < 0)
		die("make a socket");
	t0 = now_ns();
	r = bind(fd, (struct sockaddr *)&a, sizeof a);
	e = errno;
	if (took_ns)
		*took_ns = now_ns() - t0;
	if (r < 0 || fd_out == NULL)
		(void)close(fd);
	else
		*fd_out = fd;
	return r < 0 ? e : 0;
}

static int listener(int port, int reuse)
{
	int fd, e = try_bind(port, reuse, &fd, NULL);

	if (e) {
		errno = e;
		die("bind the old listener");
	}
	if (listen(fd, SOMAXCONN) < 0)
		die("listen");
	return fd;
}

/* One connection to the listener: client[i] and its accepted peer in *server. */
static int connect_one(int lfd, int port, int i, int *server)
{
	struct sockaddr_in to = loopback(port, 1), from = loopback(0, 1 + (unsigned)(i % SOURCES));
	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (c < 0)
		die("make a client socket");
	(void)setsockopt(c, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
	if (bind(c, (struct sockaddr *)&from, sizeof from) < 0 ||
	    connect(c, (struct sockaddr *)&to, sizeof to) < 0)
		die("connect");
	*server = accept(lfd, NULL, NULL);
	if (*server < 0)
		die("accept");
	return c;
}

/* n connections in which the server closes first: n server-side TIME_WAITs on the port. */
static void make_time_wait(int lfd, int port, int n, int base)
{
	char b;
	int i;

	for (i = 0; i < n; i++) {
		int s, c = connect_one(lfd, port, base + i, &s);
		(void)close(s);				/* FIN from the server: it will TIME_WAIT */
		while (recv(c, &b, 1, 0) < 0 && errno == EINTR)	/* the client sees EOF ... */
			;
		(void)close(c);				/* ... and closes: server FIN_WAIT2 -> TIME_WAIT */
	}
}

/* Sockets in one of the states of the mask whose local port is port, from /proc/net/tcp. */
static int count_state(int port, int states)
{
	FILE *f = fopen("/proc/net/tcp", "r");
	char line[256];
	int n = 0;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f)) {
		unsigned lport, st;
		if (sscanf(line, " %*d: %*8x:%x %*8x:%*x %x", &lport, &st) == 2 &&
		    (int)lport == port && st < 32 && (states & (1 << st)))
			n++;
	}
	fclose(f);
	return n;
}

static const char *result(int e)
{
	return e == 0 ? "bound" : e == EADDRINUSE ? "EADDRINUSE" : strerror(e);
}

static void table(int port)
{
	int old, neu, i;

	for (old = 0; old <= 1; old++) {
		for (neu = 0; neu <= 1; neu++) {
			/* No socket left: the control. */
			int p = port++, lfd = listener(p, old);
			(void)close(lfd);
			printf("table %d %d none 0 %s\n", old, neu, result(try_bind(p, neu, NULL, NULL)));

			/* The server closed its connections, then died: TIME_WAIT. */
			p = port++;
			lfd = listener(p, old);
			make_time_wait(lfd, p, TABLE_CONNS, 0);
			(void)close(lfd);
			printf("table %d %d TIME_WAIT %d %s\n", old, neu, count_state(p, TCP_TIME_WAIT),
			       result(try_bind(p, neu, NULL, NULL)));

			/* The server died with connections open, the clients still there: FIN_WAIT
			 * (1 until the client's ACK is processed, then 2). */
			{
				int clients[TABLE_CONNS], s;
				p = port++;
				lfd = listener(p, old);
				for (i = 0; i < TABLE_CONNS; i++) {
					clients[i] = connect_one(lfd, p, i, &s);
					(void)close(s);
				}
				(void)close(lfd);
				printf("table %d %d FIN_WAIT %d %s\n", old, neu,
				       count_state(p, TCP_FIN_WAIT1 | TCP_FIN_WAIT2),
				       result(try_bind(p, neu, NULL, NULL)));
				for (i = 0; i < TABLE_CONNS; i++)
					(void)close(clients[i]);
			}
		}
	}
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

static void pile(int port)
{
	size_t l;
	int made = 0;

	for (l = 0; l < sizeof pile_levels / sizeof pile_levels[0]; l++) {
		long long took[BIND_TRIALS];
		int lfd = listener(port, 1), e = 0, t;

		/* The old life: it served connections until the port has this many TIME_WAITs. */
		make_time_wait(lfd, port, pile_levels[l] - made, made);
		made = pile_levels[l];
		(void)close(lfd);
		/* The new life binds, as a restarted server would (both with SO_REUSEADDR). */
		for (t = 0; t < BIND_TRIALS; t++) {
			int r = try_bind(port, 1, NULL, &took[t]);
			if (r)
				e = r;
		}
		qsort(took, BIND_TRIALS, sizeof took[0], cmp_ll);
		printf("pile %d %lld %lld %s\n", count_state(port, TCP_TIME_WAIT),
		       took[BIND_TRIALS / 2], took[BIND_TRIALS * 9 / 10], result(e));
		fflush(stdout);
	}
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "table") == 0)
		table(atoi(argv[2]));
	else if (argc == 3 && strcmp(argv[1], "pile") == 0)
		pile(atoi(argv[2]));
	else {
		fputs("usage: twbind table|pile PORT\n", stderr);
		return 2;
	}
	return 0;
}
