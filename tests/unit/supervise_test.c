/* supervise_test: the restart policy, the back-off schedule, the crash-loop
 * guard and the stop sequence, all through sup_step(), which is pure: a time
 * and an event in, an action out. No process is started here.
 *
 * Two kinds of tables: "series" give a list of runs (how long the app ran and
 * how it ended) and the delay expected before each restart; "scenarios" give
 * every event and check every field after it. */
#include "spawn.h"
#include "supervise.h"
#include "check.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ANY (-999)		/* a field this row does not check */
#define NO_REMAP (-1)
#define STOP_TIMEOUT_MS 10000	/* opts.c's default */
#define WINDOW_MS 60000		/* opts.c's default */
#define BACKOFF_MAX_MS 10000	/* opts.c's default */


static const char *action_name(int a)
{
	static const char *const n[] = { "SUP_NONE", "SUP_START", "SUP_KILL_GROUP", "SUP_EXIT" };
	return a >= 0 && (size_t)a < sizeof n / sizeof n[0] ? n[a] : "?";
}

static const char *state_name(int st)
{
	static const char *const n[] = { "RUNNING", "STOPPING", "DRAINING", "BACKOFF", "DONE" };
	return st >= 0 && (size_t)st < sizeof n / sizeof n[0] ? n[st] : "?";
}

static const char *note_name(int note)
{
	static const char *const n[] = { "NONE", "RESTART", "NO_RESTART", "STOPPED", "GAVE_UP",
					 "EXEC_FAILED", "STOP_TIMEOUT", "WATCHDOG", "UNKILLABLE" };
	return note >= 0 && (size_t)note < sizeof n / sizeof n[0] ? n[note] : "?";
}

/* A supervisor with its own remap table and crash-loop ring. The ring is
 * malloc'ed to its exact size, so ASan catches an index past max_restarts. */
struct rig {
	struct sup sup;
	bool remap[REMAP_MAX];
	int64_t *recent;
	struct sup_window window;
};

static void rig_init(struct rig *r, enum restart_policy policy, int64_t backoff_max_ms,
		     long max_restarts, int64_t window_ms, int64_t stop_timeout_ms, int remap_code)
{
	struct sup_config cfg = {
		.policy = policy,
		.backoff_max_ms = backoff_max_ms,
		.max_restarts = max_restarts,
		.window_ms = window_ms,
		.stop_timeout_ms = stop_timeout_ms,
		.remap = r->remap,
	};

	memset(r->remap, 0, sizeof r->remap);
	if (remap_code >= 0)
		r->remap[remap_code] = true;
	r->recent = max_restarts > 0 ? malloc((size_t)max_restarts * sizeof *r->recent) : NULL;
	r->window = (struct sup_window){ .recent = r->recent };
	sup_init(&r->sup, &cfg, &r->window);
}

static void rig_free(struct rig *r)
{
	free(r->recent);
}

static enum sup_action exited(struct rig *r, int64_t now_ms, int code, int sig, int err)
{
	/* err: the errno of a failed exec, as the child reports it (spawn.c). */
	struct sup_event ev = { SUP_EV_EXITED, code, sig, err ? spawn_failed_code(SPAWN_EXEC, err) : 0 };
	return sup_step(&r->sup, &ev, now_ms);
}

static enum sup_action simple(struct rig *r, enum sup_event_kind kind, int64_t now_ms)
{
	struct sup_event ev = { .kind = kind };
	return sup_step(&r->sup, &ev, now_ms);
}

/* ---- sup_backoff_ms(), sup_timeout_ms(), sup_status_code() ---------------- */

struct backoff_case {
	unsigned fast_crashes;
	int64_t backoff_max_ms;
	int64_t want_ms;
};

static const struct backoff_case backoff_cases[] = {
	/* No crash yet, and the first fast crash: restart at once. */
	{ 0, 10000, 0 },
	{ 1, 10000, 0 },
	/* Then doubling from 100 ms. */
	{ 2, 10000, 100 },
	{ 3, 10000, 200 },
	{ 4, 10000, 400 },
	{ 5, 10000, 800 },
	{ 6, 10000, 1600 },
	{ 7, 10000, 3200 },
	{ 8, 10000, 6400 },
	{ 9, 10000, 10000 },	/* 12800 capped */
	{ 10, 10000, 10000 },
	/* Far past any shift that fits 64 bits: still the cap, no overflow (UBSan watches). */
	{ 40, 10000, 10000 },
	{ 64, 10000, 10000 },
	{ 100, 10000, 10000 },
	{ UINT_MAX, 10000, 10000 },
	{ UINT_MAX, 1000LL * 1000 * 1000, 1000LL * 1000 * 1000 },
	/* --backoff-max 0: never a delay. */
	{ 2, 0, 0 },
	{ 9, 0, 0 },
	{ UINT_MAX, 0, 0 },
	/* A cap below the base delay is still the cap. */
	{ 2, 50, 50 },
	{ 2, 150, 100 },
	{ 3, 150, 150 },
	{ 2, 100, 100 },
	{ 3, 100, 100 },
};

struct timeout_case {
	int64_t deadline_ms;
	int64_t now_ms;
	int want;
};

static const struct timeout_case timeout_cases[] = {
	{ -1, 0, -1 },			/* no deadline: poll() sleeps without a timeout */
	{ -1, 123456, -1 },
	{ 1000, 400, 600 },
	{ 1000, 999, 1 },
	{ 1000, 1000, 0 },		/* due now */
	{ 1000, 2000, 0 },		/* overdue: at once, never negative */
	{ 0, 0, 0 },
	{ (int64_t)INT_MAX + 5000, 0, INT_MAX },	/* clamped, not wrapped */
	{ INT64_MAX, 0, INT_MAX },
};

struct status_case {
	int code, sig;
	int want;
};

static const struct status_case status_cases[] = {
	{ 0, 0, 0 },
	{ 1, 0, 1 },
	{ 255, 0, 255 },
	{ 0, SIGTERM, 143 },
	{ 0, SIGINT, 130 },
	{ 0, SIGKILL, 137 },
	{ 0, SIGSEGV, 139 },
	{ 0, 64, 192 },
};

static void run_pure_tables(void)
{
	char about[96];
	size_t i;

	for (i = 0; i < sizeof backoff_cases / sizeof backoff_cases[0]; i++) {
		const struct backoff_case *c = &backoff_cases[i];
		int64_t got = sup_backoff_ms(c->fast_crashes, c->backoff_max_ms);

		snprintf(about, sizeof about, "sup_backoff_ms(%u, %lld)", c->fast_crashes,
			 (long long)c->backoff_max_ms);
		begin(about);
		if (got != c->want_ms)
			fail("%lld, want %lld", (long long)got, (long long)c->want_ms);
		tally();
	}
	for (i = 0; i < sizeof timeout_cases / sizeof timeout_cases[0]; i++) {
		const struct timeout_case *c = &timeout_cases[i];
		struct rig r;
		int got;

		rig_init(&r, RESTART_ON_FAILURE, BACKOFF_MAX_MS, 0, WINDOW_MS, STOP_TIMEOUT_MS, NO_REMAP);
		r.sup.deadline_ms = c->deadline_ms;
		got = sup_timeout_ms(&r.sup, c->now_ms);
		snprintf(about, sizeof about, "sup_timeout_ms(deadline %lld, now %lld)",
			 (long long)c->deadline_ms, (long long)c->now_ms);
		begin(about);
		if (got != c->want)
			fail("%d, want %d", got, c->want);
		tally();
		rig_free(&r);
	}
	for (i = 0; i < sizeof status_cases / sizeof status_cases[0]; i++) {
		const struct status_case *c = &status_cases[i];
		struct sup_event ev = { SUP_EV_EXITED, c->code, c->sig, 0 };
		int got = sup_status_code(&ev);

		snprintf(about, sizeof about, "sup_status_code(exit %d, signal %d)", c->code, c->sig);
		begin(about);
		if (got != c->want)
			fail("%d, want %d", got, c->want);
		tally();
	}
}

/* ---- series: runs and the delay before each restart ----------------------- */

#define END (-1)	/* want_delay_ms: this run ends tinyhold */
#define RUNS_MAX 16

struct run {
	int64_t run_ms;		/* from the STARTED event to the EXITED event */
	int code, sig, err;	/* how it ended */
	int64_t want_delay_ms;	/* before the restart, or END */
};

struct series {
	const char *about;
	enum restart_policy policy;
	int64_t backoff_max_ms;
	long max_restarts;
	int64_t window_ms;
	int remap_code;
	struct run runs[RUNS_MAX];
	/* After the END run: */
	int exit_code;
	enum sup_note note;
	unsigned long restarts;
};

/* Shorthands for a run: how long it lasted, how it ended, what comes next. */
#define CODE(ms, c, next) { ms, c, 0, 0, next }
#define SIG(ms, s, next) { ms, 0, s, 0, next }
#define EXEC(ms, e) { ms, e == ENOENT ? 127 : 126, 0, e, END }
#define OK(ms) CODE(ms, 0, END)		/* a clean exit that ends tinyhold */
#define FAST 100			/* a run shorter than FAST_RUN_MS */
#define LONG 5000			/* a run that resets the back-off */

static const struct series series[] = {
	/* on-failure, as systemd's Restart=on-failure. */
	{ "on-failure: exit 0 ends tinyhold with 0", RESTART_ON_FAILURE, BACKOFF_MAX_MS, 0, WINDOW_MS,
	  NO_REMAP, { OK(LONG) }, 0, SUP_NOTE_NO_RESTART, 0 },
	{ "on-failure: exit 1 restarts", RESTART_ON_FAILURE, BACKOFF_MAX_MS, 0, WINDOW_MS, NO_REMAP,
	  { CODE(LONG, 1, 0), OK(LONG) }, 0, SUP_NOTE_NO_RESTART, 1 },
	{ "on-failure: exit 255 restarts", RESTART_ON_FAILURE, BACKOFF_MAX_MS, 0, WINDOW_MS, NO_REMAP,
	  { CODE(LONG, 255, 0), OK(LONG) }, 0, SUP_NOTE_NO_RESTART, 1 },
	/* 143 as an exit *code* is a failure; only death by SIGTERM is clean. */
	{ "on-failure: exit code 143 restarts", RESTART_ON_FAILURE, BACKOFF_MAX_MS, 0, WINDOW_MS,
	  NO_REMAP, { CODE(LONG, 143, 0), OK(LONG) }, 0, SUP_NOTE_NO_RESTART, 1 },
	{ "on-failure: SIGSEGV restarts", RESTART_ON_FAILURE, BACKOFF_MAX_MS, 0, WINDOW_MS, NO_REMAP,
	  { SIG(LONG, SIGSEGV, 0), OK(LONG) }, 0, SUP_NOTE_NO_RESTART, 1 },
	{ "on-failure: SIGABRT restarts", RESTART_ON_FAILURE, BACKOFF_MAX_MS, 0, WINDOW_MS, NO_REMAP,
	  { SIG(LONG, SIGABRT, 0), OK(LONG) }, 0, SUP_NOTE_NO_RESTART, 1 },
	/* The OOM killer's SIGKILL is a failure. */
	{ "on-failure: SIGKILL restarts", RESTART_ON_FAILURE, BACKOFF_MAX_MS, 0, WINDOW_MS, NO_REMAP,
	  { SIG(LONG, SIGKILL, 0), OK(LONG) }, 0, SUP_NOTE_NO_RESTART, 1 },
	{ "on-failure: SIGQUIT (not sent by tinyhold) restarts", RESTART_ON_FAILURE, BACKOFF_MAX_MS,
	  0, WINDOW_MS, NO_REMAP, { SIG(LONG, SIGQUIT, 0), OK(LONG) }, 0, SUP_NOTE_NO_RESTART, 1 },
	{ "on-failure: SIGHUP restarts", RESTART_ON_FAILURE, BACKOFF_MAX_MS, 0, WINDOW_MS, NO_REMAP,
	  { SIG(LONG, SIGHUP, 0), OK(LONG) }, 0, SUP_NOTE_NO_RESTART, 1 },
	{ "on-failure: SIGRTMIN-range signal restarts", RESTART_ON_FAILURE, BACKOFF_MAX_MS, 0,
	  WINDOW_MS, NO_REMAP, { SIG(LONG, 40, 0), OK(LONG) }, 0, SUP_NOTE_NO_RESTART, 1 },
	/* Ctrl-C and a deliberate kill -TERM are a clean end. */
	{ "on-failure: SIGTERM ends with 143", RESTART_ON_FAILURE, BACKOFF_MAX_MS, 0, WINDOW_MS,
	  NO_REMAP, { SIG(LONG, SIGTERM, END) }, 143, SUP_NOTE_NO_RESTART, 0 },
	{ "on-failure: SIGINT ends with 130", RESTART_ON_FAILURE, BACKOFF_MAX_MS, 0, WINDOW_MS,
	  NO_REMAP, { SIG(LONG, SIGINT, END) }, 130, SUP_NOTE_NO_RESTART, 0 },

	/* always: every end restarts, clean ones too. */
	{ "always: exit 0 restarts", RESTART_ALWAYS, BACKOFF_MAX_MS, 0, WINDOW_MS, NO_REMAP,
	  { CODE(LONG, 0, 0), CODE(LONG, 0, 0), EXEC(LONG, ENOENT) }, 127, SUP_NOTE_EXEC_FAILED, 2 },
	{ "always: SIGTERM from outside restarts", RESTART_ALWAYS, BACKOFF_MAX_MS, 0, WINDOW_MS,
	  NO_REMAP, { SIG(LONG, SIGTERM, 0), SIG(LONG, SIGINT, 0), EXEC(LONG, EACCES) }, 126,
	  SUP_NOTE_EXEC_FAILED, 2 },
	/* The back-off applies to clean exits under always too. */
	{ "always: fast clean exits back off", RESTART_ALWAYS, BACKOFF_MAX_MS, 0, WINDOW_MS, NO_REMAP,
	  { CODE(FAST, 0, 0), CODE(FAST, 0, 100), CODE(FAST, 0, 200), CODE(FAST, 0, 400),
	    EXEC(FAST, ENOENT) }, 127, SUP_NOTE_EXEC_FAILED, 4 },

	/* never: the app's status is tinyhold's. */
	{ "never: exit 0", RESTART_NEVER, BACKOFF_MAX_MS, 0, WINDOW_MS, NO_REMAP, { OK(LONG) }, 0,
	  SUP_NOTE_NO_RESTART, 0 },
	{ "never: exit 3", RESTART_NEVER, BACKOFF_MAX_MS, 0, WINDOW_MS, NO_REMAP,
	  { CODE(LONG, 3, END) }, 3, SUP_NOTE_NO_RESTART, 0 },
	{ "never: SIGSEGV is 139", RESTART_NEVER, BACKOFF_MAX_MS, 0, WINDOW_MS, NO_REMAP,
	  { SIG(FAST, SIGSEGV, END) }, 139, SUP_NOTE_NO_RESTART, 0 },
	{ "never: SIGKILL is 137", RESTART_NEVER, BACKOFF_MAX_MS, 0, WINDOW_MS, NO_REMAP,
	  { SIG(FAST, SIGKILL, END) }, 137, SUP_NOTE_NO_RESTART, 0 },

	/* --remap-exit: the status tinyhold exits with, not the restart decision. */
	{ "remap 143: SIGTERM exits 0", RESTART_ON_FAILURE, BACKOFF_MAX_MS, 0, WINDOW_MS, 143,
	  { SIG(LONG, SIGTERM, END) }, 0, SUP_NOTE_NO_RESTART, 0 },
	{ "remap 143: exit code 143 under never exits 0", RESTART_NEVER, BACKOFF_MAX_MS, 0, WINDOW_MS,
	  143, { CODE(LONG, 143, END) }, 0, SUP_NOTE_NO_RESTART, 0 },
	{ "remap 143: exit code 143 still restarts on-failure", RESTART_ON_FAILURE, BACKOFF_MAX_MS, 0,
	  WINDOW_MS, 143, { CODE(LONG, 143, 0), SIG(LONG, SIGTERM, END) }, 0, SUP_NOTE_NO_RESTART, 1 },
	{ "remap 143 leaves other codes alone", RESTART_NEVER, BACKOFF_MAX_MS, 0, WINDOW_MS, 143,
	  { CODE(LONG, 1, END) }, 1, SUP_NOTE_NO_RESTART, 0 },
	{ "remap 137: the OOM kill under never exits 0", RESTART_NEVER, BACKOFF_MAX_MS, 0, WINDOW_MS,
	  137, { SIG(LONG, SIGKILL, END) }, 0, SUP_NOTE_NO_RESTART, 0 },

	/* A command that cannot be executed is never restarted, whatever the policy. */
	{ "exec ENOENT is 127", RESTART_ON_FAILURE, BACKOFF_MAX_MS, 0, WINDOW_MS, NO_REMAP,
	  { EXEC(1, ENOENT) }, 127, SUP_NOTE_EXEC_FAILED, 0 },
	{ "exec EACCES is 126", RESTART_ON_FAILURE, BACKOFF_MAX_MS, 0, WINDOW_MS, NO_REMAP,
	  { EXEC(1, EACCES) }, 126, SUP_NOTE_EXEC_FAILED, 0 },
	{ "exec ENOEXEC is 126", RESTART_ALWAYS, BACKOFF_MAX_MS, 0, WINDOW_MS, NO_REMAP,
	  { EXEC(1, ENOEXEC) }, 126, SUP_NOTE_EXEC_FAILED, 0 },
	{ "exec failure under always is not restarted", RESTART_ALWAYS, BACKOFF_MAX_MS, 0, WINDOW_MS,
	  NO_REMAP, { EXEC(1, ENOENT) }, 127, SUP_NOTE_EXEC_FAILED, 0 },
	/* The binary vanished between two starts: still 127, not a restart loop. */
	{ "exec failure on a restart", RESTART_ON_FAILURE, BACKOFF_MAX_MS, 0, WINDOW_MS, NO_REMAP,
	  { SIG(LONG, SIGSEGV, 0), EXEC(1, ENOENT) }, 127, SUP_NOTE_EXEC_FAILED, 1 },
	/* A remap of 127 must not hide an exec failure. */
	{ "exec failure ignores remap", RESTART_ON_FAILURE, BACKOFF_MAX_MS, 0, WINDOW_MS, 127,
	  { EXEC(1, ENOENT) }, 127, SUP_NOTE_EXEC_FAILED, 0 },

	/* The back-off schedule, exactly: 0, 100, 200, 400 ... up to --backoff-max. */
	{ "back-off doubles up to the cap", RESTART_ON_FAILURE, BACKOFF_MAX_MS, 0, WINDOW_MS * 10,
	  NO_REMAP,
	  { CODE(FAST, 1, 0), CODE(FAST, 1, 100), CODE(FAST, 1, 200), CODE(FAST, 1, 400),
	    CODE(FAST, 1, 800), CODE(FAST, 1, 1600), CODE(FAST, 1, 3200), CODE(FAST, 1, 6400),
	    CODE(FAST, 1, 10000), CODE(FAST, 1, 10000), CODE(FAST, 1, 10000), OK(FAST) },
	  0, SUP_NOTE_NO_RESTART, 11 },
	{ "back-off with --backoff-max 0.3", RESTART_ON_FAILURE, 300, 0, WINDOW_MS, NO_REMAP,
	  { CODE(FAST, 1, 0), CODE(FAST, 1, 100), CODE(FAST, 1, 200), CODE(FAST, 1, 300),
	    CODE(FAST, 1, 300), OK(FAST) }, 0, SUP_NOTE_NO_RESTART, 5 },
	{ "--backoff-max 0: never a delay", RESTART_ON_FAILURE, 0, 0, WINDOW_MS, NO_REMAP,
	  { CODE(FAST, 1, 0), CODE(FAST, 1, 0), CODE(FAST, 1, 0), CODE(FAST, 1, 0), OK(FAST) },
	  0, SUP_NOTE_NO_RESTART, 4 },
	/* A run of a second or more is not a fast crash: the schedule starts over. */
	{ "a long run resets the back-off", RESTART_ON_FAILURE, BACKOFF_MAX_MS, 0, WINDOW_MS,
	  NO_REMAP,
	  { CODE(FAST, 1, 0), CODE(FAST, 1, 100), CODE(FAST, 1, 200), CODE(LONG, 1, 0),
	    CODE(FAST, 1, 0), CODE(FAST, 1, 100), OK(FAST) }, 0, SUP_NOTE_NO_RESTART, 6 },
	{ "a run of exactly FAST_RUN_MS is long", RESTART_ON_FAILURE, BACKOFF_MAX_MS, 0, WINDOW_MS,
	  NO_REMAP,
	  { CODE(FAST, 1, 0), CODE(FAST, 1, 100), CODE(FAST_RUN_MS, 1, 0), CODE(FAST, 1, 0),
	    OK(FAST) }, 0, SUP_NOTE_NO_RESTART, 4 },
	{ "a run of FAST_RUN_MS - 1 is fast", RESTART_ON_FAILURE, BACKOFF_MAX_MS, 0, WINDOW_MS,
	  NO_REMAP,
	  { CODE(FAST, 1, 0), CODE(FAST, 1, 100), CODE(FAST_RUN_MS - 1, 1, 200), OK(FAST) },
	  0, SUP_NOTE_NO_RESTART, 3 },

	/* The crash-loop guard: --max-restarts N within --restart-window. */
	{ "max-restarts 3: the 4th restart in the window gives up", RESTART_ON_FAILURE,
	  BACKOFF_MAX_MS, 3, WINDOW_MS, NO_REMAP,
	  { CODE(LONG, 1, 0), CODE(LONG, 2, 0), CODE(LONG, 3, 0), CODE(LONG, 4, END) },
	  4, SUP_NOTE_GAVE_UP, 3 },
	{ "max-restarts 1: the 2nd restart gives up with the last signal", RESTART_ON_FAILURE,
	  BACKOFF_MAX_MS, 1, WINDOW_MS, NO_REMAP,
	  { CODE(LONG, 1, 0), SIG(LONG, SIGSEGV, END) }, 139, SUP_NOTE_GAVE_UP, 1 },
	{ "max-restarts gives up through remap", RESTART_ALWAYS, BACKOFF_MAX_MS, 1, WINDOW_MS, 143,
	  { CODE(LONG, 143, 0), SIG(LONG, SIGTERM, END) }, 0, SUP_NOTE_GAVE_UP, 1 },
	/* Fast crashes with back-off: the delays count as time in the window. */
	{ "max-restarts 2 with fast crashes", RESTART_ON_FAILURE, BACKOFF_MAX_MS, 2, WINDOW_MS,
	  NO_REMAP, { CODE(FAST, 1, 0), CODE(FAST, 1, 100), CODE(FAST, 9, END) }, 9,
	  SUP_NOTE_GAVE_UP, 2 },
	/* Restarts 30 s apart: each is alone in a 60 s window... */
	{ "max-restarts 2, restarts spaced out, never gives up", RESTART_ON_FAILURE, BACKOFF_MAX_MS, 2,
	  WINDOW_MS, NO_REMAP,
	  { CODE(30000, 1, 0), CODE(30000, 1, 0), CODE(30000, 1, 0), CODE(30000, 1, 0),
	    CODE(30000, 1, 0), CODE(30000, 1, 0), OK(30000) }, 0, SUP_NOTE_NO_RESTART, 6 },
	/* ...but 1 ms less and three restarts fit in it. */
	{ "max-restarts 2, restarts 29999 ms apart, gives up", RESTART_ON_FAILURE, BACKOFF_MAX_MS, 2,
	  WINDOW_MS, NO_REMAP,
	  { CODE(29999, 1, 0), CODE(29999, 1, 0), CODE(29999, 5, END) }, 5, SUP_NOTE_GAVE_UP, 2 },
	{ "max-restarts 3, window 10 s, a quiet spell empties it", RESTART_ON_FAILURE, BACKOFF_MAX_MS,
	  3, 10000, NO_REMAP,
	  { CODE(FAST, 1, 0), CODE(FAST, 1, 100), CODE(FAST, 1, 200),
	    CODE(20000, 1, 0), CODE(FAST, 1, 0), CODE(FAST, 1, 100),
	    CODE(FAST, 1, END) }, 1, SUP_NOTE_GAVE_UP, 6 },
	{ "max-restarts 0 is unlimited", RESTART_ON_FAILURE, 0, 0, WINDOW_MS, NO_REMAP,
	  { CODE(FAST, 1, 0), CODE(FAST, 1, 0), CODE(FAST, 1, 0), CODE(FAST, 1, 0), CODE(FAST, 1, 0),
	    CODE(FAST, 1, 0), CODE(FAST, 1, 0), CODE(FAST, 1, 0), CODE(FAST, 1, 0), CODE(FAST, 1, 0),
	    CODE(FAST, 1, 0), CODE(FAST, 1, 0), CODE(FAST, 1, 0), CODE(FAST, 1, 0), OK(FAST) },
	  0, SUP_NOTE_NO_RESTART, 14 },
};

/* Runs one series: start, exit, group empty, then (if delayed) a timer 1 ms
 * early that must do nothing and one on the deadline that must start. */
static void run_series(const struct series *se)
{
	struct rig r;
	int64_t t = 0;
	size_t i;

	begin(se->about);
	rig_init(&r, se->policy, se->backoff_max_ms, se->max_restarts, se->window_ms, STOP_TIMEOUT_MS,
		 se->remap_code);
	for (i = 0; i < RUNS_MAX; i++) {
		const struct run *run = &se->runs[i];
		enum sup_action a;

		a = simple(&r, SUP_EV_STARTED, t);
		if (a != SUP_NONE || r.sup.state != SUP_RUNNING) {
			fail("run %zu: STARTED gave %s in %s", i + 1, action_name(a),
			     state_name(r.sup.state));
			break;
		}
		t += run->run_ms;
		a = exited(&r, t, run->code, run->sig, run->err);
		if (a != SUP_KILL_GROUP || r.sup.state != SUP_DRAINING) {
			fail("run %zu: EXITED gave %s in %s, want SUP_KILL_GROUP in DRAINING", i + 1,
			     action_name(a), state_name(r.sup.state));
			break;
		}
		a = simple(&r, SUP_EV_GROUP_EMPTY, t);
		if (run->want_delay_ms == END) {
			if (a != SUP_EXIT || r.sup.state != SUP_DONE)
				fail("run %zu: %s in %s (delay %lld), want SUP_EXIT", i + 1,
				     action_name(a), state_name(r.sup.state), (long long)r.sup.delay_ms);
			else if (r.sup.exit_code != se->exit_code || r.sup.note != se->note ||
				 r.sup.restarts != se->restarts)
				fail("exit %d, note %s, %lu restarts; want exit %d, note %s, %lu restarts",
				     r.sup.exit_code, note_name(r.sup.note), r.sup.restarts,
				     se->exit_code, note_name(se->note), se->restarts);
			break;
		}
		if (r.sup.note != SUP_NOTE_RESTART || r.sup.delay_ms != run->want_delay_ms) {
			fail("run %zu: %s, note %s, delay %lld; want a restart after %lld ms", i + 1,
			     action_name(a), note_name(r.sup.note), (long long)r.sup.delay_ms,
			     (long long)run->want_delay_ms);
			break;
		}
		if (run->want_delay_ms == 0) {
			if (a != SUP_START || r.sup.deadline_ms != -1)
				fail("run %zu: %s with deadline %lld, want SUP_START at once", i + 1,
				     action_name(a), (long long)r.sup.deadline_ms);
			continue;
		}
		/* A delayed restart: BACKOFF until the deadline, and a wake-up before it is harmless. */
		if (a != SUP_NONE || r.sup.state != SUP_BACKOFF ||
		    r.sup.deadline_ms != t + run->want_delay_ms) {
			fail("run %zu: %s in %s, deadline %lld; want SUP_NONE in BACKOFF until %lld",
			     i + 1, action_name(a), state_name(r.sup.state),
			     (long long)r.sup.deadline_ms, (long long)(t + run->want_delay_ms));
			break;
		}
		a = simple(&r, SUP_EV_TIMER, t + run->want_delay_ms - 1);
		if (a != SUP_NONE || r.sup.state != SUP_BACKOFF)
			fail("run %zu: early TIMER gave %s in %s", i + 1, action_name(a),
			     state_name(r.sup.state));
		t += run->want_delay_ms;
		a = simple(&r, SUP_EV_TIMER, t);
		if (a != SUP_START || r.sup.deadline_ms != -1) {
			fail("run %zu: TIMER at the deadline gave %s, deadline %lld", i + 1,
			     action_name(a), (long long)r.sup.deadline_ms);
			break;
		}
	}
	if (i == RUNS_MAX)
		fail("the table row has no END run");
	tally();
	rig_free(&r);
}

/* ---- scenarios: every event, every field ---------------------------------- */

#define EV_END 101	/* the end of a scenario */
#define STEPS_MAX 16

struct step {
	int64_t now_ms;
	int ev, code, sig, err;		/* the event; code, sig, err for EXITED */
	/* after it: */
	enum sup_action action;
	int state;
	int64_t deadline_ms;
	int note;
	int exit_code;			/* ANY unless SUP_EXIT */
	long restarts;
};

#define STARTED SUP_EV_STARTED, 0, 0, 0
#define FORK_FAILED SUP_EV_SPAWN_FAILED, 125, 0, 0	/* fork() failed: a stop meanwhile exits 125 */
#define READY SUP_EV_READY, 0, 0, 0
#define PING SUP_EV_WATCHDOG_PING, 0, 0, 0
#define TRIGGER SUP_EV_WATCHDOG_TRIGGER, 0, 0, 0
#define APP_STOPPING SUP_EV_APP_STOPPING, 0, 0, 0
#define EXITED(c) SUP_EV_EXITED, c, 0, 0
#define KILLED(s) SUP_EV_EXITED, 0, s, 0
#define EMPTY SUP_EV_GROUP_EMPTY, 0, 0, 0
#define STOP SUP_EV_STOP, 0, 0, 0
#define TIMER SUP_EV_TIMER, 0, 0, 0
#define DRAIN(t) ((t) + DRAIN_TIMEOUT_MS)
#define KILL(t) ((t) + KILL_GRACE_MS)

struct scenario {
	const char *about;
	enum restart_policy policy;
	int64_t stop_timeout_ms;
	int remap_code;
	struct step steps[STEPS_MAX];
	int64_t watchdog_ms;	/* 0: none */
};

static const struct scenario scenarios[] = {
	/* The watchdog (issue 6): SIGABRT at the deadline, SIGKILL after the stop
	 * timeout, and a restart whatever the app's status. */
	{ "a silent app fails its watchdog and is restarted", RESTART_ON_FAILURE, STOP_TIMEOUT_MS,
	  NO_REMAP, {
		{ 0, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ 999, TIMER, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ 1000, TIMER, SUP_ABORT, SUP_STOPPING, 11000, SUP_NOTE_WATCHDOG, ANY, 0 },
		{ 1100, KILLED(SIGABRT), SUP_KILL_GROUP, SUP_DRAINING, DRAIN(1100), SUP_NOTE_NONE, ANY, 0 },
		{ 1100, EMPTY, SUP_START, SUP_BACKOFF, -1, SUP_NOTE_RESTART, ANY, 1 },
		{ .ev = EV_END } }, 1000 },
	{ "pings keep the watchdog quiet", RESTART_ON_FAILURE, STOP_TIMEOUT_MS, NO_REMAP, {
		{ 0, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ 900, PING, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ 1000, TIMER, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ 1800, PING, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ 2700, TIMER, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ 2800, TIMER, SUP_ABORT, SUP_STOPPING, 12800, SUP_NOTE_WATCHDOG, ANY, 0 },
		{ .ev = EV_END } }, 1000 },
	{ "an app that exits 0 on SIGABRT is still restarted", RESTART_ON_FAILURE, STOP_TIMEOUT_MS,
	  NO_REMAP, {
		{ 0, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ 500, TIMER, SUP_ABORT, SUP_STOPPING, 10500, SUP_NOTE_WATCHDOG, ANY, 0 },
		{ 600, EXITED(0), SUP_KILL_GROUP, SUP_DRAINING, DRAIN(600), SUP_NOTE_NONE, ANY, 0 },
		{ 600, EMPTY, SUP_START, SUP_BACKOFF, -1, SUP_NOTE_RESTART, ANY, 1 },
		{ .ev = EV_END } }, 500 },
	{ "an app that ignores SIGABRT is killed at the stop timeout", RESTART_ON_FAILURE, 2000,
	  NO_REMAP, {
		{ 0, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ 500, TIMER, SUP_ABORT, SUP_STOPPING, 2500, SUP_NOTE_WATCHDOG, ANY, 0 },
		{ 2500, TIMER, SUP_KILL_GROUP, SUP_STOPPING, KILL(2500), SUP_NOTE_STOP_TIMEOUT, ANY, 0 },
		{ 2501, KILLED(SIGKILL), SUP_KILL_GROUP, SUP_DRAINING, DRAIN(2501), SUP_NOTE_NONE, ANY, 0 },
		{ 2501, EMPTY, SUP_START, SUP_BACKOFF, -1, SUP_NOTE_RESTART, ANY, 1 },
		{ .ev = EV_END } }, 500 },
	{ "WATCHDOG=trigger works without --watchdog", RESTART_ON_FAILURE, STOP_TIMEOUT_MS,
	  NO_REMAP, {
		{ 0, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ 50, TRIGGER, SUP_ABORT, SUP_STOPPING, 10050, SUP_NOTE_WATCHDOG, ANY, 0 },
		{ .ev = EV_END } }, 0 },
	/* STOPPING=1: the watchdog rests, the stop timeout bounds the exit (as systemd),
	 * and the app's end is judged by the restart policy: it was not our stop. */
	{ "STOPPING=1 rests the watchdog, the stop timeout bounds it", RESTART_ON_FAILURE,
	  STOP_TIMEOUT_MS, NO_REMAP, {
		{ 0, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ 100, APP_STOPPING, SUP_NONE, SUP_STOPPING, 10100, SUP_NOTE_NONE, ANY, 0 },
		{ 5000, TIMER, SUP_NONE, SUP_STOPPING, 10100, SUP_NOTE_NONE, ANY, 0 },
		{ 10100, TIMER, SUP_KILL_GROUP, SUP_STOPPING, KILL(10100), SUP_NOTE_STOP_TIMEOUT, ANY, 0 },
		{ 10101, KILLED(SIGKILL), SUP_KILL_GROUP, SUP_DRAINING, DRAIN(10101), SUP_NOTE_NONE, ANY, 0 },
		{ 10101, EMPTY, SUP_START, SUP_BACKOFF, -1, SUP_NOTE_RESTART, ANY, 1 },
		{ .ev = EV_END } }, 1000 },
	{ "STOPPING=1, then exit 0: a clean end", RESTART_ON_FAILURE, STOP_TIMEOUT_MS, NO_REMAP, {
		{ 0, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ 100, APP_STOPPING, SUP_NONE, SUP_STOPPING, 10100, SUP_NOTE_NONE, ANY, 0 },
		{ 200, EXITED(0), SUP_KILL_GROUP, SUP_DRAINING, DRAIN(200), SUP_NOTE_NONE, ANY, 0 },
		{ 200, EMPTY, SUP_EXIT, SUP_DONE, -1, SUP_NOTE_NO_RESTART, 0, 0 },
		{ .ev = EV_END } }, 0 },
	{ "a stop while the watchdog kills: exit, no restart", RESTART_ON_FAILURE, STOP_TIMEOUT_MS,
	  NO_REMAP, {
		{ 0, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ 1000, TIMER, SUP_ABORT, SUP_STOPPING, 11000, SUP_NOTE_WATCHDOG, ANY, 0 },
		{ 1050, STOP, SUP_NONE, SUP_STOPPING, 11000, SUP_NOTE_NONE, ANY, 0 },
		{ 1100, KILLED(SIGABRT), SUP_KILL_GROUP, SUP_DRAINING, DRAIN(1100), SUP_NOTE_NONE, ANY, 0 },
		{ 1100, EMPTY, SUP_EXIT, SUP_DONE, -1, SUP_NOTE_STOPPED, 134, 0 },
		{ .ev = EV_END } }, 1000 },
	{ "-r never: a failed watchdog ends tinyhold", RESTART_NEVER, STOP_TIMEOUT_MS, NO_REMAP, {
		{ 0, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ 1000, TIMER, SUP_ABORT, SUP_STOPPING, 11000, SUP_NOTE_WATCHDOG, ANY, 0 },
		{ 1100, KILLED(SIGABRT), SUP_KILL_GROUP, SUP_DRAINING, DRAIN(1100), SUP_NOTE_NONE, ANY, 0 },
		{ 1100, EMPTY, SUP_EXIT, SUP_DONE, -1, SUP_NOTE_NO_RESTART, 134, 0 },
		{ .ev = EV_END } }, 1000 },
	/* READY=1 means healthy: the next crash is a first crash, restarted at once (as s6). */
	{ "READY=1 resets the back-off", RESTART_ON_FAILURE, STOP_TIMEOUT_MS, NO_REMAP, {
		{ 0, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ 10, EXITED(1), SUP_KILL_GROUP, SUP_DRAINING, DRAIN(10), SUP_NOTE_NONE, ANY, 0 },
		{ 10, EMPTY, SUP_START, SUP_BACKOFF, -1, SUP_NOTE_RESTART, ANY, 1 },
		{ 10, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 1 },
		{ 20, EXITED(1), SUP_KILL_GROUP, SUP_DRAINING, DRAIN(20), SUP_NOTE_NONE, ANY, 1 },
		{ 20, EMPTY, SUP_NONE, SUP_BACKOFF, 120, SUP_NOTE_RESTART, ANY, 2 },
		{ 120, TIMER, SUP_START, SUP_BACKOFF, -1, SUP_NOTE_NONE, ANY, 2 },
		{ 120, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 2 },
		{ 130, READY, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 2 },
		{ 140, EXITED(1), SUP_KILL_GROUP, SUP_DRAINING, DRAIN(140), SUP_NOTE_NONE, ANY, 2 },
		{ 140, EMPTY, SUP_START, SUP_BACKOFF, -1, SUP_NOTE_RESTART, ANY, 3 },
		{ .ev = EV_END } }, 0 },
	/* Out of pids: wait FORK_RETRY_MS even with --backoff-max 0, so a failing
	 * fork() cannot turn into a busy loop (or a recursion in main.c). */
	{ "a failed fork waits a second, then starts again", RESTART_ON_FAILURE, STOP_TIMEOUT_MS,
	  NO_REMAP, {
		{ 0, FORK_FAILED, SUP_NONE, SUP_BACKOFF, FORK_RETRY_MS, SUP_NOTE_NONE, ANY, 0 },
		{ FORK_RETRY_MS - 1, TIMER, SUP_NONE, SUP_BACKOFF, FORK_RETRY_MS, SUP_NOTE_NONE, ANY, 0 },
		{ FORK_RETRY_MS, TIMER, SUP_START, SUP_BACKOFF, -1, SUP_NOTE_NONE, ANY, 0 },
		{ FORK_RETRY_MS, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ .ev = EV_END } }, 0 },
	{ "a stop while fork() keeps failing exits 125", RESTART_ON_FAILURE, STOP_TIMEOUT_MS,
	  NO_REMAP, {
		{ 0, FORK_FAILED, SUP_NONE, SUP_BACKOFF, FORK_RETRY_MS, SUP_NOTE_NONE, ANY, 0 },
		{ 10, STOP, SUP_EXIT, SUP_DONE, -1, SUP_NOTE_STOPPED, 125, 0 },
		{ .ev = EV_END } }, 0 },
	{ "a cooperating app stops on SIGTERM", RESTART_ON_FAILURE, STOP_TIMEOUT_MS, NO_REMAP, {
		{ 0, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		/* Stop: the signal is forwarded by main.c; here the grace period starts. */
		{ 1000, STOP, SUP_NONE, SUP_STOPPING, 11000, SUP_NOTE_NONE, ANY, 0 },
		{ 1500, KILLED(SIGTERM), SUP_KILL_GROUP, SUP_DRAINING, DRAIN(1500), SUP_NOTE_NONE, ANY, 0 },
		{ 1500, EMPTY, SUP_EXIT, SUP_DONE, -1, SUP_NOTE_STOPPED, 143, 0 },
		{ .ev = EV_END } }, 0 },
	{ "an app that ignores SIGTERM is killed at the stop timeout", RESTART_ON_FAILURE,
	  STOP_TIMEOUT_MS, NO_REMAP, {
		{ 0, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ 1000, STOP, SUP_NONE, SUP_STOPPING, 11000, SUP_NOTE_NONE, ANY, 0 },
		/* A second SIGTERM must not push the deadline back. */
		{ 5000, STOP, SUP_NONE, SUP_STOPPING, 11000, SUP_NOTE_NONE, ANY, 0 },
		{ 10999, TIMER, SUP_NONE, SUP_STOPPING, 11000, SUP_NOTE_NONE, ANY, 0 },
		{ 11000, TIMER, SUP_KILL_GROUP, SUP_STOPPING, KILL(11000), SUP_NOTE_STOP_TIMEOUT, ANY, 0 },
		{ 11001, KILLED(SIGKILL), SUP_KILL_GROUP, SUP_DRAINING, DRAIN(11001), SUP_NOTE_NONE, ANY, 0 },
		/* 124, not 137: our SIGKILL at the stop timeout, told apart from an engine's. */
		{ 11002, EMPTY, SUP_EXIT, SUP_DONE, -1, SUP_NOTE_STOPPED, 124, 0 },
		{ .ev = EV_END } }, 0 },
	{ "stop timeout 0 kills at once", RESTART_ON_FAILURE, 0, NO_REMAP, {
		{ 0, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ 1000, STOP, SUP_NONE, SUP_STOPPING, 1000, SUP_NOTE_NONE, ANY, 0 },
		{ 1000, TIMER, SUP_KILL_GROUP, SUP_STOPPING, KILL(1000), SUP_NOTE_STOP_TIMEOUT, ANY, 0 },
		{ 1001, KILLED(SIGKILL), SUP_KILL_GROUP, SUP_DRAINING, DRAIN(1001), SUP_NOTE_NONE, ANY, 0 },
		{ 1001, EMPTY, SUP_EXIT, SUP_DONE, -1, SUP_NOTE_STOPPED, 124, 0 },
		{ .ev = EV_END } }, 0 },
	/* Issue 9: whatever tinyhold kills, it keeps a deadline until the app is reaped. */
	{ "an app that outlives our SIGKILL: a stop ends without it, 124", RESTART_ON_FAILURE, 0,
	  NO_REMAP, {
		{ 0, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ 1000, STOP, SUP_NONE, SUP_STOPPING, 1000, SUP_NOTE_NONE, ANY, 0 },
		{ 1000, TIMER, SUP_KILL_GROUP, SUP_STOPPING, KILL(1000), SUP_NOTE_STOP_TIMEOUT, ANY, 0 },
		{ 5999, TIMER, SUP_NONE, SUP_STOPPING, KILL(1000), SUP_NOTE_NONE, ANY, 0 },
		{ 6000, TIMER, SUP_EXIT, SUP_DONE, -1, SUP_NOTE_UNKILLABLE, 124, 0 },
		{ .ev = EV_END } }, 0 },
	{ "an app that outlives the watchdog's SIGKILL is killed again, and restarted once reaped",
	  RESTART_ON_FAILURE, 1000, NO_REMAP, {
		{ 0, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ 500, TIMER, SUP_ABORT, SUP_STOPPING, 1500, SUP_NOTE_WATCHDOG, ANY, 0 },
		{ 1500, TIMER, SUP_KILL_GROUP, SUP_STOPPING, KILL(1500), SUP_NOTE_STOP_TIMEOUT, ANY, 0 },
		{ 6500, TIMER, SUP_KILL_GROUP, SUP_STOPPING, KILL(6500), SUP_NOTE_UNKILLABLE, ANY, 0 },
		{ 7000, KILLED(SIGKILL), SUP_KILL_GROUP, SUP_DRAINING, DRAIN(7000), SUP_NOTE_NONE, ANY, 0 },
		{ 7000, EMPTY, SUP_START, SUP_BACKOFF, -1, SUP_NOTE_RESTART, ANY, 1 },
		{ .ev = EV_END } }, 500 },
	/* After a stop, no restart: even a failing status is passed on, not retried. */
	{ "an app that fails while stopping is not restarted", RESTART_ALWAYS, STOP_TIMEOUT_MS,
	  NO_REMAP, {
		{ 0, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ 2000, STOP, SUP_NONE, SUP_STOPPING, 12000, SUP_NOTE_NONE, ANY, 0 },
		{ 2100, EXITED(1), SUP_KILL_GROUP, SUP_DRAINING, DRAIN(2100), SUP_NOTE_NONE, ANY, 0 },
		{ 2100, EMPTY, SUP_EXIT, SUP_DONE, -1, SUP_NOTE_STOPPED, 1, 0 },
		{ .ev = EV_END } }, 0 },
	{ "an app that exits 0 on SIGTERM", RESTART_ON_FAILURE, STOP_TIMEOUT_MS, NO_REMAP, {
		{ 0, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ 2000, STOP, SUP_NONE, SUP_STOPPING, 12000, SUP_NOTE_NONE, ANY, 0 },
		{ 2100, EXITED(0), SUP_KILL_GROUP, SUP_DRAINING, DRAIN(2100), SUP_NOTE_NONE, ANY, 0 },
		{ 2100, EMPTY, SUP_EXIT, SUP_DONE, -1, SUP_NOTE_STOPPED, 0, 0 },
		{ .ev = EV_END } }, 0 },
	{ "remap 143: a stopped JVM exits 0", RESTART_ON_FAILURE, STOP_TIMEOUT_MS, 143, {
		{ 0, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ 2000, STOP, SUP_NONE, SUP_STOPPING, 12000, SUP_NOTE_NONE, ANY, 0 },
		{ 2100, EXITED(143), SUP_KILL_GROUP, SUP_DRAINING, DRAIN(2100), SUP_NOTE_NONE, ANY, 0 },
		{ 2100, EMPTY, SUP_EXIT, SUP_DONE, -1, SUP_NOTE_STOPPED, 0, 0 },
		{ .ev = EV_END } }, 0 },
	/* Nothing runs during a back-off: a stop ends tinyhold at once with the last status. */
	{ "stop during BACKOFF exits at once", RESTART_ON_FAILURE, STOP_TIMEOUT_MS, NO_REMAP, {
		{ 0, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ 100, KILLED(SIGSEGV), SUP_KILL_GROUP, SUP_DRAINING, DRAIN(100), SUP_NOTE_NONE, ANY, 0 },
		{ 100, EMPTY, SUP_START, ANY, -1, SUP_NOTE_RESTART, ANY, 1 },
		{ 100, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 1 },
		{ 200, EXITED(3), SUP_KILL_GROUP, SUP_DRAINING, DRAIN(200), SUP_NOTE_NONE, ANY, 1 },
		{ 200, EMPTY, SUP_NONE, SUP_BACKOFF, 300, SUP_NOTE_RESTART, ANY, 2 },
		{ 250, STOP, SUP_EXIT, SUP_DONE, -1, SUP_NOTE_STOPPED, 3, 2 },
		/* Late events change nothing once DONE. */
		{ 300, TIMER, SUP_NONE, SUP_DONE, -1, SUP_NOTE_NONE, ANY, 2 },
		{ 300, STOP, SUP_NONE, SUP_DONE, -1, SUP_NOTE_NONE, ANY, 2 },
		{ 300, EXITED(9), SUP_NONE, SUP_DONE, -1, SUP_NOTE_NONE, ANY, 2 },
		{ .ev = EV_END } }, 0 },
	{ "stop during BACKOFF after a signal death", RESTART_ON_FAILURE, STOP_TIMEOUT_MS, NO_REMAP, {
		{ 0, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ 10, KILLED(SIGABRT), SUP_KILL_GROUP, SUP_DRAINING, DRAIN(10), SUP_NOTE_NONE, ANY, 0 },
		{ 10, EMPTY, SUP_START, ANY, -1, SUP_NOTE_RESTART, ANY, 1 },
		{ 10, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 1 },
		{ 20, KILLED(SIGSEGV), SUP_KILL_GROUP, SUP_DRAINING, DRAIN(20), SUP_NOTE_NONE, ANY, 1 },
		{ 20, EMPTY, SUP_NONE, SUP_BACKOFF, 120, SUP_NOTE_RESTART, ANY, 2 },
		{ 119, STOP, SUP_EXIT, SUP_DONE, -1, SUP_NOTE_STOPPED, 139, 2 },
		{ .ev = EV_END } }, 0 },
	/* The app is gone but its group is not: the stop waits for the group, then exits. */
	{ "stop during DRAINING exits after GROUP_EMPTY", RESTART_ON_FAILURE, STOP_TIMEOUT_MS,
	  NO_REMAP, {
		{ 0, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ 5000, EXITED(1), SUP_KILL_GROUP, SUP_DRAINING, DRAIN(5000), SUP_NOTE_NONE, ANY, 0 },
		{ 5100, STOP, SUP_NONE, SUP_DRAINING, DRAIN(5000), SUP_NOTE_NONE, ANY, 0 },
		{ 5200, EMPTY, SUP_EXIT, SUP_DONE, -1, SUP_NOTE_STOPPED, 1, 0 },
		{ .ev = EV_END } }, 0 },
	{ "stop during DRAINING whose group never empties", RESTART_ON_FAILURE, STOP_TIMEOUT_MS,
	  NO_REMAP, {
		{ 0, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ 5000, KILLED(SIGKILL), SUP_KILL_GROUP, SUP_DRAINING, DRAIN(5000), SUP_NOTE_NONE, ANY, 0 },
		{ 5100, STOP, SUP_NONE, SUP_DRAINING, DRAIN(5000), SUP_NOTE_NONE, ANY, 0 },
		{ DRAIN(5000), TIMER, SUP_EXIT, SUP_DONE, -1, SUP_NOTE_STOPPED, 137, 0 },
		{ .ev = EV_END } }, 0 },
	/* A leftover stuck in D state must not block the restart forever. */
	{ "the drain timeout restarts without the leftovers", RESTART_ON_FAILURE, STOP_TIMEOUT_MS,
	  NO_REMAP, {
		{ 0, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ 2000, EXITED(1), SUP_KILL_GROUP, SUP_DRAINING, DRAIN(2000), SUP_NOTE_NONE, ANY, 0 },
		{ DRAIN(2000) - 1, TIMER, SUP_NONE, SUP_DRAINING, DRAIN(2000), SUP_NOTE_NONE, ANY, 0 },
		{ DRAIN(2000), TIMER, SUP_START, ANY, -1, SUP_NOTE_RESTART, ANY, 1 },
		{ DRAIN(2000), STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 1 },
		/* The old group empties later: not a reason to start twice. */
		{ DRAIN(2100), EMPTY, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 1 },
		{ .ev = EV_END } }, 0 },
	/* Events that do not belong to the state are ignored. */
	{ "stray events while RUNNING", RESTART_ON_FAILURE, STOP_TIMEOUT_MS, NO_REMAP, {
		{ 0, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ 100, EMPTY, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ 200, TIMER, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ 300, KILLED(SIGTERM), SUP_KILL_GROUP, SUP_DRAINING, DRAIN(300), SUP_NOTE_NONE, ANY, 0 },
		/* A second EXITED while draining (it cannot happen, but must not count twice). */
		{ 301, EXITED(1), SUP_NONE, SUP_DRAINING, DRAIN(300), SUP_NOTE_NONE, ANY, 0 },
		{ 302, EMPTY, SUP_EXIT, SUP_DONE, -1, SUP_NOTE_NO_RESTART, 143, 0 },
		{ .ev = EV_END } }, 0 },
	{ "stray events during BACKOFF", RESTART_ON_FAILURE, STOP_TIMEOUT_MS, NO_REMAP, {
		{ 0, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ 10, EXITED(1), SUP_KILL_GROUP, SUP_DRAINING, DRAIN(10), SUP_NOTE_NONE, ANY, 0 },
		{ 10, EMPTY, SUP_START, ANY, -1, SUP_NOTE_RESTART, ANY, 1 },
		{ 10, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 1 },
		{ 20, EXITED(1), SUP_KILL_GROUP, SUP_DRAINING, DRAIN(20), SUP_NOTE_NONE, ANY, 1 },
		{ 20, EMPTY, SUP_NONE, SUP_BACKOFF, 120, SUP_NOTE_RESTART, ANY, 2 },
		{ 30, EMPTY, SUP_NONE, SUP_BACKOFF, 120, SUP_NOTE_NONE, ANY, 2 },
		{ 40, EXITED(1), SUP_NONE, SUP_BACKOFF, 120, SUP_NOTE_NONE, ANY, 2 },
		{ 119, TIMER, SUP_NONE, SUP_BACKOFF, 120, SUP_NOTE_NONE, ANY, 2 },
		{ 120, TIMER, SUP_START, ANY, -1, SUP_NOTE_NONE, ANY, 2 },
		{ 120, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 2 },
		{ .ev = EV_END } }, 0 },
	/* The restart count is what the app sees as TINYHOLD_RESTARTS. */
	{ "restarts count every restart", RESTART_ALWAYS, STOP_TIMEOUT_MS, NO_REMAP, {
		{ 0, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 0 },
		{ 5000, EXITED(0), SUP_KILL_GROUP, SUP_DRAINING, DRAIN(5000), SUP_NOTE_NONE, ANY, 0 },
		{ 5000, EMPTY, SUP_START, ANY, -1, SUP_NOTE_RESTART, ANY, 1 },
		{ 5000, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 1 },
		{ 10000, KILLED(SIGTERM), SUP_KILL_GROUP, SUP_DRAINING, DRAIN(10000), SUP_NOTE_NONE, ANY, 1 },
		{ 10000, EMPTY, SUP_START, ANY, -1, SUP_NOTE_RESTART, ANY, 2 },
		{ 10000, STARTED, SUP_NONE, SUP_RUNNING, -1, SUP_NOTE_NONE, ANY, 2 },
		{ 12000, STOP, SUP_NONE, SUP_STOPPING, 22000, SUP_NOTE_NONE, ANY, 2 },
		{ 12001, KILLED(SIGTERM), SUP_KILL_GROUP, SUP_DRAINING, DRAIN(12001), SUP_NOTE_NONE, ANY, 2 },
		{ 12001, EMPTY, SUP_EXIT, SUP_DONE, -1, SUP_NOTE_STOPPED, 143, 2 },
		{ .ev = EV_END } }, 0 },
};

static void run_scenario(const struct scenario *sc)
{
	struct rig r;
	size_t i;

	begin(sc->about);
	rig_init(&r, sc->policy, BACKOFF_MAX_MS, 0, WINDOW_MS, sc->stop_timeout_ms, sc->remap_code);
	r.sup.cfg.watchdog_ms = sc->watchdog_ms;
	for (i = 0; i < STEPS_MAX && sc->steps[i].ev != EV_END; i++) {
		const struct step *st = &sc->steps[i];
		struct sup_event ev = { (enum sup_event_kind)st->ev, st->code, st->sig,
					st->err ? spawn_failed_code(SPAWN_EXEC, st->err) : 0 };
		enum sup_action a = sup_step(&r.sup, &ev, st->now_ms);

		if (a != st->action || (st->state != ANY && (int)r.sup.state != st->state) ||
		    r.sup.deadline_ms != st->deadline_ms || (int)r.sup.note != st->note ||
		    (st->exit_code != ANY && r.sup.exit_code != st->exit_code) ||
		    (long)r.sup.restarts != st->restarts) {
			fail("step %zu (t=%lld): %s, %s, deadline %lld, note %s, exit %d, %lu restarts;"
			     " want %s, %s, deadline %lld, note %s, exit %d, %ld restarts", i + 1,
			     (long long)st->now_ms, action_name(a), state_name(r.sup.state),
			     (long long)r.sup.deadline_ms, note_name(r.sup.note), r.sup.exit_code,
			     r.sup.restarts, action_name(st->action),
			     st->state == ANY ? "any state" : state_name(st->state),
			     (long long)st->deadline_ms, note_name(st->note), st->exit_code, st->restarts);
			break;
		}
	}
	if (i == STEPS_MAX)
		fail("the table row has no EV_END step");
	tally();
	rig_free(&r);
}

/* -n: one status from each instance's (issue 10), by the documented rule. */
static void test_combined(void)
{
	static const struct {
		const char *about;
		int codes[4];
		size_t n;
		int gave_up;
		int want;
	} rows[] = {
		{ "one instance: its own status", { 42 }, 1, -1, 42 },
		{ "all 0", { 0, 0, 0 }, 3, -1, 0 },
		{ "the first non-zero in instance order", { 0, 3, 5 }, 3, -1, 3 },
		{ "... whichever ended first", { 143, 0, 1 }, 3, -1, 143 },
		{ "remapped codes arrive as 0", { 0, 0, 5 }, 3, -1, 5 },
		{ "the instance that used up the crash budget wins", { 0, 143, 134 }, 3, 2, 134 },
		{ "... even over an earlier non-zero", { 1, 0, 139, 0 }, 4, 2, 139 },
		{ "a gave_up past the instances is ignored", { 0, 7 }, 2, 5, 7 },
	};
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		int got = sup_combined_code(rows[i].codes, rows[i].n, rows[i].gave_up);
		check(got == rows[i].want, "%s: %d, want %d", rows[i].about, got, rows[i].want);
	}
}

int main(void)
{
	size_t i;

	run_pure_tables();
	test_combined();
	for (i = 0; i < sizeof series / sizeof series[0]; i++)
		run_series(&series[i]);
	for (i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++)
		run_scenario(&scenarios[i]);

	return check_summary();
}
