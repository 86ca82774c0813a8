/* instances: the app's slots, started, stopped and handed over as
 * supervise.c and reload.c decide; see instances.c. Each pass of the loop
 * brings events in (exits, signals, what was heard), then asks for the
 * decisions that wait for the whole pass (deadlines, groups, starts). */
#ifndef TINYHOLD_INSTANCES_H
#define TINYHOLD_INSTANCES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "notify.h"
#include "tinyhold.h"

struct slot *inst_with(struct tinyhold *t, enum slot_role role);	/* the first, or NULL */
struct slot *inst_of_pid(struct tinyhold *t, pid_t pid);	/* NULL: none of ours */

/* "instance 2: " with -n 2 and more, "" with one: for a log line about s. */
const char *inst_prefix(const struct tinyhold *t, const struct slot *s);

/* Starts the app in a serving slot now; the loop's first start, and SUP_START's. */
void inst_start(struct tinyhold *t, struct slot *s);

/* Reads a slot's exec outcome once it is there (final: it was reaped), and says
 * "started" or why not. */
void inst_check_exec(struct tinyhold *t, struct slot *s, bool final);

/* Events. */
void inst_on_stop_signal(struct tinyhold *t, int signo, const char *name);
void inst_on_reload_signal(struct tinyhold *t);
void inst_heard(struct tinyhold *t, struct slot *s, const struct notify_msg *m);
void inst_on_exits(struct tinyhold *t);	/* what the reap loop recorded, in its order */

/* The rest of a pass, in this order. */
void inst_on_deadlines(struct tinyhold *t, int64_t now_ms);
void inst_on_groups(struct tinyhold *t);	/* after a reap, a SIGKILL, a watched end */
void inst_at_pass_end(struct tinyhold *t);	/* starts, and the exit */

/* The next deadline of any slot or of the reload, or -1. */
int64_t inst_next_due_ms(const struct tinyhold *t);

#endif
