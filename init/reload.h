/* reload: the zero-downtime reload (--reload-signal) and the retirement of
 * old instances, as two pure state machines like supervise.c's: told what
 * happened and when, they answer what to do. They know nothing of pids, fds
 * or clocks; instances.c carries out the action and logs it. */
#ifndef TINYHOLD_RELOAD_H
#define TINYHOLD_RELOAD_H

#include <stdbool.h>
#include <stdint.h>

#define RETIRING_MAX 4	/* old instances being stopped after reloads at once */

/* ---- the reload: a new instance until its READY=1 ---------------------------- */

enum reload_state {
	RELOAD_IDLE,
	RELOAD_STARTING,	/* RELOAD_START returned; SPAWNED or SPAWN_FAILED comes next */
	RELOAD_WAITING,		/* the new instance runs; READY=1 expected before the deadline */
};

enum reload_event_kind {
	RELOAD_EV_SIGNAL,	/* the reload signal; app_running and retiring_full are set */
	RELOAD_EV_SPAWNED,	/* the new instance was started */
	RELOAD_EV_SPAWN_FAILED,	/* ... could not be started */
	RELOAD_EV_READY,	/* READY=1 from the new instance */
	RELOAD_EV_NEW_EXITED,	/* the new instance ended before READY=1 */
	RELOAD_EV_OLD_EXITED,	/* the instance it replaces ended first */
	RELOAD_EV_STOP,		/* a stop signal, or tinyhold is done */
	RELOAD_EV_TIMER,	/* the deadline may have passed */
};

struct reload_event {
	enum reload_event_kind kind;
	bool app_running;	/* SIGNAL: the supervisor is RUNNING */
	bool retiring_full;	/* SIGNAL: RETIRING_MAX old instances are still stopping */
};

enum reload_action {
	RELOAD_NONE,
	RELOAD_START,		/* start the new instance (without the terminal), then step
				 * SPAWNED or SPAWN_FAILED */
	RELOAD_PROMOTE,		/* the new one is ready: it becomes the app; retire the old one
				 * (SIGTERM, then SIGKILL after the stop timeout) */
	RELOAD_TAKE_OVER,	/* the old one died: the new one becomes the app at once;
				 * SIGKILL what is left of the old one's group */
	RELOAD_DISCARD,		/* the new one died: SIGKILL what is left of its group */
	RELOAD_RETIRE,		/* give up on the new one: retire it like an old one */
};

/* Why the last step did what it did, for the log line. */
enum reload_note {
	RELOAD_NOTE_NONE,
	RELOAD_NOTE_BUSY,		/* ignored: a reload is under way */
	RELOAD_NOTE_NOT_RUNNING,	/* ignored: no app running */
	RELOAD_NOTE_RETIRING_FULL,	/* ignored: RETIRING_MAX old instances still stop */
	RELOAD_NOTE_WAITING,		/* started; waiting up to ready_timeout_ms for READY=1 */
	RELOAD_NOTE_SPAWN_FAILED,	/* failed: cannot start the new instance */
	RELOAD_NOTE_NOT_READY,		/* failed: no READY=1 before the deadline */
	RELOAD_NOTE_DIED,		/* failed: the new instance ended before READY=1 */
	RELOAD_NOTE_TOOK_OVER,		/* the old instance died; the new one took over */
	RELOAD_NOTE_DONE,		/* READY=1: the reload is done */
	RELOAD_NOTE_STOPPED,		/* a stop ended the reload */
};

struct reload {
	enum reload_state state;
	int64_t ready_timeout_ms;
	int64_t deadline_ms;	/* -1 unless WAITING */
	enum reload_note note;
};

void reload_init(struct reload *r, int64_t ready_timeout_ms);
enum reload_action reload_step(struct reload *r, const struct reload_event *ev, int64_t now_ms);
int64_t reload_due_ms(const struct reload *r);	/* -1: none */
enum reload_note reload_note(const struct reload *r);
bool reload_busy(const struct reload *r);	/* a new instance is being started or awaited */

/* ---- retiring: an old instance on its way out --------------------------------- */

enum retire_event { RETIRE_EV_TIMER, RETIRE_EV_GROUP_EMPTY };

enum retire_action {
	RETIRE_NONE,
	RETIRE_KILL,	/* it outlived its grace: SIGKILL its group */
	RETIRE_FORGET,	/* still there DRAIN_TIMEOUT_MS after SIGKILL: go on without it */
	RETIRE_DONE,	/* nothing is left of its group */
};

struct retire {
	int64_t kill_at_ms;	/* -1 once SIGKILL was sent */
	int64_t forget_at_ms;	/* -1 until SIGKILL was sent */
};

/* grace_ms > 0: the caller sent a stop signal, SIGKILL is due after grace_ms;
 * 0: the caller SIGKILLs it now. */
void retire_begin(struct retire *r, int64_t grace_ms, int64_t now_ms);
enum retire_action retire_step(struct retire *r, enum retire_event ev, int64_t now_ms);
int64_t retire_due_ms(const struct retire *r);	/* -1: none */

#endif
