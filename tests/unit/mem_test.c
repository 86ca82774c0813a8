/* mem_test: the release build's arena (this file builds mem.c without
 * MEM_LIBC, whatever the other unit tests use). */
#undef MEM_LIBC
#include "mem.h"
#include "check.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

int main(void)
{
	unsigned char *a, *b, *big, *after;
	size_t i;
	int zero = 1;

	a = mem_alloc(3, 5);
	b = mem_alloc(1, 1);
	check(a != NULL && b != NULL, "two small allocations");
	check(((uintptr_t)a | (uintptr_t)b) % 16 == 0, "both 16-byte aligned: %p %p", (void *)a, (void *)b);
	check(b >= a + 15, "they do not overlap");
	check(mem_alloc(0, 8) != NULL && mem_alloc(8, 0) != NULL, "zero bytes is a valid, non-NULL allocation");
	/* Enough to need more than one chunk, and one object bigger than a chunk. */
	for (i = 0; i < 100; i++) {
		unsigned char *p = mem_alloc(1, 1000);
		if (p == NULL || memchr(p, 1, 1000) != NULL)
			zero = 0;
		if (p != NULL)
			memset(p, 1, 1000);
	}
	check(zero, "100 KB of small allocations, each zeroed");
	big = mem_alloc(1, 1 << 20);
	check(big != NULL && big[0] == 0 && big[(1 << 20) - 1] == 0, "one 1 MiB allocation, zeroed");
	if (big != NULL)
		memset(big, 2, 1 << 20);
	after = mem_alloc(1, 16);
	check(after != NULL && (after + 16 <= big || after >= big + (1 << 20)), "the chunk goes on beside it");
	errno = 0;
	check(mem_alloc(SIZE_MAX / 2, 3) == NULL && errno == ENOMEM, "n * size overflows: NULL, ENOMEM");
	errno = 0;
	check(mem_alloc(1, SIZE_MAX - 3) == NULL && errno == ENOMEM, "rounding up would overflow: NULL, ENOMEM");
	mem_free(a);
	mem_free(NULL);
	mem_seal();
	errno = 0;
	check(mem_alloc(1, 8) == NULL && errno == ENOMEM, "after mem_seal(): NULL, ENOMEM");
	return check_summary();
}
