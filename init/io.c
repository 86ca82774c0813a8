/* io: EINTR-safe read and write, and one allocation-free number formatter.
 * It never logs and never closes what it is given. */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int io_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t io_read(int fd, void *buf, size_t len)
{
	for (;;) {
		ssize_t n = read(fd, buf, len);
		if (n >= 0)
			return n;
		if (errno != EINTR)
			return -errno;
	}
}

ssize_t io_read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	ssize_t n = 0;

	if (fd < 0)
		return -errno;
	while (got < len - 1 && (n = io_read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	(void)close(fd);
	buf[got] = '\0';
	return n < 0 ? n : (ssize_t)got;
}

int io_lines_open(struct io_lines *r, const char *path, char *buf, size_t size)
{
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0)
		return -errno;
	r->buf = buf;
	r->size = size;
	r->start = r->end = 0;
	r->eof = 0;
	return 0;
}

char *io_lines_next(struct io_lines *r)
{
	int skipping = 0;	/* in a line too long for the buffer */

	for (;;) {
		char *line = r->buf + r->start;
		char *nl = memchr(line, '\n', r->end - r->start);
		size_t len;
		ssize_t n;

		/* A last line without a newline needs a byte for its NUL: one that
		 * fills the buffer is longer than size - 1, and dropped. */
		if (nl == NULL && r->eof && r->end == r->size)
			r->start = r->end;
		if (nl != NULL || (r->eof && r->end > r->start)) {
			len = nl != NULL ? (size_t)(nl - line) : r->end - r->start;
			line[len] = '\0';	/* the newline's place, or the room after the end */
			r->start += len + (nl != NULL);
			if (skipping) {
				skipping = 0;
				continue;
			}
			return line;
		}
		if (r->eof)
			return NULL;
		memmove(r->buf, line, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
		if (r->end == r->size) {	/* full, no newline: longer than size - 1 */
			skipping = 1;
			r->end = 0;
		}
		n = io_read(r->fd, r->buf + r->end, r->size - r->end);
		if (n <= 0) {
			r->eof = 1;
			if (skipping)
				r->end = 0;	/* the tail of the long line */
			skipping = 0;
			continue;
		}
		r->end += (size_t)n;
	}
}

void io_lines_close(struct io_lines *r)
{
	(void)close(r->fd);
	r->fd = -1;
}

size_t io_fmt_u64(char *buf, unsigned long long v)
{
	char tmp[20];	/* 2^64-1 has 20 digits */
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return n;
}
