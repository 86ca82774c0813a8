/* check.h: the little the unit tests share. Two ways to count:
 *   check(ok, fmt, ...)            one check, one count;
 *   begin(about) ... fail(fmt, ...) ... tally()   one table row, one count,
 *                                  failed if any fail() was called in it.
 * check_summary() prints the closing "N passed, M failed" line that CI reads
 * and returns the exit status. Static inline: each test takes what it uses. */
#ifndef TINYHOLD_TEST_CHECK_H
#define TINYHOLD_TEST_CHECK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static int passed, failed;
static bool case_failed;
static const char *case_about = "";

__attribute__((format(printf, 2, 3)))
static inline void check(int ok, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static inline void begin(const char *about)
{
	case_about = about;
	case_failed = false;
}

__attribute__((format(printf, 1, 2)))
static inline void fail(const char *fmt, ...)
{
	va_list ap;

	case_failed = true;
	printf("FAIL %s: ", case_about);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static inline void tally(void)
{
	if (case_failed)
		failed++;
	else
		passed++;
	case_failed = false;
}

static inline int check_summary(void)
{
	printf("%d passed, %d failed\n", passed, failed);
	return failed > 0;
}

#endif
