/* io: read and write that retry EINTR and finish partial writes.
 * Every other module goes through here for fd I/O; nothing here logs. */
#ifndef TINYHOLD_IO_H
#define TINYHOLD_IO_H

#include <stddef.h>
#include <sys/types.h>

/* 0 when all len bytes were written, else -errno. */
int io_write_all(int fd, const void *buf, size_t len);

/* Bytes read (0 at end of file), or -errno; retries EINTR only. */
ssize_t io_read(int fd, void *buf, size_t len);

/* The whole of a small file (/proc, /sys) into buf, at most len - 1 bytes,
 * NUL-terminated: its length, or -errno. */
ssize_t io_read_file(const char *path, char *buf, size_t len);

/* A file line by line through the caller's buffer, without stdio: the lines
 * of /etc/passwd and /etc/group. */
struct io_lines {
	int fd;
	char *buf;
	size_t size;
	size_t start, end;	/* buf[start, end): read, not yet returned */
	int eof;
};

/* 0, or -errno if path cannot be opened. */
int io_lines_open(struct io_lines *r, const char *path, char *buf, size_t size);

/* The next line, without its '\n' and NUL-terminated (in the buffer, valid
 * until the next call), or NULL at the end of the file or on a read error. A
 * line that does not fit in size - 1 bytes is skipped whole, never cut. */
char *io_lines_next(struct io_lines *r);

void io_lines_close(struct io_lines *r);

/* Formats v as decimal into buf (at least 21 bytes); returns the length.
 * Async-signal-safe: the child uses it between fork and exec. */
size_t io_fmt_u64(char *buf, unsigned long long v);

#endif
