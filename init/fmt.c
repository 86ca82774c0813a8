/* fmt: the subset of printf that tinyhold's messages use; see fmt.h. */
#include "fmt.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

struct out {
	char *buf;
	size_t size;
	size_t len;	/* what the whole output takes, written or not */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_many(struct out *o, char c, size_t n)
{
	while (n-- > 0)
		put(o, c);
}

static void put_str(struct out *o, const char *s, size_t n)
{
	while (n-- > 0)
		put(o, *s++);
}

struct spec {
	bool left, zero, plus, space, alt;
	size_t width;
	int prec;	/* -1: none */
};

/* Text of n bytes, padded to the width with blanks (the '0' flag has no
 * meaning for %s and %c). */
static void put_padded(struct out *o, const struct spec *sp, const char *s, size_t n)
{
	size_t pad = sp->width > n ? sp->width - n : 0;

	if (!sp->left)
		put_many(o, ' ', pad);
	put_str(o, s, n);
	if (sp->left)
		put_many(o, ' ', pad);
}

/* An integer: sign or prefix, zeros up to the precision (or to the width with
 * '0'), the digits, blanks up to the width on the chosen side. */
static void put_int(struct out *o, const struct spec *sp, uintmax_t v, bool negative, char conv)
{
	const char *digits = conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
	unsigned base = conv == 'o' ? 8 : (conv == 'x' || conv == 'X' || conv == 'p') ? 16 : 10;
	char tmp[24];	/* 2^64 in octal: 22 digits */
	char prefix[3];
	size_t nd = 0, np = 0, zeros, total, pad;

	if (v != 0 || sp->prec != 0)
		do {
			tmp[sizeof tmp - ++nd] = digits[v % base];
			v /= base;
		} while (v > 0);
	if (negative)
		prefix[np++] = '-';
	else if (sp->plus && (conv == 'd' || conv == 'i'))
		prefix[np++] = '+';
	else if (sp->space && (conv == 'd' || conv == 'i'))
		prefix[np++] = ' ';
	if (conv == 'p' || (sp->alt && (conv == 'x' || conv == 'X') && nd > 0 &&
			    !(nd == 1 && tmp[sizeof tmp - 1] == '0'))) {
		prefix[np++] = '0';
		prefix[np++] = conv == 'X' ? 'X' : 'x';
	}
	zeros = sp->prec >= 0 && (size_t)sp->prec > nd ? (size_t)sp->prec - nd : 0;
	if (sp->alt && conv == 'o' && zeros == 0 && (nd == 0 || tmp[sizeof tmp - nd] != '0'))
		zeros = 1;	/* "%#o": the first digit is a 0 */
	total = np + zeros + nd;
	pad = sp->width > total ? sp->width - total : 0;
	if (sp->zero && !sp->left && sp->prec < 0) {
		zeros += pad;
		pad = 0;
	}
	if (!sp->left)
		put_many(o, ' ', pad);
	put_str(o, prefix, np);
	put_many(o, '0', zeros);
	put_str(o, tmp + sizeof tmp - nd, nd);
	if (sp->left)
		put_many(o, ' ', pad);
}

enum length { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE, LEN_MAX, LEN_PTRDIFF };

static const char *parse_length(const char *f, enum length *len)
{
	*len = LEN_INT;
	switch (*f) {
	case 'h':
		if (f[1] == 'h') {
			*len = LEN_CHAR;
			return f + 2;
		}
		*len = LEN_SHORT;
		return f + 1;
	case 'l':
		if (f[1] == 'l') {
			*len = LEN_LLONG;
			return f + 2;
		}
		*len = LEN_LONG;
		return f + 1;
	case 'z':
		*len = LEN_SIZE;
		return f + 1;
	case 'j':
		*len = LEN_MAX;
		return f + 1;
	case 't':
		*len = LEN_PTRDIFF;
		return f + 1;
	default:
		return f;
	}
}

/* A number in the format string, saturated rather than wrapped. */
static const char *parse_decimal(const char *f, size_t *v)
{
	*v = 0;
	while (*f >= '0' && *f <= '9') {
		size_t d = (size_t)(*f++ - '0');
		*v = *v > (INT_MAX - d) / 10 ? INT_MAX : *v * 10 + d;
	}
	return f;
}

int fmt_v(char *buf, size_t size, const char *f, va_list ap)
{
	struct out o = { buf, size, 0 };

	while (*f != '\0') {
		struct spec sp = { .prec = -1 };
		enum length len;
		char conv;

		if (*f != '%') {
			put(&o, *f++);
			continue;
		}
		for (f++;; f++) {
			if (*f == '-')
				sp.left = true;
			else if (*f == '0')
				sp.zero = true;
			else if (*f == '+')
				sp.plus = true;
			else if (*f == ' ')
				sp.space = true;
			else if (*f == '#')
				sp.alt = true;
			else
				break;
		}
		if (*f == '*') {
			int w = va_arg(ap, int);
			f++;
			if (w < 0) {
				sp.left = true;
				sp.width = w == INT_MIN ? (size_t)INT_MAX + 1 : (size_t)-w;
			} else {
				sp.width = (size_t)w;
			}
		} else {
			f = parse_decimal(f, &sp.width);
		}
		if (*f == '.') {
			f++;
			if (*f == '*') {
				int p = va_arg(ap, int);
				f++;
				sp.prec = p < 0 ? -1 : p;
			} else {
				size_t p;
				f = parse_decimal(f, &p);
				sp.prec = (int)p;
			}
		}
		f = parse_length(f, &len);
		conv = *f++;
		switch (conv) {
		case '%':
			put(&o, '%');
			break;
		case 'c': {
			char c = (char)va_arg(ap, int);
			put_padded(&o, &sp, &c, 1);
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (s == NULL)
				s = "(null)";
			put_padded(&o, &sp, s, sp.prec >= 0 ? strnlen(s, (size_t)sp.prec) : strlen(s));
			break;
		}
		case 'd':
		case 'i': {
			intmax_t v;
			/* Each length reads its own type: some are the same type on one
			 * ABI (long and ssize_t on LP64), not on another. */
			/* NOLINTBEGIN(bugprone-branch-clone) */
			switch (len) {
			case LEN_CHAR: v = (va_arg(ap, int) & 0xff) ^ 0x80; v -= 0x80; break;
			case LEN_SHORT: v = (short)va_arg(ap, int); break;
			case LEN_LONG: v = va_arg(ap, long); break;
			case LEN_LLONG: v = va_arg(ap, long long); break;
			case LEN_SIZE: v = va_arg(ap, ssize_t); break;
			case LEN_MAX: v = va_arg(ap, intmax_t); break;
			case LEN_PTRDIFF: v = va_arg(ap, ptrdiff_t); break;
			default: v = va_arg(ap, int); break;
			}
			/* NOLINTEND(bugprone-branch-clone) */
			/* The magnitude without negating INTMAX_MIN. */
			put_int(&o, &sp, v < 0 ? (uintmax_t)0 - (uintmax_t)v : (uintmax_t)v, v < 0, conv);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			uintmax_t v;
			/* NOLINTBEGIN(bugprone-branch-clone): as above */
			switch (len) {
			case LEN_CHAR: v = (unsigned char)va_arg(ap, unsigned); break;
			case LEN_SHORT: v = (unsigned short)va_arg(ap, unsigned); break;
			case LEN_LONG: v = va_arg(ap, unsigned long); break;
			case LEN_LLONG: v = va_arg(ap, unsigned long long); break;
			case LEN_SIZE: v = va_arg(ap, size_t); break;
			case LEN_MAX: v = va_arg(ap, uintmax_t); break;
			case LEN_PTRDIFF: v = (uintmax_t)va_arg(ap, ptrdiff_t); break;
			default: v = va_arg(ap, unsigned); break;
			}
			/* NOLINTEND(bugprone-branch-clone) */
			put_int(&o, &sp, v, false, conv);
			break;
		}
		case 'p':
			put_int(&o, &sp, (uintptr_t)va_arg(ap, void *), false, 'p');
			break;
		default:	/* not ours: say so, and read no argument we cannot name */
			put_str(&o, "%?", 2);
			f = "";
			break;
		}
	}
	if (size > 0)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len > INT_MAX ? -1 : (int)o.len;
}

int fmt(char *buf, size_t size, const char *format, ...)
{
	va_list ap;
	int n;

	va_start(ap, format);
	n = fmt_v(buf, size, format, ap);
	va_end(ap);
	return n;
}
