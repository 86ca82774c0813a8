/* outfd: a non-blocking writer for a std fd shared with others; see outfd.h.
 * O_NONBLOCK on fd 1 or 2 itself would change the app's and the shell's too:
 * it is one open file, shared. */
#include "outfd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

void outfd_open(struct outfd *o, int stdfd)
{
	char path[] = "/proc/self/fd/N";
	struct stat st;
	int fd, flags;

	o->mode = OUTFD_PLAIN;
	o->fd = stdfd;
	if (fstat(stdfd, &st) < 0)
		return;
	if (S_ISSOCK(st.st_mode)) {
		o->mode = OUTFD_SEND;
		return;
	}
	if (!S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode))
		return;
	/* A new open file of the same pipe or terminal. O_NOCTTY: as a session
	 * leader without a terminal we must not acquire this one. */
	flags = fcntl(stdfd, F_GETFL);
	path[sizeof path - 2] = (char)('0' + stdfd);	/* 1 or 2 */
	fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC |
			(flags >= 0 ? flags & O_APPEND : 0));
	if (fd < 0) {
		o->mode = OUTFD_POLL;	/* early PID 1 without /proc, or a FIFO with no reader */
		return;
	}
	o->mode = OUTFD_OWN;
	o->fd = fd;
}

ssize_t outfd_write(struct outfd *o, const void *buf, size_t len)
{
	ssize_t n;

	if (o->gone)
		return -EPIPE;
	if (o->mode == OUTFD_POLL) {
		struct pollfd pfd = { .fd = o->fd, .events = POLLOUT };
		/* Not airtight (another writer may fill it after the look), but the
		 * best there is without /proc. */
		if (poll(&pfd, 1, 0) <= 0 || !(pfd.revents & POLLOUT))
			return -EAGAIN;
		if (len > PIPE_BUF)
			len = PIPE_BUF;	/* what POLLOUT on a pipe promises room for */
	}
	do {
		if (o->mode == OUTFD_SEND)
			n = send(o->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		else
			n = write(o->fd, buf, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EPIPE)
		o->gone = true;
	return n > 0 ? n : n == 0 ? -EAGAIN : -errno;
}
