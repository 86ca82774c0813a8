/* log_test: what log.c writes to stderr for one call, byte for byte. Each row
 * is one call and the exact line expected; stderr is a temporary file while it
 * runs. The control-character rows come from a fuzz finding (opts_fuzz: an
 * unknown option "--verbos\x0a" made the usage error two lines). */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OUT_MAX 4096
#define LONG_ARG 2000	/* longer than LOG_LINE_MAX (1024): the line is cut, not split */

static int passed, failed;

struct log_case {
	const char *about;
	enum log_level level;	/* the call's level; the threshold is LOG_INFO */
	int errnum;
	const char *arg;	/* formatted with "bad '%s'" */
	const char *want;	/* everything written to stderr */
};

/* Runs one call with stderr redirected to a temporary file; returns what it wrote. */
static size_t capture(const struct log_case *c, char *out, size_t out_len)
{
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO);
	ssize_t n = 0;

	if (tmp == NULL || saved < 0 || dup2(fileno(tmp), STDERR_FILENO) < 0) {
		printf("FAIL %s: cannot redirect stderr\n", c->about);
		exit(1);
	}
	log_msg(c->level, c->errnum, "bad '%s'", c->arg);
	(void)dup2(saved, STDERR_FILENO);
	(void)close(saved);
	if (lseek(fileno(tmp), 0, SEEK_SET) == 0)
		n = read(fileno(tmp), out, out_len - 1);
	(void)fclose(tmp);
	out[n > 0 ? n : 0] = '\0';
	return n > 0 ? (size_t)n : 0;
}

static void run_case(const struct log_case *c)
{
	char out[OUT_MAX];

	capture(c, out, sizeof out);
	if (strcmp(out, c->want) == 0) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL %s: wrote '%.80s', want '%.80s'\n", c->about, out, c->want);
}

/* A line longer than the buffer: one line of exactly LOG_LINE_MAX - 1 bytes. */
static void run_long_case(void)
{
	static char arg[LONG_ARG + 1];
	struct log_case c = { "a 2000-byte argument", LOG_ERROR, EADDRINUSE, arg, NULL };
	char out[OUT_MAX];
	size_t n;

	memset(arg, 'x', LONG_ARG);
	n = capture(&c, out, sizeof out);
	if (n == 1023 && out[n - 1] == '\n' && memchr(out, '\n', n - 1) == NULL &&
	    strncmp(out, "tinyhold: bad 'xxx", 18) == 0) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL %s: %zu bytes, want 1023 ending in one newline\n", c.about, n);
}

int main(void)
{
	static const struct log_case cases[] = {
		{ "a plain line", LOG_ERROR, 0, "x", "tinyhold: bad 'x'\n" },
		{ "an errno is appended in glibc's words", LOG_ERROR, EADDRINUSE, "8080",
		  "tinyhold: bad '8080': Address already in use\n" },
		{ "a warning at the default level", LOG_WARN, 0, "w", "tinyhold: bad 'w'\n" },
		{ "debug is below the default level: nothing", LOG_DEBUG, 0, "d", "" },
		{ "a newline in the argument cannot start a second line", LOG_ERROR, 0,
		  "--verbos\n", "tinyhold: bad '--verbos?'\n" },
		{ "a forged log line stays inside the first", LOG_ERROR, 0,
		  "x\ntinyhold: started evil as pid 1",
		  "tinyhold: bad 'x?tinyhold: started evil as pid 1'\n" },
		{ "a carriage return cannot overwrite the line on a terminal", LOG_ERROR, 0, "a\rb",
		  "tinyhold: bad 'a?b'\n" },
		{ "an escape sequence cannot drive the terminal", LOG_ERROR, 0, "\x1b[2J",
		  "tinyhold: bad '?[2J'\n" },
		{ "tab and DEL are control characters too", LOG_ERROR, 0, "a\tb\x7f",
		  "tinyhold: bad 'a?b?'\n" },
		{ "UTF-8 is kept as it is", LOG_ERROR, 0, "caf\xc3\xa9",
		  "tinyhold: bad 'caf\xc3\xa9'\n" },
		/* Issue 9: C1 controls, a CSI (U+009B) among them, drive some terminals too. */
		{ "a C1 control in UTF-8 (U+009B) is one '?'", LOG_ERROR, 0, "a\xc2\x9b" "2J",
		  "tinyhold: bad 'a?2J'\n" },
		{ "a lone C1 byte (8-bit CSI) is a '?'", LOG_ERROR, 0, "a\x9b" "2J",
		  "tinyhold: bad 'a?2J'\n" },
		{ "U+0085 (NEL) is a C1 control too", LOG_ERROR, 0, "a\xc2\x85" "b",
		  "tinyhold: bad 'a?b'\n" },
		{ "U+00A0 and the euro sign, whose bytes include 0x82, are kept", LOG_ERROR, 0,
		  "\xc2\xa0\xe2\x82\xac", "tinyhold: bad '\xc2\xa0\xe2\x82\xac'\n" },
		{ "an overlong encoding is not UTF-8", LOG_ERROR, 0, "\xc0\xaf",
		  "tinyhold: bad '?" "?'\n" },
		{ "a UTF-8 surrogate is not UTF-8", LOG_ERROR, 0, "\xed\xa0\x80",
		  "tinyhold: bad '?" "?" "?'\n" },
		{ "a sequence cut short is not UTF-8", LOG_ERROR, 0, "\xe2\x82",
		  "tinyhold: bad '?" "?'\n" },
		{ "a 4-byte character is kept", LOG_ERROR, 0, "\xf0\x9f\x98\x80",
		  "tinyhold: bad '\xf0\x9f\x98\x80'\n" },
	};
	size_t i;

	log_set_level(LOG_INFO);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		run_case(&cases[i]);
	run_long_case();

	printf("%d passed, %d failed\n", passed, failed);
	return failed > 0;
}
