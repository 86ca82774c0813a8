/* probe: connect, send, read until the server closes, each step polled
 * against one deadline, so --probe ends within PROBE_TIMEOUT_MS whether
 * nothing listens, a firewall drops the SYN, or a server never answers. */
#include "probe.h"
#include "deadline.h"
#include "fmt.h"
#include "io.h"
#include "log.h"
#include "sock.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PROBE_ANSWER_MAX 8192	/* the status line and a body of a few instances; more is cut */

/* 0 once fd is ready for events, or -errno (-ETIMEDOUT at the deadline). */
static int wait_for(int fd, short events, int64_t due)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	do
		r = poll(&p, 1, deadline_left_ms(due, deadline_now_ms()));
	while (r < 0 && errno == EINTR);
	return r > 0 ? 0 : r == 0 ? -ETIMEDOUT : -errno;
}

/* The answer's bytes, or -errno. */
static ssize_t ask(int fd, struct sockaddr_storage *ss, socklen_t sslen, const char *what,
		   char *buf, int64_t due)
{
	char req[40];
	int n = fmt(req, sizeof req, "GET /%s HTTP/1.0\r\n\r\n", what), err = 0;
	socklen_t errlen = sizeof err;
	size_t got = 0;
	ssize_t r;

	if (connect(fd, (struct sockaddr *)ss, sslen) < 0) {
		if (errno != EINPROGRESS)
			return -errno;
		if ((r = wait_for(fd, POLLOUT, due)) < 0)
			return r;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) < 0 || err != 0)
			return err ? -err : -errno;
	}
	if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n)	/* 20 bytes into an empty socket */
		return -errno;
	while (got < PROBE_ANSWER_MAX - 1) {
		if ((r = wait_for(fd, POLLIN, due)) < 0)
			return r;
		r = recv(fd, buf + got, PROBE_ANSWER_MAX - 1 - got, MSG_DONTWAIT);
		if (r == 0)
			break;
		if (r < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		got += r > 0 ? (size_t)r : 0;
	}
	buf[got] = '\0';
	return (ssize_t)got;
}

int probe_run(const struct sockspec *at, const char *what)
{
	static const unsigned char any[16];
	static char buf[PROBE_ANSWER_MAX];
	struct sockspec s = *at;
	struct sockaddr_storage ss;
	char where[SPEC_PATH_MAX + 64];
	int64_t due = deadline_now_ms() + PROBE_TIMEOUT_MS;
	int family = s.family == SPEC_UNIX ? AF_UNIX : s.family == SPEC_INET6 ? AF_INET6 : AF_INET;
	int fd;
	ssize_t n;
	char *end;

	/* Where tinyhold listens on every address, it is asked on loopback. */
	if (s.family == SPEC_DUAL || (s.family == SPEC_INET && memcmp(s.addr, any, 4) == 0)) {
		s.family = SPEC_INET;
		memcpy(s.addr, "\x7f\0\0\x01", 4);
	} else if (s.family == SPEC_INET6 && memcmp(s.addr, any, 16) == 0) {
		s.addr[15] = 1;
	}
	spec_format(&s, where, sizeof where);
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	n = fd < 0 ? -errno : ask(fd, &ss, sock_addr(&s, family, &ss), what, buf, due);
	if (n < 0) {
		if (n == -ETIMEDOUT)
			log_error("no answer from %s within %d ms", where, PROBE_TIMEOUT_MS);
		else
			log_msg(LOG_ERROR, (int)-n, "cannot ask %s", where);
		return 1;
	}
	/* The status line and the body; the headers are ours and say nothing more.
	 * (A loop, not strstr(): musl's is 1.3 KB of the binary.) */
	for (end = buf; *end && strncmp(end, "\r\n\r\n", 4) != 0; end++)
		;
	(void)io_write_all(STDOUT_FILENO, buf, strcspn(buf, "\r\n"));
	(void)io_write_all(STDOUT_FILENO, "\n", 1);
	if (*end)
		(void)io_write_all(STDOUT_FILENO, end + 4, strlen(end + 4));
	return strncmp(buf, "HTTP/1.1 200 ", 13) == 0 || strncmp(buf, "HTTP/1.0 200 ", 13) == 0 ? 0 : 1;
}
