/* supervise: RUNNING / STOPPING / DRAINING / BACKOFF / DONE. sup_step() is a
 * pure function of the state, one event and the time: no syscalls, so the
 * restart policy, the back-off schedule, the crash-loop guard and the one
 * way an instance stops (signal, --stop-timeout, SIGKILL to the group and the
 * pid, the kill grace) are tested with tables. pool.c steps it; instances.c
 * carries out what comes of it. */
#ifndef TINYHOLD_SUPERVISE_H
#define TINYHOLD_SUPERVISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "opts.h"

#define FAST_RUN_MS 1000	/* a run shorter than this is a fast crash */
#define BACKOFF_BASE_MS 100	/* the delay after the second fast crash in a row */
#define FORK_RETRY_MS 1000	/* fork() failed: out of pids or memory; retrying at once cannot help */
#define EXIT_STOP_TIMEOUT 124	/* stopped only by our SIGKILL at --stop-timeout (timeout(1)'s code);
				 * an engine's SIGKILL of PID 1 gives 137, so the two differ */
#define DRAIN_TIMEOUT_MS 5000	/* SIGKILLed leftovers die at once; only a process stuck in D state takes longer */
#define KILL_GRACE_MS 5000	/* the same for the app itself after our SIGKILL: then we say so */

enum sup_state {
	SUP_RUNNING,	/* the app runs */
	SUP_STOPPING,	/* a stop signal was forwarded; SIGKILL at the deadline, and a
			 * deadline after that too, until the app is reaped */
	SUP_DRAINING,	/* the app is gone; its process group is being killed and reaped */
	SUP_BACKOFF,	/* waiting to restart; the held sockets keep queueing */
	SUP_DONE,	/* tinyhold exits with exit_code */
};

enum sup_event_kind {
	SUP_EV_EXITED,		/* the app was reaped: status fields of the event are set */
	SUP_EV_GROUP_EMPTY,	/* nothing is left of its process group */
	SUP_EV_STOP,		/* SIGTERM, SIGINT or SIGQUIT */
	SUP_EV_TIMER,		/* the deadline passed */
	SUP_EV_READY,		/* READY=1: resets the back-off, re-arms the watchdog */
	SUP_EV_WATCHDOG_PING,	/* WATCHDOG=1 */
	SUP_EV_WATCHDOG_TRIGGER,	/* WATCHDOG=trigger: as if the watchdog had fired */
	SUP_EV_APP_STOPPING,	/* STOPPING=1: on its way out; SIGKILL after the stop timeout */
	SUP_EV_STARTED,		/* the caller carried out SUP_START: the app runs */
	SUP_EV_SPAWN_FAILED,	/* SUP_START failed (fork, or passing the fds): exit_code is what a
				 * stop meanwhile exits with; the next try is FORK_RETRY_MS away */
	SUP_EV_RETIRE,		/* stop for good, as SUP_EV_STOP, but the end frees the slot
				 * (SUP_NOTE_RETIRED) instead of counting as the instance's
				 * exit: a reload's old instance, or a replacement given up on */
};

struct sup_event {
	enum sup_event_kind kind;
	int exit_code;		/* EXITED: exit status, or 0 when killed; SPAWN_FAILED: see above */
	int term_signal;	/* EXITED: the signal that killed it, or 0 */
	int exec_code;		/* EXITED: 126 or 127 when the command could not be executed
				 * (spawn_failed_code), else 0 */
};

enum sup_action {
	SUP_NONE,
	SUP_START,		/* spawn the app, then step SUP_EV_STARTED or SUP_EV_SPAWN_FAILED */
	SUP_KILL_GROUP,		/* SIGKILL the app's process group, and the app itself if it
				 * has not been reaped (it may have left its group) */
	SUP_ABORT,		/* the watchdog fired: SIGABRT the app, so it can dump core */
	SUP_EXIT,		/* exit with exit_code */
};

/* Why the last step did what it did, for the one log line instances.c prints. */
enum sup_note {
	SUP_NOTE_NONE,
	SUP_NOTE_RESTART,	/* now or after delay_ms */
	SUP_NOTE_NO_RESTART,	/* the policy says the app is done */
	SUP_NOTE_STOPPED,	/* exit after a stop signal */
	SUP_NOTE_GAVE_UP,	/* --max-restarts within --restart-window */
	SUP_NOTE_EXEC_FAILED,
	SUP_NOTE_STOP_TIMEOUT,	/* the app outlived --stop-timeout */
	SUP_NOTE_WATCHDOG,	/* no WATCHDOG=1 in time, or WATCHDOG=trigger */
	SUP_NOTE_UNKILLABLE,	/* still not reaped KILL_GRACE_MS after our SIGKILL */
	SUP_NOTE_RETIRED,	/* a retired one is gone (its group is empty): free its slot */
};

struct sup_config {
	enum restart_policy policy;
	int64_t backoff_max_ms;
	long max_restarts;	/* 0: unlimited */
	int64_t window_ms;
	int64_t stop_timeout_ms;
	int64_t watchdog_ms;	/* 0: no watchdog */
	const bool *remap;	/* REMAP_MAX entries */
};

/* The fields are sup_step()'s own: callers read them through the functions below. */
struct sup {
	struct sup_config cfg;
	enum sup_state state;
	int64_t deadline_ms;	/* -1: none; the loop sleeps without a timeout */
	int64_t watchdog_deadline_ms;	/* -1: none; counts only while RUNNING */
	bool forced_failure;	/* the watchdog fired: restart whatever the exit status */
	int64_t started_ms;
	int64_t exited_ms;
	struct sup_event last_exit;
	bool stop_requested;
	bool retiring;		/* SUP_EV_RETIRE: its end frees the slot, it is never restarted */
	bool stop_timed_out;	/* we SIGKILLed the app at the deadline of a stop signal */
	bool killed;		/* SIGKILL sent in this STOPPING: the next deadline says so */
	unsigned fast_crashes;	/* consecutive runs shorter than FAST_RUN_MS */
	unsigned long restarts;	/* TINYHOLD_RESTARTS */
	struct sup_window *window;	/* the crash-loop guard's, shared by every instance */
	int64_t delay_ms;	/* of the last SUP_NOTE_RESTART */
	int exit_code;		/* valid in SUP_DONE */
	enum sup_note note;
};

/* The restarts within --restart-window, for --max-restarts: one budget for
 * all instances together (-n), so it lives apart from any one struct sup. */
struct sup_window {
	int64_t *recent;	/* a ring of restart times, max_restarts long */
	size_t head, count;
};

/* w->recent must hold cfg->max_restarts entries (none when it is 0); w may be
 * shared by several struct sup. */
void sup_init(struct sup *s, const struct sup_config *cfg, struct sup_window *w);

/* The process is to be started now (the caller's start): BACKOFF with nothing
 * to wait for, until SUP_EV_STARTED (or SUP_EV_SPAWN_FAILED). sup_init() ends
 * so; a copy of another's supervisor (a reload's replacement) is made so. */
void sup_start_due(struct sup *s);
enum sup_action sup_step(struct sup *s, const struct sup_event *ev, int64_t now_ms);

/* The next deadline (the state's or the watchdog's), or -1: step SUP_EV_TIMER then. */
int64_t sup_due_ms(const struct sup *s);
/* Milliseconds until sup_due_ms(), 0 if it passed, -1 if there is none. */
int sup_timeout_ms(const struct sup *s, int64_t now_ms);

/* What the caller may know of the state, for its actions and log lines. */
enum sup_state sup_state(const struct sup *s);
enum sup_note sup_note(const struct sup *s);	/* of the last step */
unsigned long sup_restarts(const struct sup *s);	/* TINYHOLD_RESTARTS */
bool sup_watchdog_fired(const struct sup *s);	/* in this run, until the next start */
int64_t sup_delay_ms(const struct sup *s);	/* of the last SUP_NOTE_RESTART */
int64_t sup_started_ms(const struct sup *s);
int sup_exit_code(const struct sup *s);	/* valid once sup_step() returned SUP_EXIT */

/* With several instances (-n), the status tinyhold ends with once all are done,
 * from each one's exit code (already remapped by -e) in instance order: the
 * one whose crash loop used up the budget (gave_up, or -1), else the first
 * that is not 0, else 0. Pure. */
int sup_combined_code(const int *codes, size_t n, int gave_up);

/* The status a shell would report: the exit code, or 128+signal. */
int sup_status_code(const struct sup_event *ev);

/* The back-off before the restart after the n-th consecutive fast crash. */
int64_t sup_backoff_ms(unsigned fast_crashes, int64_t backoff_max_ms);

#endif
