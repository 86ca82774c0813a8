/* num: decimal numbers from outside input (options, environment, passwd
 * lines, LISTEN_*). Pure; one strict grammar for all of them. */
#ifndef TINYHOLD_NUM_H
#define TINYHOLD_NUM_H

#include <stddef.h>
#include <stdint.h>

enum num_result {
	NUM_OK = 0,
	NUM_NOT_A_NUMBER = -1,	/* empty, a sign, a space, any non-digit */
	NUM_TOO_BIG = -2,	/* more than max */
};

/* The whole of text is decimal digits ("08" is 8) and at most max. */
enum num_result num_parse(const char *text, unsigned long max, unsigned long *out);

/* The same for the len bytes at text (a field of /proc or /sys, up to its
 * blank or newline): what a kernel file says goes through the same grammar. */
enum num_result num_parse_n(const char *text, size_t len, unsigned long max, unsigned long *out);

/* The smaller of two values where -1 means "none" (a deadline, a CPU quota):
 * -1 only if both are. */
static inline int64_t num_min_set(int64_t a, int64_t b)
{
	return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

#endif
