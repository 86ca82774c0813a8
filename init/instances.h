/* instances: the executor of pool.c's decisions. Events come in while a pass
 * collects (signals, exits, what was heard) and are stepped through the pool
 * at once, which only decides; then inst_act() carries out what it decided:
 * forwards, signals, kills, starts, frees, the exit. Each slot is named by
 * its number k, the same in t->slots and t->pool.slots. */
#ifndef TINYHOLD_INSTANCES_H
#define TINYHOLD_INSTANCES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "log.h"
#include "notify.h"
#include "sig.h"
#include "tinyhold.h"

/* The slot whose main process is pid (not yet reaped), or -1. */
int inst_of_pid(const struct tinyhold *t, pid_t pid);

/* A log line about slot k, led by "instance 2: " with -n 2 and more (by
 * nothing with one, or for k < 0). The lead is built on the caller's stack. */
__attribute__((format(printf, 5, 6)))
void log_slot(const struct tinyhold *t, enum log_level level, int errnum, int k,
	      const char *format, ...);

/* Reads slot k's exec outcome once it is there (final: it was reaped), and
 * says "started" or why not. */
void inst_check_exec(struct tinyhold *t, int k, bool final);

/* Collecting: each is decided at once, carried out by inst_act(). */
void inst_on_signal(struct tinyhold *t, const struct sig_info *si);
void inst_on_exit(struct tinyhold *t, int k, int status);
void inst_heard(struct tinyhold *t, int k, const struct notify_msg *m);

/* Acting, at the end of the pass: the deadlines that passed, then what was
 * decided, until nothing more is; exits when every instance is done. */
void inst_act(struct tinyhold *t);

/* The next deadline of any slot, of the reload or of closer.c, or -1. */
int64_t inst_next_due_ms(const struct tinyhold *t);

#endif
