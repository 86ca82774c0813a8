/* gapcli: the client of the serving-gap bench (tinyhold -n). One request at a time, back to
 * back, for a fixed time: connect, send `GET / HTTP/1.0`, read the reply to EOF. Records every
 * request: when it started, how long it took, its outcome (ok, refused: ECONNREFUSED, reset:
 * ECONNRESET or EOF without a reply, other) and the X-Pid of the process that answered.
 *
 * A second thread SIGKILLs one instance at KILL_AT seconds, while requests flow: of the PIDs
 * given (the instances, children of tinyhold), the one that answered the latest reply, so the
 * kill hits the instance that is serving. It records when, on the same clock.
 *
 * Each connection comes from the next of 127.0.0.1 .. 127.0.0.SOURCES, its port picked at
 * connect() (IP_BIND_ADDRESS_NO_PORT), as in stormcli.c: no running out of ephemeral ports.
 *
 * Output, OUT.tsv: start_us latency_us outcome pid (one line per request), and on stdout:
 *     requests=N ok=N refused=N reset=N other=N killed_pid=PID kill_us=US start_ns=NS */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

#define SOURCES 200		/* source addresses 127.0.0.1 .. 127.0.0.200 */
#define REQUESTS_MAX 2000000UL	/* a bound on the loop and the record, whatever the clock says */
#define PIDS_MAX 64

enum outcome { OK, REFUSED, RESET, OTHER };
static const char *const outcome_name[] = { "ok", "refused", "reset", "other" };

struct req {
	long long start_ns, lat_ns;
	int pid;
	enum outcome o;
};

static struct req *reqs;
static long long t0;
static atomic_int last_pid;
static int pids[PIDS_MAX], npids;
static long long kill_at_ns, kill_ns = -1;
static int killed_pid;

static long long now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void *killer(void *arg)
{
	long long at = t0 + kill_at_ns;
	struct timespec ts = { at / 1000000000LL, at % 1000000000LL };
	int i, victim = pids[0], last;

	(void)arg;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
	last = atomic_load(&last_pid);
	/* Only ever one of the PIDs we were given: never something else that reused a pid. */
	for (i = 0; i < npids; i++)
		if (pids[i] == last)
			victim = last;
	kill_ns = now_ns() - t0;
	if (kill(victim, SIGKILL) == 0)
		killed_pid = victim;
	return NULL;
}

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

static enum outcome one(const struct sockaddr_in *to, unsigned long n, long long give_up, int *pid)
{
	static const char req[] = "GET / HTTP/1.0\r\n\r\n";
	struct sockaddr_in from = { .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(0x7f000001u + (uint32_t)(n % SOURCES)) };
	char buf[512];
	size_t got = 0;
	int one_ = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	enum outcome o = OTHER;
	const char *p;

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
	p = strstr(buf, "\r\nX-Pid: ");
	if (o == OK && p != NULL)
		*pid = atoi(p + 9);
out:
	(void)close(fd);
	return o;
}

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	unsigned long n, i, count[4] = { 0 };
	long long end, give_up;
	double secs, kill_at, grace;
	pthread_t th;
	FILE *out;
	char *tok;

	if (argc != 7) {
		fputs("usage: gapcli PORT SECONDS GRACE_SECONDS KILL_AT_SECONDS PID[,PID...] OUT.tsv\n",
		      stderr);
		return 2;
	}
	to.sin_port = htons((uint16_t)atoi(argv[1]));
	secs = atof(argv[2]);
	grace = atof(argv[3]);
	kill_at = atof(argv[4]);
	for (tok = strtok(argv[5], ","); tok != NULL && npids < PIDS_MAX; tok = strtok(NULL, ","))
		if (atoi(tok) > 0)
			pids[npids++] = atoi(tok);
	if (secs <= 0 || secs > 60 || kill_at <= 0 || kill_at >= secs || npids == 0) {
		fputs("gapcli: need 0 < KILL_AT < SECONDS <= 60 and at least one PID\n", stderr);
		return 2;
	}
	reqs = calloc(REQUESTS_MAX, sizeof *reqs);
	if (reqs == NULL) {
		perror("gapcli: calloc");
		return 1;
	}
	t0 = now_ns();
	end = t0 + (long long)(secs * 1e9);
	give_up = end + (long long)(grace * 1e9);
	kill_at_ns = (long long)(kill_at * 1e9);
	if (pthread_create(&th, NULL, killer, NULL) != 0) {
		fputs("gapcli: cannot start the killer thread\n", stderr);
		return 1;
	}
	for (n = 0; n < REQUESTS_MAX && now_ns() < end; n++) {
		struct req *r = &reqs[n];

		r->pid = 0;
		r->start_ns = now_ns();
		r->o = one(&to, n, give_up, &r->pid);
		r->lat_ns = now_ns() - r->start_ns;
		r->start_ns -= t0;
		count[r->o]++;
		if (r->o == OK)
			atomic_store(&last_pid, r->pid);
	}
	(void)pthread_join(th, NULL);
	out = fopen(argv[6], "w");
	if (out == NULL) {
		perror("gapcli: cannot write the record");
		return 1;
	}
	fprintf(out, "start_us\tlatency_us\toutcome\tpid\n");
	for (i = 0; i < n; i++)
		fprintf(out, "%.1f\t%.1f\t%s\t%d\n", reqs[i].start_ns / 1e3, reqs[i].lat_ns / 1e3,
			outcome_name[reqs[i].o], reqs[i].pid);
	fclose(out);
	printf("requests=%lu ok=%lu refused=%lu reset=%lu other=%lu killed_pid=%d kill_us=%.1f "
	       "start_ns=%lld\n", n, count[OK], count[REFUSED], count[RESET], count[OTHER], killed_pid,
	       kill_ns / 1e3, t0);
	return 0;
}
