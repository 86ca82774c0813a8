/* stormcli: the client of the crash storm. One connection at a time, in a tight
 * loop, for a fixed time: connect, send one HTTP/1.0 request, read the reply to EOF.
 * Counts successes, refusals (ECONNREFUSED), resets (ECONNRESET or EOF without a
 * reply), other errors; the longest gap between two successes; and per-10 ms buckets.
 *
 * Each connection comes from the next of 127.0.0.1 .. 127.0.0.SOURCES, its port
 * picked at connect() (IP_BIND_ADDRESS_NO_PORT): tens of thousands of connections a
 * second would otherwise run out of ephemeral ports against the TIME_WAIT ones. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

#define BUCKET_NS 10000000LL		/* 10 ms: the SVG's resolution */
#define BUCKETS_MAX 3000		/* 30 s at most */
#define SOURCES 200			/* source addresses 127.0.0.1 .. 127.0.0.200 */
#define CONNECT_MAX 5000000UL		/* a bound on the loop, whatever the clock says */

struct bucket {
	unsigned ok, refused, reset, other;
};

static struct bucket buckets[BUCKETS_MAX];

static long long now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

enum outcome { OK, REFUSED, RESET, OTHER };

/* Waits for fd until the deadline; 0 on timeout. */
static int wait_fd(int fd, short events, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	long long left = deadline - now_ns();
	int r;

	if (left <= 0)
		return 0;
	do
		r = poll(&p, 1, (int)(left / 1000000 + 1));
	while (r < 0 && errno == EINTR);
	return r > 0;
}

static enum outcome one(const struct sockaddr_in *to, unsigned long n, long long give_up)
{
	static const char req[] = "GET / HTTP/1.0\r\n\r\n";
	struct sockaddr_in from = { .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(0x7f000001u + (uint32_t)(n % SOURCES)) };
	char buf[512];
	size_t got = 0;
	int one_ = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	enum outcome o = OTHER;

	if (fd < 0)
		return OTHER;
	(void)setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one_, sizeof one_);
	if (bind(fd, (struct sockaddr *)&from, sizeof from) < 0)
		goto out;
	/* Blocking connect: on loopback it completes, or is refused, at once. */
	if (connect(fd, (const struct sockaddr *)to, sizeof *to) < 0) {
		o = errno == ECONNREFUSED ? REFUSED : errno == ECONNRESET ? RESET : OTHER;
		goto out;
	}
	if (send(fd, req, sizeof req - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof req - 1)) {
		o = errno == ECONNRESET || errno == EPIPE ? RESET : OTHER;
		goto out;
	}
	for (;;) {
		ssize_t r;
		if (!wait_fd(fd, POLLIN, give_up))
			goto out;	/* no reply before the end of the run: OTHER */
		r = recv(fd, buf + got, sizeof buf - 1 - got, 0);
		if (r < 0) {
			o = errno == ECONNRESET ? RESET : OTHER;
			goto out;
		}
		if (r == 0)
			break;
		got += (size_t)r;
		if (got == sizeof buf - 1)
			break;
	}
	buf[got] = '\0';
	o = strncmp(buf, "HTTP/1.1 200 ", 13) == 0 && strstr(buf, "\r\n\r\nhello\n") ? OK : RESET;
out:
	(void)close(fd);
	return o;
}

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	long long start, end, give_up, last_ok = 0, gap = 0, t;
	unsigned long n, count[4] = { 0 };
	double secs, grace;
	FILE *csv;
	int nb, i;

	if (argc != 5) {
		fputs("usage: stormcli PORT SECONDS GRACE_SECONDS BUCKETS.csv\n", stderr);
		return 2;
	}
	to.sin_port = htons((uint16_t)atoi(argv[1]));
	secs = atof(argv[2]);
	grace = atof(argv[3]);
	nb = (int)(secs * 1e9 / BUCKET_NS) + 1;
	if (secs <= 0 || nb > BUCKETS_MAX) {
		fputs("stormcli: SECONDS must be in (0, 29]\n", stderr);
		return 2;
	}
	start = now_ns();
	end = start + (long long)(secs * 1e9);
	/* A reply still owed at the end may come until end + grace, then it counts as other. */
	give_up = end + (long long)(grace * 1e9);
	for (n = 0; n < CONNECT_MAX && (t = now_ns()) < end; n++) {
		enum outcome o = one(&to, n, give_up);
		long long done = now_ns();
		int b = (int)((done - start) / BUCKET_NS);

		if (b >= nb)
			b = nb - 1;
		count[o]++;
		switch (o) {
		case OK:
			buckets[b].ok++;
			if (last_ok && done - last_ok > gap)
				gap = done - last_ok;
			last_ok = done;
			break;
		case REFUSED: buckets[b].refused++; break;
		case RESET: buckets[b].reset++; break;
		case OTHER: buckets[b].other++; break;
		}
	}
	csv = fopen(argv[4], "w");
	if (csv == NULL) {
		perror("stormcli: cannot write the buckets");
		return 1;
	}
	fprintf(csv, "t_ms,ok,refused,reset,other\n");
	for (i = 0; i < nb; i++)
		fprintf(csv, "%d,%u,%u,%u,%u\n", i * (int)(BUCKET_NS / 1000000), buckets[i].ok,
			buckets[i].refused, buckets[i].reset, buckets[i].other);
	fclose(csv);
	printf("seconds=%.3f connects=%lu ok=%lu refused=%lu reset=%lu other=%lu "
	       "longest_gap_ms=%.3f start_ns=%lld end_ns=%lld\n",
	       (now_ns() - start) / 1e9, n, count[OK], count[REFUSED], count[RESET], count[OTHER],
	       gap / 1e6, start, end);
	return 0;
}
