/* fmt_test: tinyhold's printf against the C library's, case by case, whole
 * and cut short at every buffer size up to the whole. */
#include "fmt.h"
#include "check.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

/* SAME(format, args...): fmt() and snprintf() agree on the text and the
 * returned length, for every buffer size from 0 to the whole plus one. */
#define SAME(...)                                                                      \
	do {                                                                           \
		char want[256], got[256];                                              \
		int wn = snprintf(want, sizeof want, __VA_ARGS__);                     \
		int gn = fmt(got, sizeof got, __VA_ARGS__);                            \
		size_t cut;                                                            \
		begin(#__VA_ARGS__);                                                   \
		if (wn != gn || strcmp(want, got) != 0)                                \
			fail("fmt gave %d '%s', snprintf %d '%s'", gn, got, wn, want); \
		for (cut = 0; cut <= (size_t)wn + 1 && cut < sizeof got; cut++) {      \
			memset(got, 'X', sizeof got);                                  \
			memset(want, 'X', sizeof want);                                \
			gn = fmt(got, cut, __VA_ARGS__);                               \
			wn = snprintf(want, cut, __VA_ARGS__);                         \
			if (gn != wn || memcmp(got, want, sizeof got) != 0)            \
				fail("differs in a buffer of %zu bytes", cut);         \
		}                                                                      \
		tally();                                                               \
	} while (0)

int main(void)
{
	/* What tinyhold's messages use. */
	SAME("plain text, no conversion");
	SAME("%s", "");
	SAME("tinyhold: %s: %s", "bad -p spec", "port out of range");
	SAME("%.*s", 3, "abcdef");
	SAME("%.*s", 0, "abcdef");
	SAME("%.*s", -1, "abcdef");
	SAME("%.40s...", "0123456789012345678901234567890123456789-cut-here");
	SAME("%d %d %d", 0, -1, INT_MIN);
	SAME("%d", INT_MAX);
	SAME("%u %u", 0u, UINT_MAX);
	SAME("%ld %ld", LONG_MIN, LONG_MAX);
	SAME("%lu", ULONG_MAX);
	SAME("%lld %llu", LLONG_MIN, ULLONG_MAX);
	SAME("%zu %zd", SIZE_MAX, (ssize_t)-5);
	SAME("%jd %ju %td", INTMAX_MIN, UINTMAX_MAX, (ptrdiff_t)-7);
	SAME("%lld.%03llds", 1500LL / 1000, 1500LL % 1000);
	SAME("%ld.%03ld", 3L, 5L);
	SAME("%03ld", 12345L);
	SAME("-%c", 'p');
	SAME("%c|%-3c|%3c", 'a', 'b', 'c');
	SAME("100%%");
	/* The rest of the grammar, so that a new message can rely on it. */
	SAME("%5d|%-5d|%05d|%+d|% d|%+d", 42, 42, 42, 42, 42, -42);
	SAME("%.5d|%8.5d|%-8.5d|%.0d|%.0d", 42, 42, -42, 0, 7);
	SAME("%x %X %#x %#X %#x %08x %#010x", 255u, 255u, 255u, 255u, 0u, 3054u, 3054u);
	SAME("%o %#o %#o %#.3o %.0o %#.0o", 8u, 8u, 0u, 8u, 0u, 0u);
	SAME("%hhd %hhu %hd %hu", 300, 300, 70000, 70000);
	SAME("%hhd %hhd %hhd %hd", 200, -1, 128, 40000);
	SAME("%lx %llx %zx", ULONG_MAX, ULLONG_MAX, (size_t)4096);
	SAME("%*d|%-*d|%*d", 6, 1, 6, 2, -6, 3);
	SAME("%.*d|%.*d", 4, 9, -1, 9);
	SAME("%10s|%-10s|%.2s|%10.2s", "right", "left", "cut", "both");
	SAME("%p", (void *)0x1234);
	SAME("%s=%d, %s=%lu and %c%c", "a", 1, "b", 2UL, 'o', 'k');

	/* Outside the subset: it says so and stops there. */
	{
		char buf[64];
		begin("a float conversion");
		if (fmt(buf, sizeof buf, "x=%d y=%f z=%s", 1, 2.0, "z") != 8 || strcmp(buf, "x=1 y=%?") != 0)
			fail("gave '%s'", buf);
		tally();
	}
	{
		char buf[8];
		const char *volatile none = NULL;	/* hidden from -Wformat-overflow */
		begin("a NULL string");
		fmt(buf, sizeof buf, "%s", none);
		if (strcmp(buf, "(null)") != 0)
			fail("gave '%s'", buf);
		tally();
	}
	return check_summary();
}
