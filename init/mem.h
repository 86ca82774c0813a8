/* mem: where tinyhold's memory comes from. It allocates only while it sets
 * up (the socket list, the slots, the spawn buffers, the poll set); then
 * mem_seal(), and the loop never allocates, so PID 1 can never fail for
 * memory once it runs. The release build takes that memory from an arena of
 * mmap'd chunks and gives it back only at exit (musl's malloc and free are
 * 9 KB of the binary, for memory that lives until exit anyway). The ASan,
 * valgrind, fuzz and unit builds (-DMEM_LIBC) use calloc and free instead, so
 * their checkers see every allocation and every leak. */
#ifndef TINYHOLD_MEM_H
#define TINYHOLD_MEM_H

#include <stddef.h>

/* n zeroed objects of size bytes (never NULL for n == 0); NULL with errno
 * ENOMEM if n * size overflows, memory is short, or after mem_seal(). */
void *mem_alloc(size_t n, size_t size);

/* Gives p back (NULL is fine). The arena takes it back only at exit. */
void mem_free(void *p);

/* From here on every mem_alloc() fails: the loop must not allocate. */
void mem_seal(void);

#endif
