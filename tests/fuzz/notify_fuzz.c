/* notify_fuzz: libFuzzer entry point for notify_parse(). Every datagram on
 * NOTIFY_SOCKET reaches it, from an app that may be buggy or hostile, so any
 * byte string must give a message that keeps notify.h's promises, or -1 and a
 * reason. Aborts on a broken promise. */
#include "notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define require(cond)                                                                    \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "notify_fuzz: %s:%d: broken: %s\n", __FILE__,    \
				__LINE__, #cond);                                        \
			abort();                                                         \
		}                                                                        \
	} while (0)

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct notify_msg m;
	const char *why = NULL;
	char *buf;
	size_t i, n;

	if (size > NOTIFY_DATAGRAM_MAX)
		return 0;	/* notify_recv() drops those before parsing */
	/* An exact-size copy, so ASan sees any read past the datagram. */
	buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	if (notify_parse(buf, size, &m, &why) < 0) {
		require(why != NULL && *why != '\0');
	} else {
		require(memchr(buf, '\0', size) == NULL);	/* a NUL byte is always malformed */
		if (m.status != NULL)
			require(m.status >= buf && m.status + m.status_len <= buf + size);
		n = strnlen(m.fdname, sizeof m.fdname);
		require(n < sizeof m.fdname);
		/* A name that reaches LISTEN_FDNAMES can never split it or hide a space. */
		for (i = 0; i < n; i++)
			require(m.fdname[i] != ':' && m.fdname[i] > ' ' && m.fdname[i] < 0x7f);
		require(!(m.fdname_bad && n > 0));
	}
	free(buf);
	return 0;
}
