/* log: formats a line into a stack buffer and writes it with one write(),
 * so lines from tinyhold and the app do not interleave mid-line. PID 1 must
 * never wait for its log: a full pipe of a stuck logging driver, or a
 * terminal stopped with Ctrl-S, costs lines, never the loop. */
#include "log.h"
#include "fmt.h"
#include "outfd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOG_LINE_MAX 1024	/* longer lines are cut, never split */

static enum log_level current_level = LOG_INFO;

static struct {
	struct outfd o;		/* fd 2's file, without blocking: outfd.c */
	unsigned long dropped;	/* lines lost since the last line that went out */
	unsigned long said;	/* lost before that, and said so in the log */
	bool mid_line;		/* a line went out in part: end it before the next */
	bool (*divert)(const char *line, size_t len);	/* with -n: the relay's, see log.h */
	void (*flush)(void);
} out = { { OUTFD_PLAIN, STDERR_FILENO, false }, 0, 0, false, NULL, NULL };

void log_init(void)
{
	outfd_open(&out.o, STDERR_FILENO);
}

unsigned long log_dropped(void)
{
	return out.said + out.dropped;
}

void log_set_level(enum log_level level)
{
	current_level = level;
}

void log_divert(bool (*put)(const char *line, size_t len), void (*flush)(void))
{
	out.divert = put;
	out.flush = flush;
}

/* How many bytes of s went out now, without waiting; -1 if none could. */
static ssize_t emit_some(const char *s, size_t len)
{
	ssize_t n = outfd_write(&out.o, s, len);

	return n > 0 ? n : -1;
}

/* true if all of s went out. A part that went out leaves the line open. */
static bool emit(const char *s, size_t len)
{
	if (out.divert != NULL)
		return out.divert(s, len);	/* whole lines only: never mid_line */
	while (len > 0) {
		ssize_t n = emit_some(s, len);
		if (n <= 0)
			return false;
		out.mid_line = true;	/* part of a line is out: the next one ends it first */
		s += n;
		len -= (size_t)n;
	}
	out.mid_line = false;
	return true;
}

/* One line; what could not go out is counted, and the count goes out first
 * once writing works again. */
static void write_line(const char *line, size_t len)
{
	if (out.o.gone)
		return;	/* no SIGPIPE for every line, nor a line about it raising the next */
	if (out.mid_line && !emit("\n", 1)) {
		out.dropped++;
		return;
	}
	if (out.dropped > 0) {
		char note[64];
		int n = fmt(note, sizeof note, "tinyhold: %lu log line%s dropped\n", out.dropped,
				 out.dropped == 1 ? "" : "s");
		if (!emit(note, (size_t)n)) {
			out.dropped++;
			return;
		}
		out.said += out.dropped;
		out.dropped = 0;
	}
	if (!emit(line, len))
		out.dropped++;
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

/* The length of the valid UTF-8 sequence at s (at most len bytes) and its
 * code point, or 0 if the bytes there are not one (RFC 3629: no overlongs,
 * no surrogates, nothing past U+10FFFF). */
static size_t utf8_char(const unsigned char *s, size_t len, unsigned long *cp)
{
	static const unsigned long min_cp[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t n, i;
	unsigned long c;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1fUL;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0fUL;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07UL;
	else
		return 0;
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3fUL);
	}
	if (c < min_cp[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

size_t log_sanitize(char *s, size_t len)
{
	unsigned char *u = (unsigned char *)s;
	size_t i = 0, o = 0;

	while (i < len) {
		unsigned long cp;
		size_t n;

		if (u[i] < 0x80) {
			u[o++] = u[i] < ' ' || u[i] == 0x7f ? '?' : u[i];
			i++;
			continue;
		}
		n = utf8_char(u + i, len - i, &cp);
		if (n == 0 || cp <= 0x9f) {	/* not UTF-8, or a C1 control (0x9b is a CSI) */
			u[o++] = '?';
			i += n ? n : 1;
			continue;
		}
		memmove(u + o, u + i, n);
		o += n;
		i += n;
	}
	return o;
}

/* The attribute lets the compiler check fmt at every caller's call site (clang's
 * -Wformat-nonliteral, part of -Wformat=2, refuses a va_list format without it). */
__attribute__((format(printf, 3, 0)))
static void log_vline(int errnum, const char *lead, const char *format, va_list ap)
{
	char line[LOG_LINE_MAX];
	size_t len;
	int n;

	n = fmt(line, sizeof line, "tinyhold: %s", lead);
	len = (size_t)n;
	n = fmt_v(line + len, sizeof line - len, format, ap);
	if (n > 0)
		len += (size_t)n;
	if (len >= sizeof line - 1)
		len = sizeof line - 2;
	if (errnum != 0) {
		n = fmt(line + len, sizeof line - len, ": %s", errno_text(errnum));
		if (n > 0)
			len += (size_t)n;
		if (len >= sizeof line - 1)
			len = sizeof line - 2;
	}
	/* One event, one line: a newline or escape in what we echo (a typo'd
	 * option, a TINYHOLD_* value, a path, STATUS=) must not forge a second
	 * "tinyhold:" line or drive the terminal. Found by tests/fuzz/opts_fuzz.c. */
	len = log_sanitize(line, len);
	line[len++] = '\n';
	write_line(line, len);
}

void log_msg(enum log_level level, int errnum, const char *format, ...)
{
	va_list ap;

	if (level > current_level)
		return;
	va_start(ap, format);
	log_vline(errnum, "", format, ap);
	va_end(ap);
}

void log_vmsg(enum log_level level, int errnum, const char *lead, const char *format, va_list ap)
{
	if (level <= current_level)
		log_vline(errnum, lead, format, ap);
}

void die(int code, int errnum, const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	log_vline(errnum, "", format, ap);
	va_end(ap);
	if (out.flush != NULL)
		out.flush();	/* the relay's lines, this one too, before the end */
	exit(code);
}

void log_duration(char *buf, size_t len, long long ms)
{
	fmt(buf, len, "%lld.%03llds", ms / 1000, ms % 1000);
}
