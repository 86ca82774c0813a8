/* pool: the policy of the app's instances as one pure machine. It owns every
 * slot's supervisor (supervise.c), the role of each slot, the rolling reload's
 * cursor, "a give-up stops them all", and the status tinyhold exits with.
 * pool_step() takes one event and the time, and leaves what is to be done in
 * the slots' effect fields and in notes for the log: no syscalls, no clock,
 * so tests/unit/pool_test.c drives it with tables. instances.c carries the
 * effects out and turns them back into events (STARTED, GROUP_EMPTY, ...).
 *
 * One way to stop an instance, whatever the cause (a stop signal, a give-up,
 * a reload's old instance, a replacement that never became ready): its
 * supervisor's STOP or RETIRE, which is the stop signal, --stop-timeout,
 * SIGKILL to the group and the pid, and the kill grace. */
#ifndef TINYHOLD_POOL_H
#define TINYHOLD_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "supervise.h"

#define POOL_RETIRING_MAX 4	/* old instances being stopped after reloads at once */
#define POOL_SLOTS_EXTRA (1 + POOL_RETIRING_MAX)	/* beside the instances: a new one, old ones */
#define POOL_NOTES_MAX 8	/* what one step says beside the supervisors' notes */

enum pool_role {
	POOL_FREE,
	POOL_SERVING,	/* instance `index`: exactly one slot serves each index, always */
	POOL_NEW,	/* a reload's replacement for `index`, until its READY=1 */
	POOL_RETIRING,	/* on its way out; its end frees the slot */
};

struct pool_slot {
	enum pool_role role;
	int index;		/* the instance (TINYHOLD_INSTANCE) it runs or replaces */
	struct sup sup;		/* of every slot but a free one */
	enum sup_note note;	/* its supervisor's note in the last step, to log; or NONE */
	bool ready;		/* said READY=1 since its start (pool_ready) */
	/* Effects: what the executor does for this slot after the step, then clears
	 * (pool_slot_clear_effects). In this order: */
	int send_signo;		/* a stop signal for the app (the group with -g), or 0 */
	bool abort;		/* SIGABRT the main process (the watchdog) */
	bool kill;		/* SIGKILL its process group and its main process if unreaped */
	bool promote;		/* it now serves `index`: the terminal's foreground is its */
	bool start;		/* spawn it, then step POOL_EV_STARTED or POOL_EV_SPAWN_FAILED */
	bool free_it;		/* it is free: close what it owns */
};

enum pool_ev_kind {
	POOL_EV_STARTED,	/* slot: the start asked for was carried out */
	POOL_EV_SPAWN_FAILED,	/* slot: ... failed; exit.exit_code is what a stop exits with */
	POOL_EV_EXITED,		/* slot: its main process was reaped; exit holds the status */
	POOL_EV_GROUP_EMPTY,	/* slot: nothing is left of its process group */
	POOL_EV_READY,		/* slot said READY=1 */
	POOL_EV_APP_STOPPING,	/* slot said STOPPING=1 */
	POOL_EV_WATCHDOG_PING,	/* slot said WATCHDOG=1 */
	POOL_EV_WATCHDOG_TRIGGER,	/* slot said WATCHDOG=trigger */
	POOL_EV_STOP,		/* a stop signal for tinyhold: signo */
	POOL_EV_RELOAD,		/* replace every instance, one after the other */
	POOL_EV_TIMER,		/* a deadline may have passed */
};

struct pool_ev {
	enum pool_ev_kind kind;
	int slot;
	int signo;		/* STOP */
	struct sup_event exit;	/* EXITED, SPAWN_FAILED */
};

enum pool_note_kind {
	POOL_NOTE_STOPPING,		/* got signo: arg running instances, slot one of them */
	POOL_NOTE_RELOAD_BUSY,		/* reload ignored: one is under way */
	POOL_NOTE_RELOAD_STOPPING,	/* reload ignored: tinyhold is stopping */
	POOL_NOTE_NOT_RUNNING,		/* arg: the instance was not running; not replaced */
	POOL_NOTE_RETIRING_FULL,	/* reload ignored: POOL_RETIRING_MAX still stopping */
	POOL_NOTE_WAITING,		/* slot: the replacement runs; other: the one it replaces */
	POOL_NOTE_SPAWN_FAILED,		/* other: cannot start a replacement for it */
	POOL_NOTE_NOT_READY,		/* slot: no READY=1 in time, retired; other: kept */
	POOL_NOTE_DIED,			/* slot: the replacement ended first; other: kept */
	POOL_NOTE_TOOK_OVER,		/* slot: the replacement took over; other: it ended */
	POOL_NOTE_REPLACED,		/* slot: the replacement is ready; other: retired */
	POOL_NOTE_ROLLING_STOPPED,	/* arg: the instance the rolling reload stopped at */
	POOL_NOTE_ROLLING_DONE,		/* arg: instances replaced, of cfg.instances */
	POOL_NOTE_DRAIN_TIMEOUT,	/* slot: its group outlived DRAIN_TIMEOUT_MS */
	POOL_NOTE_DRAINING,		/* got signo: the app serves on for --drain, then stops */
	POOL_NOTE_DRAIN_OVER,		/* --drain has passed: the stop goes on */
};

struct pool_note {
	enum pool_note_kind kind;
	int slot, other;
	int arg;
	int signo;		/* STOPPING, DRAINING: what tinyhold got */
	int sent;		/* STOPPING: what the instances get (--stop-signal) */
};

struct pool_config {
	int instances;		/* N: slots 0..N-1 serve them first */
	size_t nslots;		/* N + POOL_SLOTS_EXTRA */
	int64_t ready_timeout_ms;	/* a replacement's READY=1 deadline */
	int stop_signal;	/* what an instance gets when tinyhold stops it (--stop-signal) */
	int64_t drain_ms;	/* --drain: after SIGTERM, serve on this long; 0: stop at once */
	bool notify;		/* --notify: an instance is ready once it says READY=1 */
	struct sup_config sup;
};

struct pool {
	struct pool_config cfg;
	struct pool_slot *slots;	/* nslots */
	struct sup_window window;	/* --max-restarts: one budget for all instances */
	int rolling;		/* the instance a rolling reload replaces next, or -1 */
	int replacing;		/* the slot of the replacement awaited, or -1 */
	int64_t ready_due_ms;	/* its READY=1 deadline, or -1 */
	int replaced, skipped;	/* in this rolling reload */
	bool stopping;		/* for good: no more reloads */
	bool draining;		/* --drain after SIGTERM: not ready, serving until drain_due_ms */
	int64_t drain_due_ms;	/* or -1 */
	bool release_held;	/* effect: close tinyhold's copies of the held sockets, once the
				 * stop is for good: they live as long as the app keeps them */
	int gave_up;		/* the instance whose crash loop ended it all, or -1 */
	bool exit_due;		/* every instance is done: exit with exit_code */
	int exit_code;
	int *codes;		/* instances: scratch for each one's exit status */
	struct pool_note notes[POOL_NOTES_MAX];
	size_t nnotes;		/* of the last step */
};

/* slots: cfg->nslots of them; window_ring: cfg->sup.max_restarts entries (NULL
 * when 0); codes: cfg->instances entries. Slots 0..N-1 serve instances 0..N-1
 * and are due to start. */
void pool_init(struct pool *p, const struct pool_config *cfg, struct pool_slot *slots,
	       int64_t *window_ring, int *codes);

/* One event; its effects are in the slots, its notes in p->notes. */
void pool_step(struct pool *p, const struct pool_ev *ev, int64_t now_ms);

/* The executor did what the slot's effect fields said. */
void pool_slot_clear_effects(struct pool_slot *s);

/* The next deadline of any slot or of the reload, or -1. */
int64_t pool_due_ms(const struct pool *p);

/* The slot serving instance index (always one), or -1 for a bad index. */
int pool_serving(const struct pool *p, int index);

/* Whether the slot's process group is being drained: look whether it is empty. */
bool pool_draining(const struct pool *p, int slot);

/* What an instance gets when tinyhold stops it on signo: --stop-signal for
 * SIGTERM (the engine's stop) and for tinyhold's own stops (signo 0: a
 * give-up, a reload's old instance); SIGINT and SIGQUIT as they came. */
int pool_stop_signal(const struct pool *p, int signo);

/* Whether a slot's process runs (started, not yet reaped or being stopped). */
bool pool_live(const struct pool *p, int slot);

/* Whether the app can take traffic (GET /ready): an instance runs and, with
 * --notify, has said READY=1 since its start; tinyhold is not draining, not
 * stopping and has not given up. */
bool pool_ready(const struct pool *p);

/* Whether tinyhold still supervises (GET /live): not stopping, not given up. */
bool pool_supervising(const struct pool *p);

#endif
