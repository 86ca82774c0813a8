/* inherit_fuzz: libFuzzer entry point for inherit_count() and inherit_name():
 * LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES as tinyhold's own parent set them.
 * The input is three NUL-separated strings. Aborts on a broken promise. */
#include "inherit.h"
#include "spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define require(cond)                                                                    \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "inherit_fuzz: %s:%d: broken: %s\n", __FILE__,   \
				__LINE__, #cond);                                        \
			abort();                                                         \
		}                                                                        \
	} while (0)

#define SELF 4242	/* the pid the fuzzed LISTEN_PID is compared with */

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *buf, *fds, *pid, *names, name[SPEC_NAME_MAX + 1], small[4];
	const char *why = NULL;
	size_t i, len;
	int n;

	if (size > 8192)
		return 0;
	buf = calloc(size + 3, 1);	/* three NULs at the end: always three strings */
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	fds = buf;
	pid = fds + strlen(fds) + 1;
	names = pid < buf + size + 2 ? pid + strlen(pid) + 1 : buf + size + 2;

	n = inherit_count(fds, pid, SELF, &why);
	require(n >= -1 && n <= INHERIT_FDS_MAX);
	if (n < 0)
		require(why != NULL && *why != '\0');
	for (i = 0; i < 4; i++) {
		inherit_name(names, i, name, sizeof name);
		len = strlen(name);
		require(len > 0 && len <= SPEC_NAME_MAX);
		for (size_t k = 0; k < len; k++)
			require(name[k] != ':' && name[k] > ' ' && name[k] < 0x7f);
	}
	inherit_name(names, 0, small, sizeof small);	/* a short buffer is cut, not overrun */
	require(strlen(small) < sizeof small);
	free(buf);
	return 0;
}
