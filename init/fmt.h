/* fmt: tinyhold's one printf. The conversions its messages use (%s %c %d %i
 * %u %x %X %o %p %%, flags "-0+ #", a width and a precision, each also as *,
 * lengths hh h l ll z j t), no floating point, no locale, no malloc, no
 * stdio. musl's vfprintf is 11 KB of the binary because it always brings its
 * float formatter; this is about one. Pure: tests/unit/fmt_test.c checks it
 * against the C library's snprintf. */
#ifndef TINYHOLD_FMT_H
#define TINYHOLD_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* As snprintf: writes at most size bytes including the NUL (none if size is 0)
 * and returns the length the whole output has, or -1 past INT_MAX. A
 * conversion outside the list above (%f, %n, ...) ends the output there with
 * "%?", so a mistake shows in the line instead of reading a wrong argument. */
__attribute__((format(printf, 3, 4)))
int fmt(char *buf, size_t size, const char *format, ...);

__attribute__((format(printf, 3, 0)))
int fmt_v(char *buf, size_t size, const char *format, va_list ap);

#endif
