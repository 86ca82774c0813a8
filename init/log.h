/* log: tinyhold's own lines on stderr. One event, one line, "tinyhold: ...".
 * Levels: -q keeps errors only, -v adds the chatty events. It never blocks:
 * a line that cannot be written now is dropped and counted. */
#ifndef TINYHOLD_LOG_H
#define TINYHOLD_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Call first thing: from then on tinyhold writes its lines through a
 * non-blocking open file of its own on the same pipe or terminal (the app
 * keeps the shared, blocking one). Without it, lines go to fd 2 as it is. */
void log_init(void);
void log_set_level(enum log_level level);

/* One writer per output: with -n 2 and more the relay owns stderr, and from
 * log_divert() on every line goes to put() (which says whether it took the
 * line; one it did not is counted as dropped), and die() calls flush() before
 * it exits. NULL, NULL: back to writing itself. */
void log_divert(bool (*put)(const char *line, size_t len), void (*flush)(void));
/* Lines dropped since the start, for GET /metrics. */
unsigned long log_dropped(void);

/* errnum 0 means "no reason to append"; otherwise ": strerror(errnum)" ends the line. */
__attribute__((format(printf, 3, 4)))
void log_msg(enum log_level level, int errnum, const char *format, ...);

/* The same, led by `lead` (who the line is about, built by the caller on its
 * stack): instances.c's log_slot() and log_about(). */
__attribute__((format(printf, 4, 0)))
void log_vmsg(enum log_level level, int errnum, const char *lead, const char *format, va_list ap);

__attribute__((format(printf, 3, 4), noreturn))
void die(int code, int errnum, const char *format, ...);

/* In place: every control character (C0, DEL, and C1 as UTF-8 or as a lone
 * byte) and every byte that is not valid UTF-8 becomes one '?'. Returns the
 * new length (never longer). Pure: unit-tested. */
size_t log_sanitize(char *s, size_t len);

/* "1.500s": a duration in a log line. */
void log_duration(char *buf, size_t len, long long ms);

#define log_error(...) log_msg(LOG_ERROR, 0, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, 0, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, 0, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, 0, __VA_ARGS__)

#endif
