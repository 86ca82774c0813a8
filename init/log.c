/* log: formats a line into a stack buffer and writes it with one write(),
 * so lines from tinyhold and the app do not interleave mid-line. */
#include "log.h"
#include "io.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOG_LINE_MAX 1024	/* longer lines are cut, never split */

static enum log_level current_level = LOG_INFO;

void log_set_level(enum log_level level)
{
	current_level = level;
}

/* musl words some errnos its own way ("Address in use"); operators search for
 * the glibc wording that docs and answers quote, so tinyhold says that. */
static const char *errno_text(int errnum)
{
	switch (errnum) {
	case EADDRINUSE:
		return "Address already in use";
	case EADDRNOTAVAIL:
		return "Cannot assign requested address";
	default:
		return strerror(errnum);
	}
}

/* The attribute lets the compiler check fmt at every caller's call site (clang's
 * -Wformat-nonliteral, part of -Wformat=2, refuses a va_list format without it). */
__attribute__((format(printf, 2, 0)))
static void log_vline(int errnum, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	size_t len, i;
	int n;

	n = snprintf(line, sizeof line, "tinyhold: ");
	len = (size_t)n;
	n = vsnprintf(line + len, sizeof line - len, fmt, ap);
	if (n > 0)
		len += (size_t)n;
	if (len >= sizeof line - 1)
		len = sizeof line - 2;
	if (errnum != 0) {
		n = snprintf(line + len, sizeof line - len, ": %s", errno_text(errnum));
		if (n > 0)
			len += (size_t)n;
		if (len >= sizeof line - 1)
			len = sizeof line - 2;
	}
	/* One event, one line: a newline or escape in what we echo (a typo'd
	 * option, a TINYHOLD_* value, a path) must not forge a second "tinyhold:"
	 * line or drive the terminal. Found by tests/fuzz/opts_fuzz.c. */
	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < ' ' || line[i] == 0x7f)
			line[i] = '?';
	line[len++] = '\n';
	/* Nowhere to report a failed write to stderr: a closed log must not stop PID 1. */
	(void)io_write_all(STDERR_FILENO, line, len);
}

void log_msg(enum log_level level, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (level > current_level)
		return;
	va_start(ap, fmt);
	log_vline(errnum, fmt, ap);
	va_end(ap);
}

void die(int code, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(errnum, fmt, ap);
	va_end(ap);
	exit(code);
}
