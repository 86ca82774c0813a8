/* log: the only writer to stderr. One event, one line, "tinyhold: ...".
 * Levels: -q keeps errors only, -v adds the chatty events. */
#ifndef TINYHOLD_LOG_H
#define TINYHOLD_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_set_level(enum log_level level);

/* errnum 0 means "no reason to append"; otherwise ": strerror(errnum)" ends the line. */
__attribute__((format(printf, 3, 4)))
void log_msg(enum log_level level, int errnum, const char *fmt, ...);

__attribute__((format(printf, 3, 4), noreturn))
void die(int code, int errnum, const char *fmt, ...);

#define log_error(...) log_msg(LOG_ERROR, 0, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, 0, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, 0, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, 0, __VA_ARGS__)

#endif
