/* mem: a bump arena over mmap'd chunks, or calloc/free with -DMEM_LIBC; see mem.h. */
#include "mem.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#define MEM_ALIGN 16		/* as malloc's: any object's alignment */
#define MEM_CHUNK 65536		/* one mmap for the many small allocations */

static bool sealed;

#ifndef MEM_LIBC
static struct {
	char *next;
	size_t left;
} arena;

static void *from_kernel(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;	/* errno is ENOMEM */
}
#endif

void *mem_alloc(size_t n, size_t size)
{
	size_t bytes;

	if (sealed || (size != 0 && n > SIZE_MAX / size) || n * size > SIZE_MAX - MEM_ALIGN) {
		errno = ENOMEM;
		return NULL;
	}
	bytes = n * size > 0 ? n * size : 1;
#ifdef MEM_LIBC
	return calloc(1, bytes);
#else
	bytes = (bytes + MEM_ALIGN - 1) & ~(size_t)(MEM_ALIGN - 1);
	if (bytes > arena.left) {
		char *chunk;
		if (bytes > MEM_CHUNK / 2)
			return from_kernel(bytes);	/* a big one alone; the chunk stays in use */
		if ((chunk = from_kernel(MEM_CHUNK)) == NULL)
			return NULL;
		arena.next = chunk;
		arena.left = MEM_CHUNK;
	}
	arena.next += bytes;
	arena.left -= bytes;
	return arena.next - bytes;	/* fresh mmap pages are zero */
#endif
}

void mem_free(void *p)
{
#ifdef MEM_LIBC
	free(p);
#else
	(void)p;
#endif
}

void mem_seal(void)
{
	sealed = true;
}
