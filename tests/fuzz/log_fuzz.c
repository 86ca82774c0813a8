/* log_fuzz: libFuzzer entry point for log_sanitize(), which every log line goes
 * through (a STATUS= from the app, a path, an option). Whatever the bytes, the
 * result must be no longer, valid UTF-8, and free of every control character
 * a terminal could act on: C0, DEL and C1. Aborts on a broken promise. */
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_INPUT_MAX 2048	/* a log line is at most 1024 bytes */

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define require(cond)                                                                    \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "log_fuzz: %s:%d: broken: %s\n", __FILE__,       \
				__LINE__, #cond);                                        \
			abort();                                                         \
		}                                                                        \
	} while (0)

/* Checks s[0..n) is UTF-8 with no control character; independent of log.c's decoder. */
static void check_clean(const unsigned char *s, size_t n)
{
	size_t i = 0, k, len;
	unsigned long cp;

	while (i < n) {
		if (s[i] < 0x80) {
			require(s[i] >= 0x20 && s[i] != 0x7f);
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0)
			len = 2, cp = s[i] & 0x1fUL;
		else if ((s[i] & 0xf0) == 0xe0)
			len = 3, cp = s[i] & 0x0fUL;
		else if ((s[i] & 0xf8) == 0xf0)
			len = 4, cp = s[i] & 0x07UL;
		else
			abort();	/* a lone continuation byte or 0xf8.. */
		require(i + len <= n);
		for (k = 1; k < len; k++) {
			require((s[i + k] & 0xc0) == 0x80);
			cp = cp << 6 | (s[i + k] & 0x3fUL);
		}
		require(cp >= (len == 2 ? 0xa0UL : len == 3 ? 0x800UL : 0x10000UL));	/* no C1, no overlong */
		require(cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff));
		i += len;
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static char buf[FUZZ_INPUT_MAX];
	size_t n;

	if (size > sizeof buf)
		return 0;
	memcpy(buf, data, size);
	n = log_sanitize(buf, size);
	require(n <= size);
	check_clean((const unsigned char *)buf, n);
	/* Clean input passes through untouched: sanitizing twice changes nothing. */
	require(log_sanitize(buf, n) == n);
	return 0;
}
