/* outfd: writing to one of tinyhold's own std fds (1 or 2) without ever
 * blocking, and without making non-blocking the open file that tinyhold
 * shares with its parent and, with -n 1, the app. log.c writes its lines
 * through one for fd 2; with -n 2 and more relayio.c owns one for fd 1 and
 * one for fd 2. It never logs. */
#ifndef TINYHOLD_OUTFD_H
#define TINYHOLD_OUTFD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum outfd_mode {
	OUTFD_PLAIN,	/* a regular file (cannot stall), or not opened yet */
	OUTFD_OWN,	/* a pipe or a terminal, reopened: our own O_NONBLOCK open file */
	OUTFD_SEND,	/* a socket (journald's stream): send(MSG_DONTWAIT) per call */
	OUTFD_POLL,	/* a pipe or terminal we could not reopen (no /proc): poll first */
};

struct outfd {
	enum outfd_mode mode;
	int fd;		/* what is written to, and polled for POLLOUT */
	bool gone;	/* EPIPE: no reader comes back to a pipe or socket; never written again */
};

/* Sets o up for std fd stdfd: a new open file of the same pipe or terminal
 * through /proc/self/fd/N, O_NONBLOCK and close-on-exec. */
void outfd_open(struct outfd *o, int stdfd);

/* Bytes written now (at least 1), or -errno: -EAGAIN when full, -EPIPE when
 * nobody reads any more, then and from then on without writing: a pipe's
 * SIGPIPE (blocked, and ignored as raised by tinyhold itself: instances.c)
 * comes once, not once a line. Never a SIGPIPE from a socket. Retries EINTR. */
ssize_t outfd_write(struct outfd *o, const void *buf, size_t len);

#endif
