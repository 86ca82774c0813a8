/* pool_test: the instances' policy through pool_step(), which is pure: an
 * event and a time in, effects and notes out. Each scenario is a table of
 * steps; after each, the effects of every slot and the notes of the step are
 * written as one string ("0:start 5:sig15 | WAITING") and compared, and the
 * executor's part is played by the table (it clears the effects). "release"
 * is the pool's own effect: let the held sockets go (the stop is for good). */
#include "pool.h"
#include "check.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#define N_MAX 4
#define SLOTS_MAX (N_MAX + POOL_SLOTS_EXTRA)
#define STEPS_MAX 24
#define STOP_MS 10000
#define READY_MS 30000

enum { E_END = -1 };

struct step {
	int64_t now;
	int kind;		/* enum pool_ev_kind, or E_END */
	int slot;
	int arg;		/* STOP: signo; EXITED: exit code, or -signal */
	const char *want;	/* effects and notes after it */
	int exit_code;		/* NO_EXIT or SAME_PASS: not due; else the status tinyhold exits with */
};

struct scenario {
	const char *about;
	int instances;
	long max_restarts;
	enum restart_policy policy;
	struct step steps[STEPS_MAX];
	int stop_signal;	/* --stop-signal; 0: SIGTERM */
	int64_t drain_ms;	/* --drain */
};

#define STARTED(k) POOL_EV_STARTED, k, 0
#define EXITED(k, c) POOL_EV_EXITED, k, c
#define EMPTY(k) POOL_EV_GROUP_EMPTY, k, 0
#define READY(k) POOL_EV_READY, k, 0
#define STOP(sig) POOL_EV_STOP, -1, sig
#define RELOAD POOL_EV_RELOAD, -1, 0
#define TIMER POOL_EV_TIMER, -1, 0
#define NO_EXIT -1
/* Not due, and the next event comes in the same pass: the executor has not
 * acted on this one's effects yet, so they stay (and show in the next want). */
#define SAME_PASS -2

static const char *const note_names[] = {
	"STOPPING", "RELOAD_BUSY", "RELOAD_STOPPING", "NOT_RUNNING", "RETIRING_FULL", "WAITING",
	"SPAWN_FAILED", "NOT_READY", "DIED", "TOOK_OVER", "REPLACED", "ROLLING_STOPPED",
	"ROLLING_DONE", "DRAIN_TIMEOUT", "DRAINING", "DRAIN_OVER",
};

static void describe(struct pool *p, char *out, size_t len, bool clear)
{
	size_t k, i, used = 0;

#define PUT(...) used += (size_t)snprintf(out + used, used < len ? len - used : 0, __VA_ARGS__)
	out[0] = '\0';
	for (k = 0; k < p->cfg.nslots; k++) {
		struct pool_slot *s = &p->slots[k];
		if (s->send_signo)
			PUT("%s%zu:sig%d", used ? " " : "", k, s->send_signo);
		if (s->abort)
			PUT("%s%zu:abort", used ? " " : "", k);
		if (s->kill)
			PUT("%s%zu:kill", used ? " " : "", k);
		if (s->promote)
			PUT("%s%zu:promote", used ? " " : "", k);
		if (s->start)
			PUT("%s%zu:start", used ? " " : "", k);
		if (s->free_it)
			PUT("%s%zu:free", used ? " " : "", k);
		if (clear)
			pool_slot_clear_effects(s);
	}
	if (p->release_held)
		PUT("%srelease", used ? " " : "");
	p->release_held = p->release_held && !clear;
	if (p->nnotes > 0)
		PUT("%s|", used ? " " : "");
	for (i = 0; i < p->nnotes; i++) {
		PUT(" %s", note_names[p->notes[i].kind]);
		if (p->notes[i].kind == POOL_NOTE_ROLLING_DONE ||
		    p->notes[i].kind == POOL_NOTE_ROLLING_STOPPED ||
		    p->notes[i].kind == POOL_NOTE_NOT_RUNNING || p->notes[i].kind == POOL_NOTE_STOPPING)
			PUT("=%d", p->notes[i].arg);
	}
#undef PUT
}

static void run(const struct scenario *sc)
{
	static const bool remap[REMAP_MAX];
	struct pool_slot slots[SLOTS_MAX];
	int64_t ring[16];
	int codes[N_MAX];
	struct pool p;
	struct pool_config cfg = {
		.instances = sc->instances,
		.nslots = (size_t)sc->instances + POOL_SLOTS_EXTRA,
		.ready_timeout_ms = READY_MS,
		.stop_signal = sc->stop_signal ? sc->stop_signal : SIGTERM,
		.drain_ms = sc->drain_ms,
		.sup = {
			.policy = sc->policy,
			.backoff_max_ms = 30000,
			.max_restarts = sc->max_restarts,
			.window_ms = 60000,
			.stop_timeout_ms = STOP_MS,
			.watchdog_ms = 0,
			.remap = remap,
		},
	};
	char got[512];
	int i;

	begin(sc->about);
	pool_init(&p, &cfg, slots, sc->max_restarts > 0 ? ring : NULL, codes);
	for (i = 0; i < sc->instances; i++)
		pool_slot_clear_effects(&slots[i]);	/* the first starts: played by STARTED rows */
	for (i = 0; i < STEPS_MAX && sc->steps[i].kind != E_END; i++) {
		const struct step *st = &sc->steps[i];
		struct pool_ev ev = { .kind = (enum pool_ev_kind)st->kind, .slot = st->slot };

		if (st->kind == POOL_EV_STOP) {
			ev.signo = st->arg;
		} else if (st->kind == POOL_EV_EXITED) {
			ev.exit.kind = SUP_EV_EXITED;
			if (st->arg < 0)
				ev.exit.term_signal = -st->arg;
			else
				ev.exit.exit_code = st->arg;
		}
		pool_step(&p, &ev, st->now);
		describe(&p, got, sizeof got, st->exit_code != SAME_PASS);
		if (strcmp(got, st->want) != 0)
			fail("step %d: got \"%s\", want \"%s\"", i + 1, got, st->want);
		if ((st->exit_code == NO_EXIT || st->exit_code == SAME_PASS) != !p.exit_due ||
		    (p.exit_due && p.exit_code != st->exit_code))
			fail("step %d: exit %s %d, want %d", i + 1, p.exit_due ? "due" : "not due",
			     p.exit_code, st->exit_code);
	}
	tally();
}

static const struct scenario scenarios[] = {
	{ "one instance crashes, restarts at once, then stops on SIGTERM", 1, 0, RESTART_ON_FAILURE, {
		{ 0, STARTED(0), "", NO_EXIT },
		{ 2000, EXITED(0, 3), "0:kill", NO_EXIT },
		{ 2000, EMPTY(0), "0:start", NO_EXIT },
		{ 2000, STARTED(0), "", NO_EXIT },
		{ 3000, STOP(SIGTERM), "0:sig15 release | STOPPING=1", NO_EXIT },
		{ 3100, EXITED(0, -SIGTERM), "0:kill", NO_EXIT },
		{ 3100, EMPTY(0), "", 143 },
		{ 0, E_END, 0, 0, NULL, 0 } }, 0, 0 },
	/* Found by review: a reload and a stop read in one pass. roll() had made the
	 * replacement's supervisor a RUNNING copy of the old one's before it was
	 * started, so the stop's retire() left its start due: it was started after
	 * the stop, with no stop signal and no deadline, and tinyhold hung on it. */
	{ "a reload and a stop in one pass: the replacement due to start is not started", 1, 0,
	  RESTART_ON_FAILURE, {
		{ 0, STARTED(0), "", NO_EXIT },
		{ 100, RELOAD, "1:start", SAME_PASS },
		{ 100, STOP(SIGTERM), "0:sig15 1:free release | STOPPING=1", NO_EXIT },
		{ 200, EXITED(0, -SIGTERM), "0:kill", NO_EXIT },
		{ 200, EMPTY(0), "", 143 },
		{ 0, E_END, 0, 0, NULL, 0 } }, 0, 0 },
	{ "a reload and a stop in one pass, with -n 2: no replacement starts, both stop", 2, 0,
	  RESTART_ON_FAILURE, {
		{ 0, STARTED(0), "", NO_EXIT },
		{ 0, STARTED(1), "", NO_EXIT },
		{ 100, RELOAD, "2:start", SAME_PASS },
		{ 100, STOP(SIGTERM), "0:sig15 1:sig15 2:free release | STOPPING=2", NO_EXIT },
		{ 200, EXITED(0, 0), "0:kill", NO_EXIT },
		{ 200, EMPTY(0), "", NO_EXIT },
		{ 200, EXITED(1, 0), "1:kill", NO_EXIT },
		{ 200, EMPTY(1), "", 0 },
		{ 0, E_END, 0, 0, NULL, 0 } }, 0, 0 },
	{ "a stop during a due start ends it: no process is started after the stop", 1, 0,
	  RESTART_ALWAYS, {
		{ 0, STARTED(0), "", NO_EXIT },
		{ 2000, EXITED(0, 0), "0:kill", NO_EXIT },
		{ 2000, EMPTY(0), "0:start", NO_EXIT },
		{ 2000, STOP(SIGTERM), "release | STOPPING=0", 0 },
		{ 0, E_END, 0, 0, NULL, 0 } }, 0, 0 },
	/* The one stop path: a reload's old instance gets the stop signal, and at the
	 * timeout SIGKILL to its group AND its pid (the executor's "kill"). */
	{ "a rolling reload of two; an old one that ignores SIGTERM is killed at the timeout", 2, 0,
	  RESTART_ON_FAILURE, {
		{ 0, STARTED(0), "", NO_EXIT },
		{ 0, STARTED(1), "", NO_EXIT },
		{ 100, RELOAD, "2:start", NO_EXIT },
		{ 100, STARTED(2), "| WAITING", NO_EXIT },
		{ 200, READY(2), "0:sig15 2:promote | REPLACED", NO_EXIT },
		{ 200 + STOP_MS, TIMER, "0:kill", NO_EXIT },
		{ 200 + STOP_MS, EXITED(0, -SIGKILL), "0:kill", NO_EXIT },
		{ 200 + STOP_MS, EMPTY(0), "0:start 0:free", NO_EXIT },	/* freed, and taken again */
		{ 200 + STOP_MS, STARTED(0), "| WAITING", NO_EXIT },
		{ 300 + STOP_MS, READY(0), "0:promote 1:sig15 | REPLACED ROLLING_DONE=2", NO_EXIT },
		{ 400 + STOP_MS, EXITED(1, 0), "1:kill", NO_EXIT },
		{ 400 + STOP_MS, EMPTY(1), "1:free", NO_EXIT },
		{ 500 + STOP_MS, STOP(SIGTERM), "0:sig15 2:sig15 release | STOPPING=2", NO_EXIT },
		{ 600 + STOP_MS, EXITED(2, 0), "2:kill", NO_EXIT },
		{ 600 + STOP_MS, EMPTY(2), "", NO_EXIT },
		{ 600 + STOP_MS, EXITED(0, 0), "0:kill", NO_EXIT },
		{ 600 + STOP_MS, EMPTY(0), "", 0 },
		{ 0, E_END, 0, 0, NULL, 0 } }, 0, 0 },
	{ "a replacement that never says READY=1 is stopped by the same path", 1, 0,
	  RESTART_ON_FAILURE, {
		{ 0, STARTED(0), "", NO_EXIT },
		{ 100, RELOAD, "1:start", NO_EXIT },
		{ 100, STARTED(1), "| WAITING", NO_EXIT },
		{ 100 + READY_MS, TIMER, "1:sig15 | NOT_READY", NO_EXIT },
		{ 100 + READY_MS + STOP_MS, TIMER, "1:kill", NO_EXIT },
		{ 100 + READY_MS + STOP_MS, EXITED(1, -SIGKILL), "1:kill", NO_EXIT },
		{ 100 + READY_MS + STOP_MS, EMPTY(1), "1:free", NO_EXIT },
		{ 0, E_END, 0, 0, NULL, 0 } }, 0, 0 },
	/* Defect 3: giving up during a rolling reload ends everything, and tinyhold exits. */
	{ "a give-up during a rolling reload stops all, the replacement too, and exits", 2, 1,
	  RESTART_ON_FAILURE, {
		{ 0, STARTED(0), "", NO_EXIT },
		{ 0, STARTED(1), "", NO_EXIT },
		{ 100, RELOAD, "2:start", NO_EXIT },
		{ 100, STARTED(2), "| WAITING", NO_EXIT },
		{ 2000, EXITED(1, 1), "1:kill", NO_EXIT },
		{ 2000, EMPTY(1), "1:start", NO_EXIT },
		{ 2000, STARTED(1), "", NO_EXIT },
		{ 2100, EXITED(1, 1), "1:kill", NO_EXIT },
		{ 2100, EMPTY(1), "0:sig15 2:sig15 release", NO_EXIT },
		{ 2200, READY(2), "", NO_EXIT },
		{ 2300, EXITED(0, 0), "0:kill", NO_EXIT },
		{ 2300, EMPTY(0), "", NO_EXIT },
		{ 2300, EXITED(2, 0), "2:kill", NO_EXIT },
		{ 2300, EMPTY(2), "2:free", 1 },
		{ 0, E_END, 0, 0, NULL, 0 } }, 0, 0 },
	/* Defect 7: a reload that replaced nothing does not say it replaced all. */
	{ "a reload while every instance backs off replaces none and says so", 2, 0,
	  RESTART_ALWAYS, {
		{ 0, STARTED(0), "", NO_EXIT },
		{ 0, STARTED(1), "", NO_EXIT },
		{ 10, EXITED(0, 1), "0:kill", NO_EXIT },
		{ 10, EMPTY(0), "0:start", NO_EXIT },
		{ 10, STARTED(0), "", NO_EXIT },
		{ 20, EXITED(0, 1), "0:kill", NO_EXIT },
		{ 20, EMPTY(0), "", NO_EXIT },
		{ 30, EXITED(1, 1), "1:kill", NO_EXIT },
		{ 30, EMPTY(1), "1:start", NO_EXIT },
		{ 30, STARTED(1), "", NO_EXIT },
		{ 40, EXITED(1, 1), "1:kill", NO_EXIT },
		{ 40, EMPTY(1), "", NO_EXIT },
		{ 50, RELOAD, "| NOT_RUNNING=0 NOT_RUNNING=1 ROLLING_DONE=0", NO_EXIT },
		{ 0, E_END, 0, 0, NULL, 0 } }, 0, 0 },
	{ "the old one dies while its replacement starts: the replacement takes over", 1, 0,
	  RESTART_ON_FAILURE, {
		{ 0, STARTED(0), "", NO_EXIT },
		{ 100, RELOAD, "1:start", NO_EXIT },
		{ 100, STARTED(1), "| WAITING", NO_EXIT },
		{ 200, EXITED(0, 1), "0:kill 1:promote | TOOK_OVER", NO_EXIT },
		{ 200, EMPTY(0), "0:free", NO_EXIT },
		{ 300, RELOAD, "0:start", NO_EXIT },
		{ 0, E_END, 0, 0, NULL, 0 } }, 0, 0 },
	{ "the replacement dies first: the old one stays, the rolling reload stops", 2, 0,
	  RESTART_ON_FAILURE, {
		{ 0, STARTED(0), "", NO_EXIT },
		{ 0, STARTED(1), "", NO_EXIT },
		{ 100, RELOAD, "2:start", NO_EXIT },
		{ 100, STARTED(2), "| WAITING", NO_EXIT },
		{ 200, EXITED(2, 1), "2:kill | DIED ROLLING_STOPPED=0", NO_EXIT },
		{ 200, EMPTY(2), "2:free", NO_EXIT },
		{ 300, RELOAD, "2:start", NO_EXIT },
		{ 0, E_END, 0, 0, NULL, 0 } }, 0, 0 },
	{ "a second reload while one is under way is ignored; a reload while stopping too", 1, 0,
	  RESTART_ON_FAILURE, {
		{ 0, STARTED(0), "", NO_EXIT },
		{ 100, RELOAD, "1:start", NO_EXIT },
		{ 100, STARTED(1), "| WAITING", NO_EXIT },
		{ 150, RELOAD, "| RELOAD_BUSY", NO_EXIT },
		{ 200, STOP(SIGINT), "0:sig2 1:sig2 release | STOPPING=1", NO_EXIT },
		{ 250, RELOAD, "| RELOAD_STOPPING", NO_EXIT },
		{ 300, EXITED(1, 0), "1:kill", NO_EXIT },
		{ 300, EMPTY(1), "1:free", NO_EXIT },
		{ 300, EXITED(0, -SIGINT), "0:kill", NO_EXIT },
		{ 300, EMPTY(0), "", 130 },
		{ 0, E_END, 0, 0, NULL, 0 } }, 0, 0 },
	{ "with two, the first non-zero status in instance order is the exit status", 2, 0,
	  RESTART_NEVER, {
		{ 0, STARTED(0), "", NO_EXIT },
		{ 0, STARTED(1), "", NO_EXIT },
		{ 10, EXITED(1, 7), "1:kill", NO_EXIT },
		{ 10, EMPTY(1), "", NO_EXIT },
		{ 20, EXITED(0, 0), "0:kill", NO_EXIT },
		{ 20, EMPTY(0), "", 7 },
		{ 0, E_END, 0, 0, NULL, 0 } }, 0, 0 },
	/* --stop-signal: the engine's SIGTERM and tinyhold's own stops send it;
	 * SIGINT and SIGQUIT go on as they came. */
	{ "--stop-signal QUIT: SIGTERM stops the app with SIGQUIT", 1, 0, RESTART_ON_FAILURE, {
		{ 0, STARTED(0), "", NO_EXIT },
		{ 1000, STOP(SIGTERM), "0:sig3 release | STOPPING=1", NO_EXIT },
		{ 1100, EXITED(0, 0), "0:kill", NO_EXIT },
		{ 1100, EMPTY(0), "", 0 },
		{ 0, E_END, 0, 0, NULL, 0 } }, SIGQUIT, 0 },
	{ "--stop-signal QUIT: SIGINT (Ctrl-C) is forwarded as SIGINT", 1, 0, RESTART_ON_FAILURE, {
		{ 0, STARTED(0), "", NO_EXIT },
		{ 1000, STOP(SIGINT), "0:sig2 release | STOPPING=1", NO_EXIT },
		{ 0, E_END, 0, 0, NULL, 0 } }, SIGQUIT, 0 },
	{ "--stop-signal QUIT: a reload's old instance and a give-up send SIGQUIT", 2, 1,
	  RESTART_ON_FAILURE, {
		{ 0, STARTED(0), "", NO_EXIT },
		{ 0, STARTED(1), "", NO_EXIT },
		{ 100, RELOAD, "2:start", NO_EXIT },
		{ 100, STARTED(2), "| WAITING", NO_EXIT },
		{ 200, READY(2), "0:sig3 2:promote | REPLACED", NO_EXIT },
		{ 2000, EXITED(1, 1), "1:kill", NO_EXIT },
		{ 2000, EMPTY(1), "1:start", NO_EXIT },
		{ 2000, STARTED(1), "", NO_EXIT },
		{ 2100, EXITED(1, 1), "1:kill", NO_EXIT },
		{ 2100, EMPTY(1), "2:sig3 release", NO_EXIT },
		{ 0, E_END, 0, 0, NULL, 0 } }, SIGQUIT, 0 },
	/* --drain: SIGTERM makes it not ready and waits; the app serves on and is
	 * restarted; then the stop goes on as ever. No release before that. */
	{ "--drain 5: SIGTERM waits 5 s (a crash meanwhile is restarted), then stops", 1, 0,
	  RESTART_ON_FAILURE, {
		{ 0, STARTED(0), "", NO_EXIT },
		{ 1000, STOP(SIGTERM), "| DRAINING", NO_EXIT },
		{ 2000, EXITED(0, 3), "0:kill", NO_EXIT },
		{ 2000, EMPTY(0), "0:start", NO_EXIT },
		{ 2000, STARTED(0), "", NO_EXIT },
		{ 3000, RELOAD, "| RELOAD_STOPPING", NO_EXIT },
		{ 5999, TIMER, "", NO_EXIT },
		{ 6000, TIMER, "0:sig15 release | DRAIN_OVER STOPPING=1", NO_EXIT },
		{ 6100, EXITED(0, -SIGTERM), "0:kill", NO_EXIT },
		{ 6100, EMPTY(0), "", 143 },
		{ 0, E_END, 0, 0, NULL, 0 } }, 0, 5000 },
	{ "--drain 5: a second SIGTERM ends the drain at once", 1, 0, RESTART_ON_FAILURE, {
		{ 0, STARTED(0), "", NO_EXIT },
		{ 1000, STOP(SIGTERM), "| DRAINING", NO_EXIT },
		{ 1500, STOP(SIGTERM), "0:sig15 release | STOPPING=1", NO_EXIT },
		{ 0, E_END, 0, 0, NULL, 0 } }, 0, 5000 },
	{ "--drain 5 --stop-signal QUIT: SIGINT ends the drain with SIGINT", 1, 0,
	  RESTART_ON_FAILURE, {
		{ 0, STARTED(0), "", NO_EXIT },
		{ 1000, STOP(SIGTERM), "| DRAINING", NO_EXIT },
		{ 1500, STOP(SIGINT), "0:sig2 release | STOPPING=1", NO_EXIT },
		{ 0, E_END, 0, 0, NULL, 0 } }, SIGQUIT, 5000 },
	{ "--drain 5: SIGINT stops at once, no drain", 1, 0, RESTART_ON_FAILURE, {
		{ 0, STARTED(0), "", NO_EXIT },
		{ 1000, STOP(SIGINT), "0:sig2 release | STOPPING=1", NO_EXIT },
		{ 0, E_END, 0, 0, NULL, 0 } }, 0, 5000 },
	{ "--drain 5: a give-up during the drain stops at once", 1, 1, RESTART_ON_FAILURE, {
		{ 0, STARTED(0), "", NO_EXIT },
		{ 1000, STOP(SIGTERM), "| DRAINING", NO_EXIT },
		{ 1100, EXITED(0, 1), "0:kill", NO_EXIT },
		{ 1100, EMPTY(0), "0:start", NO_EXIT },
		{ 1100, STARTED(0), "", NO_EXIT },
		{ 1200, EXITED(0, 1), "0:kill", NO_EXIT },
		{ 1200, EMPTY(0), "release", 1 },
		{ 0, E_END, 0, 0, NULL, 0 } }, 0, 5000 },

};

/* The readiness rule (GET /ready) and liveness (GET /live) after each step. */
struct ready_step {
	int64_t now;
	int kind;		/* enum pool_ev_kind, or E_END */
	int slot;
	int arg;		/* as in struct step */
	bool ready, live;
};

struct ready_scenario {
	const char *about;
	int instances;
	bool notify;
	long max_restarts;
	struct ready_step steps[STEPS_MAX];
	int64_t drain_ms;	/* --drain */
};

static const struct ready_scenario ready_scenarios[] = {
	{ "without --notify, ready while an instance runs", 1, false, 0, {
		{ 0, STARTED(0), true, true },
		{ 2000, EXITED(0, 1), false, true },
		{ 2000, EMPTY(0), false, true },
		{ 2000, STARTED(0), true, true },
		{ 3000, STOP(SIGTERM), false, false },
		{ 0, E_END, 0, 0, false, false } }, 0 },
	{ "with --notify, ready from READY=1 until the instance ends; again after its restart's", 1,
	  true, 0, {
		{ 0, STARTED(0), false, true },
		{ 10, READY(0), true, true },
		{ 2000, EXITED(0, 1), false, true },
		{ 2000, EMPTY(0), false, true },
		{ 2000, STARTED(0), false, true },	/* the last run's READY=1 does not count */
		{ 2100, READY(0), true, true },
		{ 0, E_END, 0, 0, false, false } }, 0 },
	{ "of two, one ready instance is enough", 2, true, 0, {
		{ 0, STARTED(0), false, true },
		{ 0, STARTED(1), false, true },
		{ 10, READY(1), true, true },
		{ 2000, EXITED(1, 1), false, true },
		{ 2000, READY(0), true, true },
		{ 0, E_END, 0, 0, false, false } }, 0 },
	{ "a reload stays ready throughout: the old serves until the new said READY=1", 1, true, 0, {
		{ 0, STARTED(0), false, true },
		{ 10, READY(0), true, true },
		{ 100, RELOAD, true, true },
		{ 100, STARTED(1), true, true },
		{ 200, READY(1), true, true },	/* promoted: 0 is told to stop */
		{ 300, EXITED(0, 0), true, true },
		{ 0, E_END, 0, 0, false, false } }, 0 },
	{ "a replacement that takes over without READY=1 is not ready", 1, true, 0, {
		{ 0, STARTED(0), false, true },
		{ 10, READY(0), true, true },
		{ 100, RELOAD, true, true },
		{ 100, STARTED(1), true, true },
		{ 200, EXITED(0, 1), false, true },
		{ 300, READY(1), true, true },
		{ 0, E_END, 0, 0, false, false } }, 0 },
	{ "given up: neither ready nor live", 2, false, 1, {
		{ 0, STARTED(0), true, true },
		{ 0, STARTED(1), true, true },
		{ 100, EXITED(1, 1), true, true },
		{ 100, EMPTY(1), true, true },
		{ 100, STARTED(1), true, true },
		{ 200, EXITED(1, 1), true, true },
		{ 200, EMPTY(1), false, false },	/* gave up: 0 still runs, being stopped */
		{ 0, E_END, 0, 0, false, false } }, 0 },
	{ "--drain: not ready from SIGTERM on, still live while it serves; then neither", 1, true, 0, {
		{ 0, STARTED(0), false, true },
		{ 10, READY(0), true, true },
		{ 1000, STOP(SIGTERM), false, true },
		{ 2000, EXITED(0, 1), false, true },	/* a crash in the drain: restarted */
		{ 2000, EMPTY(0), false, true },
		{ 2000, STARTED(0), false, true },
		{ 2100, READY(0), false, true },	/* ready again, but draining */
		{ 6000, TIMER, false, false },
		{ 0, E_END, 0, 0, false, false } }, 5000 },
};

static void run_ready(const struct ready_scenario *sc)
{
	static const bool remap[REMAP_MAX];
	struct pool_slot slots[SLOTS_MAX];
	int64_t ring[16];
	int codes[N_MAX];
	struct pool p;
	struct pool_config cfg = {
		.instances = sc->instances,
		.nslots = (size_t)sc->instances + POOL_SLOTS_EXTRA,
		.ready_timeout_ms = READY_MS,
		.notify = sc->notify,
		.stop_signal = SIGTERM,
		.drain_ms = sc->drain_ms,
		.sup = { .policy = RESTART_ON_FAILURE, .backoff_max_ms = 0, .window_ms = 60000,
			 .max_restarts = sc->max_restarts, .stop_timeout_ms = STOP_MS,
			 .remap = remap },
	};
	int i;

	begin(sc->about);
	pool_init(&p, &cfg, slots, sc->max_restarts > 0 ? ring : NULL, codes);
	for (i = 0; i < STEPS_MAX && sc->steps[i].kind != E_END; i++) {
		const struct ready_step *st = &sc->steps[i];
		struct pool_ev ev = { .kind = (enum pool_ev_kind)st->kind, .slot = st->slot,
				      .signo = st->arg };
		size_t k;

		if (st->kind == POOL_EV_EXITED)
			ev.exit = (struct sup_event){ .kind = SUP_EV_EXITED, .exit_code = st->arg };
		pool_step(&p, &ev, st->now);
		for (k = 0; k < cfg.nslots; k++)
			pool_slot_clear_effects(&slots[k]);
		if (pool_ready(&p) != st->ready)
			fail("step %d: ready %d, want %d", i + 1, pool_ready(&p), st->ready);
		if (pool_supervising(&p) != st->live)
			fail("step %d: live %d, want %d", i + 1, pool_supervising(&p), st->live);
	}
	tally();
}

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
		run(&scenarios[i]);
	for (i = 0; i < sizeof ready_scenarios / sizeof ready_scenarios[0]; i++)
		run_ready(&ready_scenarios[i]);
	return check_summary();
}
