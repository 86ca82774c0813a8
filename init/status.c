/* status: the server of --status; see status.h. A client gets one answer and
 * the connection closes (Connection: close): no keep-alive, no pipelining, so
 * a connection is one buffer and one deadline. The answer goes out in one
 * non-blocking send into a socket buffer sized for the largest; a client
 * that does not take it at once, that sends nothing for STATUS_DEADLINE_MS,
 * or that sends what is not a request is dropped. */
#include "status.h"
#include "deadline.h"
#include "fmt.h"
#include "http.h"
#include "log.h"
#include "mem.h"
#include "metrics.h"
#include "sock.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define STATUS_DEADLINE_MS 1000	/* from connect to a whole request head: a probe takes ms */
#define STATUS_BACKLOG 1024	/* a burst of connects waits in the kernel, not in SYN retries */
#define STATUS_ACCEPTS_MAX 64	/* per pass: a flood of clients cannot keep the loop from the app */
#define STATUS_PAUSE_MS 100	/* accept() failed (out of fds): look again after this, not in a spin */
#define STATUS_HEAD_MAX 192	/* our status line and headers */
#define STATUS_LINE_MAX 80	/* "instance 1023: stopping, pid 4194304, 4294967295 restarts, not ready" */
#define STATUS_DEFER_S 1	/* TCP_DEFER_ACCEPT: a connect without a request waits in the kernel */
#define STATUS_SNDBUF_DEFAULT 8192	/* answers up to this fit a fresh socket's default buffer */

enum route { ROUTE_READY, ROUTE_LIVE, ROUTE_METRICS, ROUTES };

struct conn {
	int fd;			/* -1: free */
	int64_t due_ms;
	size_t len;
	char buf[HTTP_HEAD_MAX];
};

static struct {
	int fd;			/* the listener; -1: --status is off */
	int64_t paused_until_ms;	/* -1, or when to poll the listener again */
	char *out;		/* one answer: STATUS_HEAD_MAX for its head, then the body */
	char *body;		/* out + STATUS_HEAD_MAX, body_max bytes */
	size_t body_max;
	bool *up;		/* per instance, for the metrics snapshot */
	struct metrics_listener *listeners;
	long long start_s;
} st = { .fd = -1, .paused_until_ms = -1 };	/* off: no fd, no deadline */
static struct conn conns[STATUS_CONNS_MAX];	/* apart from st: zero, so not in the binary */

int status_open(const struct sockspec *at, size_t instances, size_t listeners)
{
	struct timespec now;
	int fell_back, i, fd = sock_open(at, STATUS_BACKLOG, &fell_back);

	if (fd < 0)
		return fd;
	/* accept4()'s SOCK_NONBLOCK is for the new socket: the listener needs its own,
	 * or a client that resets between poll() and accept() blocks PID 1. */
	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		i = errno;
		(void)close(fd);
		return -i;
	}
	st.body_max = metrics_max(instances, listeners) + instances * STATUS_LINE_MAX;
	st.out = mem_alloc(STATUS_HEAD_MAX + st.body_max, 1);
	st.body = st.out + STATUS_HEAD_MAX;
	st.up = mem_alloc(instances, sizeof *st.up);
	st.listeners = mem_alloc(listeners, sizeof *st.listeners);
	if (st.out == NULL || st.up == NULL || st.listeners == NULL) {
		(void)close(fd);
		return -ENOMEM;
	}
	/* TCP: the kernel hands over a connection only once its request has come
	 * (or after STATUS_DEFER_S), so idle connects never take a place here and
	 * an accepted client is answered at once. Not TCP (unix:): it fails, and
	 * such a socket's clients are local and trusted with its file mode. */
	i = STATUS_DEFER_S;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &i, sizeof i);
	/* Accepted sockets inherit it: the largest answer goes out in one send(). */
	i = (int)(st.body_max + STATUS_HEAD_MAX);
	if (i > STATUS_SNDBUF_DEFAULT)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &i, sizeof i);
	(void)clock_gettime(CLOCK_REALTIME, &now);
	st.start_s = now.tv_sec;
	for (i = 0; i < STATUS_CONNS_MAX; i++)
		conns[i].fd = -1;
	st.paused_until_ms = -1;
	st.fd = fd;
	return 0;
}

size_t status_pollfds(struct pollfd *pfd)
{
	size_t n = 0, i;

	if (st.fd < 0)
		return 0;
	if (deadline_passed(st.paused_until_ms, deadline_now_ms()))
		st.paused_until_ms = -1;
	if (st.paused_until_ms < 0)
		pfd[n++] = (struct pollfd){ .fd = st.fd, .events = POLLIN };
	for (i = 0; i < STATUS_CONNS_MAX; i++)
		if (conns[i].fd >= 0)
			pfd[n++] = (struct pollfd){ .fd = conns[i].fd, .events = POLLIN };
	return n;
}

int64_t status_due_ms(void)
{
	int64_t due = st.paused_until_ms;
	size_t i;

	if (st.fd < 0)
		return -1;	/* off: conns[] is all zero, and fd 0 is not ours to close */
	for (i = 0; i < STATUS_CONNS_MAX; i++)
		if (conns[i].fd >= 0)
			due = deadline_min(due, conns[i].due_ms);
	return due;
}

static void drop(struct conn *c)
{
	(void)close(c->fd);
	c->fd = -1;
}

/* The metrics snapshot: what the loop keeps, and each held TCP listener's
 * accept queue (TCP_INFO of a listener: tcpi_unacked is the queue, tcpi_sacked
 * its backlog). */
static size_t metrics(const struct tinyhold *t)
{
	struct metrics_snap m = {
		.c = &t->counted,
		.log_dropped = log_dropped(),
		.ready = pool_ready(&t->pool),
		.live = pool_supervising(&t->pool),
		.up = st.up,
		.instances = (size_t)t->instances,
		.listeners = st.listeners,
		.start_s = st.start_s,
	};
	size_t i;

	for (i = 0; i < (size_t)t->instances; i++) {
		int k = pool_serving(&t->pool, (int)i);
		st.up[i] = k >= 0 && sup_state(&t->pool.slots[k].sup) == SUP_RUNNING;
	}
	for (i = 0; i < t->nslots; i++)
		m.notify_dropped += t->slots[i].dropped;
	for (i = 0; i < t->held.n; i++) {
		struct tcp_info ti;
		socklen_t len = sizeof ti;
		if (getsockopt(t->held.fds[i], IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
		    ti.tcpi_state == TCP_LISTEN)
			st.listeners[m.nlisteners++] = (struct metrics_listener){
				t->held.names[i], LISTEN_FDS_START + (int)i, ti.tcpi_unacked,
				ti.tcpi_sacked };
	}
	return metrics_render(st.body, st.body_max, &m);
}

/* /ready and /live: the verdict, then a line per instance. */
static size_t state(const struct tinyhold *t, bool ok, const char *what)
{
	static const char *const states[] = { "running", "stopping", "draining", "backoff", "done" };
	size_t used = (size_t)fmt(st.body, st.body_max, "%s%s\n", ok ? "" : "not ", what);
	int i;

	for (i = 0; i < t->instances && used < st.body_max; i++) {
		int k = pool_serving(&t->pool, i);
		const struct pool_slot *s = &t->pool.slots[k];
		unsigned long r = sup_restarts(&s->sup);
		int pid = t->slots[k].reaped ? 0 : (int)t->slots[k].pid;	/* 0: none runs */
		used += (size_t)fmt(st.body + used, st.body_max - used,
				    "instance %d: %s, pid %d, %lu restart%s%s\n", i,
				    states[sup_state(&s->sup)], pid, r, r == 1 ? "" : "s",
				    !t->cfg.notify ? "" : s->ready ? ", ready" : ", not ready");
	}
	return used;
}

/* Answers a request head (or what is not one) and closes. */
static void answer(const struct tinyhold *t, struct conn *c, enum http_result r,
		   const struct http_req *q)
{
	enum { OK, UNAVAILABLE, BAD, NOT_FOUND, NOT_ALLOWED };
	static const char *const lines[] = { "200 OK", "503 Service Unavailable", "400 Bad Request",
					     "404 Not Found", "405 Method Not Allowed" };
	static const char *const paths[ROUTES] = { "/ready", "/live", "/metrics" };
	char head[STATUS_HEAD_MAX];
	int a = BAD, route;
	size_t len, head_len;

	for (route = 0; r == HTTP_DONE && route < ROUTES; route++)
		if (q->path_len == strlen(paths[route]) && memcmp(q->path, paths[route], q->path_len) == 0)
			break;
	if (r == HTTP_DONE)
		a = route == ROUTES ? NOT_FOUND : q->method == HTTP_OTHER ? NOT_ALLOWED : OK;
	if (a != OK) {
		len = (size_t)fmt(st.body, st.body_max, "%s\n", lines[a]);
	} else if (route == ROUTE_METRICS) {
		len = metrics(t);
	} else {
		bool ok = route == ROUTE_READY ? pool_ready(&t->pool) : pool_supervising(&t->pool);
		a = ok ? OK : UNAVAILABLE;
		len = state(t, ok, route == ROUTE_READY ? "ready" : "live");
	}
	if (len >= st.body_max)
		len = st.body_max - 1;	/* cannot be: sized for the most there is */
	/* version=0.0.4: Prometheus' text format. */
	head_len = (size_t)fmt(head, sizeof head,
			       "HTTP/1.1 %s\r\nContent-Type: text/plain; %scharset=utf-8\r\n"
			       "Content-Length: %zu\r\n%sConnection: close\r\n\r\n", lines[a],
			       a == OK && route == ROUTE_METRICS ? "version=0.0.4; " : "", len,
			       a == NOT_ALLOWED ? "Allow: GET, HEAD\r\n" : "");
	memcpy(st.body - head_len, head, head_len);	/* right before the body: one send */
	if (r == HTTP_DONE && q->method == HTTP_HEAD)
		len = 0;
	/* Whatever it takes now is all it gets: a client that cannot take a few KB is dropped. */
	(void)send(c->fd, st.body - head_len, head_len + len, MSG_DONTWAIT | MSG_NOSIGNAL);
	drop(c);
}

/* Reads what the client sent; answers once the head is whole or cannot be one. */
static void hear(const struct tinyhold *t, struct conn *c)
{
	struct http_req q;
	enum http_result r;
	ssize_t n;

	do
		n = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0) {
		drop(c);	/* gone, or reset: nobody to answer */
		return;
	}
	c->len += (size_t)n;
	r = http_parse(c->buf, c->len, &q);
	if (r != HTTP_MORE)
		answer(t, c, r, &q);
}

/* A free connection, or the one that has waited longest: a flood of idle or
 * half-sent connections costs each of them its place, never the next client
 * his. Before it goes it is read once more: a request that came since (a
 * client accepted a moment before its bytes were queued) is answered. */
static struct conn *take_conn(const struct tinyhold *t)
{
	struct conn *oldest = &conns[0];
	size_t i;

	for (i = 0; i < STATUS_CONNS_MAX; i++) {
		if (conns[i].fd < 0)
			return &conns[i];
		if (conns[i].due_ms < oldest->due_ms)
			oldest = &conns[i];
	}
	hear(t, oldest);
	if (oldest->fd >= 0)
		drop(oldest);
	return oldest;
}

static void accept_some(const struct tinyhold *t, int64_t now)
{
	int i;

	for (i = 0; i < STATUS_ACCEPTS_MAX; i++) {
		int fd = accept4(st.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;
		if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (fd < 0) {
			if (errno != EAGAIN)
				st.paused_until_ms = now + STATUS_PAUSE_MS;
			return;
		}
		c = take_conn(t);
		c->fd = fd;
		c->due_ms = now + STATUS_DEADLINE_MS;
		c->len = 0;
		hear(t, c);	/* a client sends its request with its connect: answered now */
	}
}

void status_serve(const struct tinyhold *t, const struct pollfd *pfd, size_t n)
{
	int64_t now = deadline_now_ms();
	bool listener = false;
	size_t j, i;

	if (st.fd < 0)
		return;
	/* The connections first: the listener's accepts reuse fd numbers they free. */
	for (j = 0; j < n; j++) {
		if (pfd[j].fd == st.fd) {
			listener = pfd[j].revents != 0;
			continue;
		}
		for (i = 0; i < STATUS_CONNS_MAX && pfd[j].revents; i++)
			if (conns[i].fd == pfd[j].fd)
				hear(t, &conns[i]);
	}
	for (i = 0; i < STATUS_CONNS_MAX; i++)
		if (conns[i].fd >= 0 && deadline_passed(conns[i].due_ms, now))
			drop(&conns[i]);
	if (listener)
		accept_some(t, now);
}
