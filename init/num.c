/* num: strtoul() would accept "+8", " 8" and "8x" with the right flags
 * unchecked, and sets errno: a hand loop says exactly what it accepts. */
#include "num.h"

#include <string.h>

#define NUM_DIGITS_MAX 24	/* 2^64-1 has 20 digits; longer is too big for any max */

enum num_result num_parse(const char *text, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (*text == '\0')
		return NUM_NOT_A_NUMBER;
	for (; *text; text++) {
		unsigned d;

		if (*text < '0' || *text > '9')
			return NUM_NOT_A_NUMBER;
		d = (unsigned)(*text - '0');
		if (v > (max - d) / 10)
			return NUM_TOO_BIG;	/* checked before it could wrap */
		v = v * 10 + d;
	}
	*out = v;
	return NUM_OK;
}

enum num_result num_parse_n(const char *text, size_t len, unsigned long max, unsigned long *out)
{
	char buf[NUM_DIGITS_MAX + 1];

	if (len == 0)
		return NUM_NOT_A_NUMBER;
	if (len > NUM_DIGITS_MAX)
		return NUM_TOO_BIG;
	memcpy(buf, text, len);
	buf[len] = '\0';
	return num_parse(buf, max, out);
}
