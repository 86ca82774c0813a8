/* num_test: the one decimal grammar every outside number goes through. */
#include "num.h"
#include "check.h"

#include <limits.h>

static const struct {
	const char *text;
	unsigned long max;
	enum num_result want;
	unsigned long value;
} cases[] = {
	{ "0", 10, NUM_OK, 0 },
	{ "10", 10, NUM_OK, 10 },
	{ "11", 10, NUM_TOO_BIG, 0 },
	{ "0010", 10, NUM_OK, 10 },	/* leading zeros are fine, never octal */
	{ "65535", 65535, NUM_OK, 65535 },
	{ "65536", 65535, NUM_TOO_BIG, 0 },
	{ "99999999999999999999999", 65535, NUM_TOO_BIG, 0 },
	{ "18446744073709551615", ULONG_MAX, NUM_OK, ULONG_MAX },	/* the top, no wrap */
	{ "18446744073709551616", ULONG_MAX, NUM_TOO_BIG, 0 },
	{ "", 10, NUM_NOT_A_NUMBER, 0 },
	{ "+1", 10, NUM_NOT_A_NUMBER, 0 },
	{ "-1", 10, NUM_NOT_A_NUMBER, 0 },
	{ " 1", 10, NUM_NOT_A_NUMBER, 0 },
	{ "1 ", 10, NUM_NOT_A_NUMBER, 0 },
	{ "0x1", 10, NUM_NOT_A_NUMBER, 0 },
	{ "1e3", 10000, NUM_NOT_A_NUMBER, 0 },
	{ "9x", 100, NUM_NOT_A_NUMBER, 0 },
};

/* num_parse_n: the same grammar over a field of a kernel file. */
static const struct {
	const char *text;
	size_t len;
	unsigned long max;
	enum num_result want;
	unsigned long value;
} spans[] = {
	{ "4096\n", 4, 100000000, NUM_OK, 4096 },		/* somaxconn up to its newline */
	{ "12 S 1 12", 2, 0x7fffffff, NUM_OK, 12 },		/* a /proc/PID/stat field */
	{ "350000 100000", 6, ULONG_MAX, NUM_OK, 350000 },	/* cpu.max's quota */
	{ "max 100000", 3, 100, NUM_NOT_A_NUMBER, 0 },
	{ "-1\n", 2, 100, NUM_NOT_A_NUMBER, 0 },		/* cfs_quota_us: no quota */
	{ "12", 0, 100, NUM_NOT_A_NUMBER, 0 },
	{ "1234567890123456789012345", 25, ULONG_MAX, NUM_TOO_BIG, 0 },
	{ "2147483648 ", 10, 0x7fffffff, NUM_TOO_BIG, 0 },
};

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof spans / sizeof spans[0]; i++) {
		unsigned long v = 12345;
		enum num_result r = num_parse_n(spans[i].text, spans[i].len, spans[i].max, &v);
		check(r == spans[i].want && (r != NUM_OK || v == spans[i].value),
		      "num_parse_n('%s', %zu) = %d, %lu", spans[i].text, spans[i].len, r, v);
	}

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unsigned long v = 12345;
		enum num_result r = num_parse(cases[i].text, cases[i].max, &v);
		check(r == cases[i].want && (r != NUM_OK || v == cases[i].value) &&
			      (r == NUM_OK || v == 12345),
		      "num_parse('%s', %lu) = %d, %lu", cases[i].text, cases[i].max, r, v);
	}
	return check_summary();
}
