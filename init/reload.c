/* reload: the reload and the retirement as pure state machines. No
 * syscalls: unit-tested with tables (tests/unit/reload_test.c). */
#include "reload.h"
#include "deadline.h"
#include "supervise.h"

void reload_init(struct reload *r, int64_t ready_timeout_ms)
{
	r->state = RELOAD_IDLE;
	r->ready_timeout_ms = ready_timeout_ms;
	r->deadline_ms = -1;
	r->note = RELOAD_NOTE_NONE;
}

static enum reload_action end(struct reload *r, enum reload_note note, enum reload_action a)
{
	r->state = RELOAD_IDLE;
	r->deadline_ms = -1;
	r->note = note;
	return a;
}

static enum reload_action on_signal(struct reload *r, const struct reload_event *ev)
{
	if (r->state != RELOAD_IDLE) {
		r->note = RELOAD_NOTE_BUSY;
		return RELOAD_NONE;
	}
	if (!ev->app_running) {
		r->note = RELOAD_NOTE_NOT_RUNNING;
		return RELOAD_NONE;
	}
	/* Each old instance gets its --stop-timeout: no room to retire one, no reload. */
	if (ev->retiring_full) {
		r->note = RELOAD_NOTE_RETIRING_FULL;
		return RELOAD_NONE;
	}
	r->state = RELOAD_STARTING;
	return RELOAD_START;
}

enum reload_action reload_step(struct reload *r, const struct reload_event *ev, int64_t now_ms)
{
	r->note = RELOAD_NOTE_NONE;
	if (ev->kind == RELOAD_EV_SIGNAL)
		return on_signal(r, ev);
	if (r->state == RELOAD_STARTING) {
		if (ev->kind == RELOAD_EV_SPAWNED) {
			r->state = RELOAD_WAITING;
			r->deadline_ms = now_ms + r->ready_timeout_ms;
			r->note = RELOAD_NOTE_WAITING;
		} else if (ev->kind == RELOAD_EV_SPAWN_FAILED) {
			return end(r, RELOAD_NOTE_SPAWN_FAILED, RELOAD_NONE);
		}
		return RELOAD_NONE;
	}
	if (r->state != RELOAD_WAITING)
		return RELOAD_NONE;
	switch (ev->kind) {
	case RELOAD_EV_READY:
		return end(r, RELOAD_NOTE_DONE, RELOAD_PROMOTE);
	case RELOAD_EV_NEW_EXITED:
		return end(r, RELOAD_NOTE_DIED, RELOAD_DISCARD);
	case RELOAD_EV_OLD_EXITED:
		return end(r, RELOAD_NOTE_TOOK_OVER, RELOAD_TAKE_OVER);
	case RELOAD_EV_STOP:
		return end(r, RELOAD_NOTE_STOPPED, RELOAD_RETIRE);
	case RELOAD_EV_TIMER:
		if (!deadline_passed(r->deadline_ms, now_ms))
			return RELOAD_NONE;
		return end(r, RELOAD_NOTE_NOT_READY, RELOAD_RETIRE);
	case RELOAD_EV_SIGNAL:
	case RELOAD_EV_SPAWNED:
	case RELOAD_EV_SPAWN_FAILED:
		break;
	}
	return RELOAD_NONE;
}

int64_t reload_due_ms(const struct reload *r)
{
	return r->state == RELOAD_WAITING ? r->deadline_ms : -1;
}

enum reload_note reload_note(const struct reload *r)
{
	return r->note;
}

bool reload_busy(const struct reload *r)
{
	return r->state != RELOAD_IDLE;
}

void retire_begin(struct retire *r, int64_t grace_ms, int64_t now_ms)
{
	if (grace_ms > 0) {
		r->kill_at_ms = now_ms + grace_ms;
		r->forget_at_ms = -1;
	} else {
		r->kill_at_ms = -1;
		r->forget_at_ms = now_ms + DRAIN_TIMEOUT_MS;
	}
}

enum retire_action retire_step(struct retire *r, enum retire_event ev, int64_t now_ms)
{
	if (ev == RETIRE_EV_GROUP_EMPTY)
		return RETIRE_DONE;
	if (deadline_passed(r->kill_at_ms, now_ms)) {
		r->kill_at_ms = -1;
		r->forget_at_ms = now_ms + DRAIN_TIMEOUT_MS;
		return RETIRE_KILL;
	}
	if (deadline_passed(r->forget_at_ms, now_ms)) {
		r->forget_at_ms = -1;
		return RETIRE_FORGET;
	}
	return RETIRE_NONE;
}

int64_t retire_due_ms(const struct retire *r)
{
	return deadline_min(r->kill_at_ms, r->forget_at_ms);
}
