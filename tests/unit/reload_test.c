/* reload_test: the zero-downtime reload and the retirement of old instances,
 * through reload_step() and retire_step(), which are pure: an event and a
 * time in, an action out. Each scenario is a table of steps; every step
 * checks the action, the state, the deadline and the note after it. */
#include "reload.h"
#include "supervise.h"
#include "check.h"

#include <stdio.h>

#define READY_TIMEOUT_MS 60000	/* opts.c's default --ready-timeout */
#define STEPS_MAX 12
#define EV_END (-1)

/* Events, with the two facts a reload signal is judged by. */
#define SIGNAL RELOAD_EV_SIGNAL, true, false	/* the app runs, room to retire */
#define SIGNAL_NOT_RUNNING RELOAD_EV_SIGNAL, false, false
#define SIGNAL_FULL RELOAD_EV_SIGNAL, true, true
#define SPAWNED RELOAD_EV_SPAWNED, false, false
#define SPAWN_FAILED RELOAD_EV_SPAWN_FAILED, false, false
#define READY RELOAD_EV_READY, false, false
#define NEW_EXITED RELOAD_EV_NEW_EXITED, false, false
#define OLD_EXITED RELOAD_EV_OLD_EXITED, false, false
#define STOP RELOAD_EV_STOP, false, false
#define TIMER RELOAD_EV_TIMER, false, false

struct step {
	int64_t now_ms;
	int ev;
	bool app_running, retiring_full;
	/* after it: */
	enum reload_action action;
	enum reload_state state;
	int64_t due_ms;
	enum reload_note note;
};

struct scenario {
	const char *about;
	struct step steps[STEPS_MAX];
};

static const char *action_name(int a)
{
	static const char *const n[] = { "NONE", "START", "PROMOTE", "TAKE_OVER", "DISCARD",
					 "RETIRE" };
	return a >= 0 && (size_t)a < sizeof n / sizeof n[0] ? n[a] : "?";
}

static const char *state_name(int st)
{
	static const char *const n[] = { "IDLE", "STARTING", "WAITING" };
	return st >= 0 && (size_t)st < sizeof n / sizeof n[0] ? n[st] : "?";
}

static const char *note_name(int note)
{
	static const char *const n[] = { "NONE", "BUSY", "NOT_RUNNING", "RETIRING_FULL",
					 "WAITING", "SPAWN_FAILED", "NOT_READY", "DIED",
					 "TOOK_OVER", "DONE", "STOPPED" };
	return note >= 0 && (size_t)note < sizeof n / sizeof n[0] ? n[note] : "?";
}

static const struct scenario scenarios[] = {
	{ "a reload: start, READY=1, the new one takes over and the old one retires", {
		{ 0, SIGNAL, RELOAD_START, RELOAD_STARTING, -1, RELOAD_NOTE_NONE },
		{ 1, SPAWNED, RELOAD_NONE, RELOAD_WAITING, 60001, RELOAD_NOTE_WAITING },
		{ 500, READY, RELOAD_PROMOTE, RELOAD_IDLE, -1, RELOAD_NOTE_DONE },
		{ 600, SIGNAL, RELOAD_START, RELOAD_STARTING, -1, RELOAD_NOTE_NONE },
		{ .ev = EV_END } } },
	{ "no app running: the signal is ignored", {
		{ 0, SIGNAL_NOT_RUNNING, RELOAD_NONE, RELOAD_IDLE, -1, RELOAD_NOTE_NOT_RUNNING },
		{ .ev = EV_END } } },
	{ "every retiring slot taken: the signal is ignored", {
		{ 0, SIGNAL_FULL, RELOAD_NONE, RELOAD_IDLE, -1, RELOAD_NOTE_RETIRING_FULL },
		{ .ev = EV_END } } },
	{ "a second signal during a reload is ignored, whatever the app does", {
		{ 0, SIGNAL, RELOAD_START, RELOAD_STARTING, -1, RELOAD_NOTE_NONE },
		{ 0, SIGNAL, RELOAD_NONE, RELOAD_STARTING, -1, RELOAD_NOTE_BUSY },
		{ 0, SPAWNED, RELOAD_NONE, RELOAD_WAITING, 60000, RELOAD_NOTE_WAITING },
		{ 10, SIGNAL_NOT_RUNNING, RELOAD_NONE, RELOAD_WAITING, 60000, RELOAD_NOTE_BUSY },
		{ .ev = EV_END } } },
	{ "the new instance cannot be started: back to idle, a later signal works", {
		{ 0, SIGNAL, RELOAD_START, RELOAD_STARTING, -1, RELOAD_NOTE_NONE },
		{ 0, SPAWN_FAILED, RELOAD_NONE, RELOAD_IDLE, -1, RELOAD_NOTE_SPAWN_FAILED },
		{ 5, SIGNAL, RELOAD_START, RELOAD_STARTING, -1, RELOAD_NOTE_NONE },
		{ .ev = EV_END } } },
	{ "no READY=1 within --ready-timeout: the new one retires, the old one stays", {
		{ 0, SIGNAL, RELOAD_START, RELOAD_STARTING, -1, RELOAD_NOTE_NONE },
		{ 0, SPAWNED, RELOAD_NONE, RELOAD_WAITING, 60000, RELOAD_NOTE_WAITING },
		{ 59999, TIMER, RELOAD_NONE, RELOAD_WAITING, 60000, RELOAD_NOTE_NONE },
		{ 60000, TIMER, RELOAD_RETIRE, RELOAD_IDLE, -1, RELOAD_NOTE_NOT_READY },
		{ 60001, READY, RELOAD_NONE, RELOAD_IDLE, -1, RELOAD_NOTE_NONE },
		{ .ev = EV_END } } },
	{ "the new instance dies before READY=1: discarded, the old one stays", {
		{ 0, SIGNAL, RELOAD_START, RELOAD_STARTING, -1, RELOAD_NOTE_NONE },
		{ 0, SPAWNED, RELOAD_NONE, RELOAD_WAITING, 60000, RELOAD_NOTE_WAITING },
		{ 300, NEW_EXITED, RELOAD_DISCARD, RELOAD_IDLE, -1, RELOAD_NOTE_DIED },
		{ 60000, TIMER, RELOAD_NONE, RELOAD_IDLE, -1, RELOAD_NOTE_NONE },
		{ .ev = EV_END } } },
	{ "the old instance dies during the reload: the new one takes over at once", {
		{ 0, SIGNAL, RELOAD_START, RELOAD_STARTING, -1, RELOAD_NOTE_NONE },
		{ 0, SPAWNED, RELOAD_NONE, RELOAD_WAITING, 60000, RELOAD_NOTE_WAITING },
		{ 200, OLD_EXITED, RELOAD_TAKE_OVER, RELOAD_IDLE, -1, RELOAD_NOTE_TOOK_OVER },
		{ 300, READY, RELOAD_NONE, RELOAD_IDLE, -1, RELOAD_NOTE_NONE },
		{ .ev = EV_END } } },
	{ "the app's exit outside a reload is none of the reload's business", {
		{ 0, OLD_EXITED, RELOAD_NONE, RELOAD_IDLE, -1, RELOAD_NOTE_NONE },
		{ 0, NEW_EXITED, RELOAD_NONE, RELOAD_IDLE, -1, RELOAD_NOTE_NONE },
		{ 0, STOP, RELOAD_NONE, RELOAD_IDLE, -1, RELOAD_NOTE_NONE },
		{ .ev = EV_END } } },
	{ "a stop during a reload retires the new instance too", {
		{ 0, SIGNAL, RELOAD_START, RELOAD_STARTING, -1, RELOAD_NOTE_NONE },
		{ 0, SPAWNED, RELOAD_NONE, RELOAD_WAITING, 60000, RELOAD_NOTE_WAITING },
		{ 100, STOP, RELOAD_RETIRE, RELOAD_IDLE, -1, RELOAD_NOTE_STOPPED },
		{ 100, STOP, RELOAD_NONE, RELOAD_IDLE, -1, RELOAD_NOTE_NONE },
		{ .ev = EV_END } } },
};

static void run_scenario(const struct scenario *sc)
{
	struct reload r;
	size_t i;

	begin(sc->about);
	reload_init(&r, READY_TIMEOUT_MS);
	for (i = 0; i < STEPS_MAX && sc->steps[i].ev != EV_END; i++) {
		const struct step *st = &sc->steps[i];
		struct reload_event ev = { (enum reload_event_kind)st->ev, st->app_running,
					   st->retiring_full };
		enum reload_action a = reload_step(&r, &ev, st->now_ms);

		if (a != st->action || r.state != st->state || reload_due_ms(&r) != st->due_ms ||
		    reload_note(&r) != st->note ||
		    reload_busy(&r) != (st->state != RELOAD_IDLE)) {
			fail("step %zu (t=%lld): %s, %s, due %lld, note %s; want %s, %s, due %lld, note %s",
			     i + 1, (long long)st->now_ms, action_name(a), state_name(r.state),
			     (long long)reload_due_ms(&r), note_name(reload_note(&r)),
			     action_name(st->action), state_name(st->state), (long long)st->due_ms,
			     note_name(st->note));
			break;
		}
	}
	if (i == STEPS_MAX)
		fail("the table row has no EV_END step");
	tally();
}

/* ---- retiring -------------------------------------------------------------- */

#define GRACE_MS 10000	/* --stop-timeout */
#define R_TIMER RETIRE_EV_TIMER
#define R_EMPTY RETIRE_EV_GROUP_EMPTY

struct retire_step_row {
	int64_t now_ms;
	int ev;		/* enum retire_event, or EV_END */
	enum retire_action action;
	int64_t due_ms;
};

struct retire_scenario {
	const char *about;
	int64_t grace_ms;	/* 0: SIGKILLed at once */
	struct retire_step_row steps[STEPS_MAX];
};

static const struct retire_scenario retirements[] = {
	{ "an old instance that drains in time is done when its group is empty", GRACE_MS, {
		{ 0, -2, RETIRE_NONE, GRACE_MS },	/* -2: retire_begin() at now_ms */
		{ 9999, R_TIMER, RETIRE_NONE, GRACE_MS },
		{ 9999, R_EMPTY, RETIRE_DONE, GRACE_MS },
		{ .ev = EV_END } } },
	{ "one that outlives its grace is SIGKILLed, then forgotten if it still will not die",
	  GRACE_MS, {
		{ 0, -2, RETIRE_NONE, GRACE_MS },
		{ 10000, R_TIMER, RETIRE_KILL, 10000 + DRAIN_TIMEOUT_MS },
		{ 10001, R_TIMER, RETIRE_NONE, 10000 + DRAIN_TIMEOUT_MS },
		{ 10000 + DRAIN_TIMEOUT_MS, R_TIMER, RETIRE_FORGET, -1 },
		{ .ev = EV_END } } },
	{ "one SIGKILLed at once (died mid-reload) gets only the drain timeout", 0, {
		{ 100, -2, RETIRE_NONE, 100 + DRAIN_TIMEOUT_MS },
		{ 100 + DRAIN_TIMEOUT_MS - 1, R_TIMER, RETIRE_NONE, 100 + DRAIN_TIMEOUT_MS },
		{ 100 + DRAIN_TIMEOUT_MS, R_TIMER, RETIRE_FORGET, -1 },
		{ .ev = EV_END } } },
	{ "an empty group after SIGKILL is done", GRACE_MS, {
		{ 0, -2, RETIRE_NONE, GRACE_MS },
		{ 10000, R_TIMER, RETIRE_KILL, 10000 + DRAIN_TIMEOUT_MS },
		{ 10002, R_EMPTY, RETIRE_DONE, 10000 + DRAIN_TIMEOUT_MS },
		{ .ev = EV_END } } },
};

static void run_retirement(const struct retire_scenario *sc)
{
	struct retire r = { -1, -1 };
	size_t i;

	begin(sc->about);
	for (i = 0; i < STEPS_MAX && sc->steps[i].ev != EV_END; i++) {
		const struct retire_step_row *st = &sc->steps[i];
		enum retire_action a = RETIRE_NONE;

		if (st->ev == -2)
			retire_begin(&r, sc->grace_ms, st->now_ms);
		else
			a = retire_step(&r, (enum retire_event)st->ev, st->now_ms);
		if (a != st->action || retire_due_ms(&r) != st->due_ms) {
			fail("step %zu (t=%lld): action %d, due %lld; want action %d, due %lld", i + 1,
			     (long long)st->now_ms, (int)a, (long long)retire_due_ms(&r),
			     (int)st->action, (long long)st->due_ms);
			break;
		}
	}
	tally();
}

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
		run_scenario(&scenarios[i]);
	for (i = 0; i < sizeof retirements / sizeof retirements[0]; i++)
		run_retirement(&retirements[i]);
	return check_summary();
}
