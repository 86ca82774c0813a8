/* supervise: the restart policy as a state machine. It knows nothing of pids,
 * fds or clocks; it is told what happened and when, and answers what to do. */
#include "supervise.h"
#include "deadline.h"

#include <limits.h>
#include <signal.h>
#include <string.h>

#define BACKOFF_SHIFT_MAX 30	/* 100 ms << 30 is far past any backoff-max */

void sup_init(struct sup *s, const struct sup_config *cfg, struct sup_window *w)
{
	memset(s, 0, sizeof *s);
	s->cfg = *cfg;
	s->window = w;
	s->watchdog_deadline_ms = -1;
	sup_start_due(s);
}

/* Nothing runs until STARTED says it does: a stop before then ends the start
 * (BACKOFF's rule), instead of stopping a process that is not there and
 * leaving its start due. */
void sup_start_due(struct sup *s)
{
	s->state = SUP_BACKOFF;
	s->deadline_ms = -1;
}

static void arm_watchdog(struct sup *s, int64_t now_ms)
{
	s->watchdog_deadline_ms = s->cfg.watchdog_ms > 0 ? now_ms + s->cfg.watchdog_ms : -1;
}

static void started(struct sup *s, int64_t now_ms)
{
	s->state = SUP_RUNNING;
	s->started_ms = now_ms;
	s->deadline_ms = -1;
	s->forced_failure = false;
	s->killed = false;
	arm_watchdog(s, now_ms);
}

/* fork() failed: wait FORK_RETRY_MS whatever the back-off says; a stop meanwhile exits with code. */
static void spawn_failed(struct sup *s, int code, int64_t now_ms)
{
	memset(&s->last_exit, 0, sizeof s->last_exit);
	s->last_exit.exit_code = code;
	s->state = SUP_BACKOFF;
	s->deadline_ms = now_ms + FORK_RETRY_MS;
}

int sup_combined_code(const int *codes, size_t n, int gave_up)
{
	size_t i;

	if (gave_up >= 0 && (size_t)gave_up < n)
		return codes[gave_up];
	for (i = 0; i < n; i++)
		if (codes[i] != 0)
			return codes[i];
	return 0;
}

int sup_status_code(const struct sup_event *ev)
{
	return ev->term_signal ? 128 + ev->term_signal : ev->exit_code;
}

int64_t sup_backoff_ms(unsigned fast_crashes, int64_t backoff_max_ms)
{
	unsigned shift;
	int64_t d;

	/* The first restart is immediate; then 100, 200, 400 ms ... up to the cap. */
	if (fast_crashes <= 1 || backoff_max_ms <= 0)
		return 0;
	shift = fast_crashes - 2;
	if (shift > BACKOFF_SHIFT_MAX)
		shift = BACKOFF_SHIFT_MAX;
	d = (int64_t)BACKOFF_BASE_MS << shift;
	return d < backoff_max_ms ? d : backoff_max_ms;
}

/* on-failure, as systemd's Restart=on-failure: SIGINT and SIGTERM are a clean end. */
static bool failed(const struct sup_event *ev)
{
	if (ev->term_signal)
		return ev->term_signal != SIGINT && ev->term_signal != SIGTERM;
	return ev->exit_code != 0;
}

static int final_code(const struct sup *s)
{
	int code = s->stop_timed_out ? EXIT_STOP_TIMEOUT : sup_status_code(&s->last_exit);

	return code >= 0 && code < REMAP_MAX && s->cfg.remap[code] ? 0 : code;
}

static enum sup_action finish(struct sup *s, enum sup_note note, int code)
{
	s->state = SUP_DONE;
	s->deadline_ms = -1;
	s->note = note;
	s->exit_code = code;
	return SUP_EXIT;
}

/* Forgets restarts older than the window; true if one more would exceed the limit. */
static bool crash_loop(struct sup *s, int64_t now_ms)
{
	size_t cap = (size_t)s->cfg.max_restarts;

	if (cap == 0)
		return false;
	while (s->window->count > 0) {
		size_t oldest = (s->window->head + cap - s->window->count) % cap;
		if (now_ms - s->window->recent[oldest] < s->cfg.window_ms)
			break;
		s->window->count--;
	}
	return s->window->count >= cap;
}

static void remember_restart(struct sup *s, int64_t now_ms)
{
	size_t cap = (size_t)s->cfg.max_restarts;

	if (cap == 0)
		return;
	s->window->recent[s->window->head] = now_ms;
	s->window->head = (s->window->head + 1) % cap;
	if (s->window->count < cap)
		s->window->count++;
}

/* The app and its process group are gone: exit, or restart now or later. */
static enum sup_action decide(struct sup *s, int64_t now_ms)
{
	const struct sup_event *ev = &s->last_exit;
	bool restart;

	if (s->retiring)
		return finish(s, SUP_NOTE_RETIRED, 0);
	if (ev->exec_code)
		return finish(s, SUP_NOTE_EXEC_FAILED, ev->exec_code);
	if (s->stop_requested)
		return finish(s, SUP_NOTE_STOPPED, final_code(s));
	restart = s->cfg.policy == RESTART_ALWAYS ||
		  (s->cfg.policy == RESTART_ON_FAILURE && (failed(ev) || s->forced_failure));
	if (!restart)
		return finish(s, SUP_NOTE_NO_RESTART, final_code(s));
	if (crash_loop(s, now_ms))
		return finish(s, SUP_NOTE_GAVE_UP, final_code(s));

	if (s->exited_ms - s->started_ms >= FAST_RUN_MS)
		s->fast_crashes = 0;
	else if (s->fast_crashes < UINT_MAX)
		s->fast_crashes++;
	s->delay_ms = sup_backoff_ms(s->fast_crashes, s->cfg.backoff_max_ms);
	s->restarts++;
	remember_restart(s, now_ms);
	s->note = SUP_NOTE_RESTART;
	/* BACKOFF until STARTED, also for a start due now: a stop meanwhile ends it. */
	s->state = SUP_BACKOFF;
	if (s->delay_ms == 0) {
		s->deadline_ms = -1;
		return SUP_START;
	}
	s->deadline_ms = now_ms + s->delay_ms;
	return SUP_NONE;
}

/* The watchdog fired: SIGABRT now, SIGKILL after the stop timeout, then a restart. */
static enum sup_action watchdog_fire(struct sup *s, int64_t now_ms)
{
	s->forced_failure = true;
	s->watchdog_deadline_ms = -1;
	s->state = SUP_STOPPING;
	s->deadline_ms = now_ms + s->cfg.stop_timeout_ms;
	s->note = SUP_NOTE_WATCHDOG;
	return SUP_ABORT;
}

enum sup_action sup_step(struct sup *s, const struct sup_event *ev, int64_t now_ms)
{
	s->note = SUP_NOTE_NONE;

	switch (ev->kind) {
	case SUP_EV_STARTED:
		started(s, now_ms);
		return SUP_NONE;

	case SUP_EV_SPAWN_FAILED:
		spawn_failed(s, ev->exit_code, now_ms);
		return SUP_NONE;

	case SUP_EV_EXITED:
		if (s->state != SUP_RUNNING && s->state != SUP_STOPPING)
			return SUP_NONE;
		s->last_exit = *ev;
		s->exited_ms = now_ms;
		s->state = SUP_DRAINING;
		s->deadline_ms = now_ms + DRAIN_TIMEOUT_MS;
		return SUP_KILL_GROUP;

	case SUP_EV_GROUP_EMPTY:
		if (s->state != SUP_DRAINING)
			return SUP_NONE;
		return decide(s, now_ms);

	case SUP_EV_READY:
		if (s->state != SUP_RUNNING)
			return SUP_NONE;
		/* Ready means healthy: its next crash is a first crash (s6 does the same). */
		s->fast_crashes = 0;
		arm_watchdog(s, now_ms);
		return SUP_NONE;

	case SUP_EV_WATCHDOG_PING:
		if (s->state == SUP_RUNNING && s->watchdog_deadline_ms >= 0)
			arm_watchdog(s, now_ms);
		return SUP_NONE;

	case SUP_EV_WATCHDOG_TRIGGER:
		return s->state == SUP_RUNNING ? watchdog_fire(s, now_ms) : SUP_NONE;

	case SUP_EV_APP_STOPPING:
		/* As systemd does: the app is on its way out, so the stop timeout bounds it
		 * (a hang after STOPPING=1 is still recovered), and the watchdog rests. */
		s->watchdog_deadline_ms = -1;
		if (s->state == SUP_RUNNING) {
			s->state = SUP_STOPPING;
			s->deadline_ms = now_ms + s->cfg.stop_timeout_ms;
		}
		return SUP_NONE;

	case SUP_EV_RETIRE:
		s->retiring = true;
		/* the one way to stop, whatever the cause */
		__attribute__((fallthrough));
	case SUP_EV_STOP:
		switch (s->state) {
		case SUP_RUNNING:
			s->stop_requested = true;
			s->state = SUP_STOPPING;
			s->deadline_ms = now_ms + s->cfg.stop_timeout_ms;
			return SUP_NONE;
		case SUP_DRAINING:
			s->stop_requested = true;
			return SUP_NONE;
		case SUP_BACKOFF:
			s->stop_requested = true;
			if (s->retiring)
				return finish(s, SUP_NOTE_RETIRED, 0);
			return finish(s, SUP_NOTE_STOPPED, final_code(s));
		case SUP_STOPPING:
			s->stop_requested = true;	/* it may have been the watchdog's stop */
			return SUP_NONE;
		case SUP_DONE:
			return SUP_NONE;
		}
		return SUP_NONE;

	case SUP_EV_TIMER:
		if (s->state == SUP_RUNNING && deadline_passed(s->watchdog_deadline_ms, now_ms))
			return watchdog_fire(s, now_ms);
		if (!deadline_passed(s->deadline_ms, now_ms))
			return SUP_NONE;
		switch (s->state) {
		case SUP_BACKOFF:
			s->deadline_ms = -1;
			return SUP_START;
		case SUP_STOPPING:
			/* Whatever we kill, we keep a deadline until it is reaped. */
			s->deadline_ms = now_ms + KILL_GRACE_MS;
			if (s->killed) {
				/* Stuck in D state, or in a ptrace stop: a stop ends without it
				 * (as PID 1, the kernel ends it with us); a restart must wait. */
				s->note = SUP_NOTE_UNKILLABLE;
				if (s->stop_requested)
					return finish(s, SUP_NOTE_UNKILLABLE, final_code(s));
				return SUP_KILL_GROUP;
			}
			s->killed = true;
			s->stop_timed_out = s->stop_requested;	/* not the watchdog's or STOPPING=1's */
			s->note = SUP_NOTE_STOP_TIMEOUT;
			return SUP_KILL_GROUP;
		case SUP_DRAINING:
			return decide(s, now_ms);	/* leftovers stuck in D state: go on without them */
		case SUP_RUNNING:
		case SUP_DONE:
			s->deadline_ms = -1;
			return SUP_NONE;
		}
		return SUP_NONE;
	}
	return SUP_NONE;
}

int64_t sup_due_ms(const struct sup *s)
{
	return s->state == SUP_RUNNING ? deadline_min(s->deadline_ms, s->watchdog_deadline_ms)
				       : s->deadline_ms;
}

int sup_timeout_ms(const struct sup *s, int64_t now_ms)
{
	return deadline_left_ms(sup_due_ms(s), now_ms);
}

enum sup_state sup_state(const struct sup *s)
{
	return s->state;
}

enum sup_note sup_note(const struct sup *s)
{
	return s->note;
}

unsigned long sup_restarts(const struct sup *s)
{
	return s->restarts;
}

bool sup_watchdog_fired(const struct sup *s)
{
	return s->forced_failure;
}

int64_t sup_delay_ms(const struct sup *s)
{
	return s->delay_ms;
}

int64_t sup_started_ms(const struct sup *s)
{
	return s->started_ms;
}

int sup_exit_code(const struct sup *s)
{
	return s->exit_code;
}
