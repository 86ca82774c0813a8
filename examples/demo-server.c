/* demo-server: a tiny HTTP server for trying tinyhold.
 *
 * It takes its listening socket from fd 3 (systemd socket activation:
 * LISTEN_FDS/LISTEN_PID), or binds PORT itself when started without tinyhold.
 *   GET /        "hello from pid P (restart R)"
 *   GET /crash   answers, then abort()s: tinyhold restarts it with the same socket
 *   GET /exit    answers, then exits 0 (a clean end: tinyhold exits too)
 * One connection at a time, no threads: it is a demo, not a web server. */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define REQUEST_MAX 4096

/* README snippet begin */
#define LISTEN_FDS_START 3

static int listen_fd_from_env(void)
{
	const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");

	/* sd_listen_fds(3): the fds are ours only if LISTEN_PID names us. */
	if (fds == NULL || pid == NULL || atol(pid) != (long)getpid() || atoi(fds) < 1)
		return -1;
	return LISTEN_FDS_START;
}
/* README snippet end */

static int bind_port(int port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };
	int fd = socket(AF_INET6, SOCK_STREAM, 0), off = 0;

	if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 128) < 0) {
		fprintf(stderr, "demo-server: cannot bind port %d: %s\n", port, strerror(errno));
		exit(1);
	}
	return fd;
}

static void reply(int c, const char *status, const char *body)
{
	char buf[512];
	int n = snprintf(buf, sizeof buf,
			 "HTTP/1.0 %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n%s",
			 status, strlen(body), body);
	/* A demo: one write, a short reply, errors ignored (the client may be gone). */
	if (write(c, buf, (size_t)n) < 0)
		return;
}

int main(int argc, char **argv)
{
	const char *restarts = getenv("TINYHOLD_RESTARTS");
	int fd = listen_fd_from_env();

	signal(SIGPIPE, SIG_IGN);
	if (fd < 0)
		fd = bind_port(argc > 1 ? atoi(argv[1]) : 8080);
	fprintf(stderr, "demo-server: pid %d serving (restart %s)\n", (int)getpid(),
		restarts ? restarts : "-");
	for (;;) {
		char req[REQUEST_MAX], body[128];
		ssize_t n;
		int c = accept(fd, NULL, NULL);

		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("demo-server: accept");
			return 1;
		}
		n = read(c, req, sizeof req - 1);
		req[n > 0 ? n : 0] = '\0';
		if (strncmp(req, "GET /crash", 10) == 0) {
			reply(c, "200 OK", "crashing\n");
			close(c);
			fprintf(stderr, "demo-server: pid %d crashing on request\n", (int)getpid());
			abort();
		}
		if (strncmp(req, "GET /exit", 9) == 0) {
			reply(c, "200 OK", "bye\n");
			close(c);
			return 0;
		}
		snprintf(body, sizeof body, "hello from pid %d (restart %s)\n", (int)getpid(),
			 restarts ? restarts : "-");
		reply(c, "200 OK", body);
		close(c);
	}
}
