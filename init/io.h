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

/* Formats v as decimal into buf (at least 21 bytes); returns the length.
 * Async-signal-safe: the child uses it between fork and exec. */
size_t io_fmt_u64(char *buf, unsigned long long v);

#endif
