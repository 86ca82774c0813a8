/* spec_fuzz: libFuzzer entry point for spec_parse() and spec_format().
 * Every -p value and every word of TINYHOLD_LISTEN reaches spec_parse(), so any
 * byte string must give a struct that keeps the header's promises, or -1 and a
 * reason; and what spec_format() prints for a good spec must parse back to the
 * same socket (the log line names what was bound). Aborts on a broken promise. */
#include "spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_INPUT_MAX 4096	/* far past the longest valid spec (369 bytes) */
#define FORMAT_MAX (SPEC_PATH_MAX + 64)	/* main.c's buffer for spec_format() */

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define require(cond)                                                                    \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "spec_fuzz: %s:%d: broken: %s\n", __FILE__,      \
				__LINE__, #cond);                                        \
			abort();                                                         \
		}                                                                        \
	} while (0)

/* What spec.h promises about any struct spec_parse() accepted. */
static void check_struct(const struct sockspec *s)
{
	size_t i, nlen = strnlen(s->name, sizeof s->name);

	require(nlen > 0 && nlen <= SPEC_NAME_MAX);
	for (i = 0; i < nlen; i++)
		require(s->name[i] > ' ' && s->name[i] < 0x7f && s->name[i] != ':');
	if (s->family == SPEC_UNIX) {
		require(s->path_len > 0 && s->path_len <= SPEC_PATH_MAX);
		/* A filesystem path keeps room for its NUL in sun_path. */
		require(s->path[0] == '@' || s->path_len < SPEC_PATH_MAX);
		require(memchr(s->path, '\0', s->path_len) == NULL);
		require(s->port == 0);
	} else {
		require(s->family == SPEC_DUAL || s->family == SPEC_INET || s->family == SPEC_INET6);
		require(s->port >= 1);
		require(s->path_len == 0);
		require(!s->v6only || s->family == SPEC_INET6);
		if (s->family == SPEC_DUAL) {
			static const unsigned char any[16];
			require(memcmp(s->addr, any, sizeof any) == 0);
		}
	}
}

/* spec_format() output parses back to the same socket. It does not print the
 * name or the tcp6: prefix, so the name is "unknown" and [::] is dual-stack again. */
static void check_round_trip(const struct sockspec *s)
{
	char text[FORMAT_MAX];
	struct sockspec back;
	const char *why = NULL;

	spec_format(s, text, sizeof text);
	require(strlen(text) < sizeof text - 1);	/* never cut at this size */
	if (spec_parse(text, &back, &why) != 0) {
		fprintf(stderr, "spec_fuzz: '%s' does not parse back: %s\n", text, why);
		abort();
	}
	require(strcmp(back.name, SPEC_DEFAULT_NAME) == 0);
	require(back.datagram == s->datagram);
	require(back.port == s->port);
	require(back.path_len == s->path_len && memcmp(back.path, s->path, s->path_len) == 0);
	require(memcmp(back.addr, s->addr, sizeof s->addr) == 0);
	if (s->family == SPEC_INET6 && back.family == SPEC_DUAL)
		require(s->v6only);	/* tcp6:[::]:P, printed as [::]:P */
	else
		require(back.family == s->family && back.v6only == s->v6only);
}

/* Into any smaller buffer: cut, NUL-terminated, never written past len. The
 * buffer is on the heap at its exact size, so ASan sees a single byte too many. */
static void check_truncation(const struct sockspec *s, size_t len)
{
	char full[FORMAT_MAX], *buf = malloc(len);

	if (buf == NULL)
		return;
	spec_format(s, full, sizeof full);
	spec_format(s, buf, len);
	require(strlen(buf) == (strlen(full) < len ? strlen(full) : len - 1));
	require(strncmp(buf, full, strlen(buf)) == 0);
	free(buf);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct sockspec s;
	const char *why = NULL;
	char *text;
	int r;

	if (size > FUZZ_INPUT_MAX)
		return -1;	/* libFuzzer: do not add to the corpus */
	/* The input as spec_parse() gets it from argv: NUL-terminated, cut at a NUL. */
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	memset(&s, 0x5a, sizeof s);	/* junk: spec_parse() must not rely on a clean struct */
	r = spec_parse(text, &s, &why);
	if (r == 0) {
		check_struct(&s);
		check_round_trip(&s);
		check_truncation(&s, 1 + (size > 0 ? data[0] % 48 : 0));
	} else {
		require(r == -1);
		require(why != NULL && why[0] != '\0' && strlen(why) < 128);
	}
	free(text);
	return 0;
}
