/* pool: the instances' policy, pure; see pool.h. Every rule about more than
 * one slot lives here: who serves which instance, the rolling reload, the
 * give-up that stops everything, when tinyhold is done and with which status. */
#include "pool.h"
#include "deadline.h"

#include <signal.h>
#include <string.h>

void pool_slot_clear_effects(struct pool_slot *s)
{
	s->send_signo = 0;
	s->abort = s->kill = s->promote = s->start = s->free_it = false;
	s->note = SUP_NOTE_NONE;
}

void pool_init(struct pool *p, const struct pool_config *cfg, struct pool_slot *slots,
	       int64_t *window_ring, int *codes)
{
	size_t k;

	memset(p, 0, sizeof *p);
	p->cfg = *cfg;
	p->slots = slots;
	p->window.recent = window_ring;
	p->codes = codes;
	p->rolling = p->replacing = p->gave_up = -1;
	p->ready_due_ms = p->drain_due_ms = -1;
	for (k = 0; k < cfg->nslots; k++) {
		struct pool_slot *s = &slots[k];
		memset(s, 0, sizeof *s);
		s->role = POOL_FREE;
		if (k < (size_t)cfg->instances) {
			s->role = POOL_SERVING;
			s->index = (int)k;
			s->start = true;
			sup_init(&s->sup, &cfg->sup, &p->window);
		}
	}
}

static void note(struct pool *p, enum pool_note_kind kind, int slot, int other, int arg)
{
	if (p->nnotes < POOL_NOTES_MAX)
		p->notes[p->nnotes++] = (struct pool_note){ kind, slot, other, arg, 0, 0 };
}

static size_t count_role(const struct pool *p, enum pool_role role)
{
	size_t k, n = 0;

	for (k = 0; k < p->cfg.nslots; k++)
		n += p->slots[k].role == role;
	return n;
}

int pool_serving(const struct pool *p, int index)
{
	size_t k;

	for (k = 0; k < p->cfg.nslots; k++)
		if (p->slots[k].role == POOL_SERVING && p->slots[k].index == index)
			return (int)k;
	return -1;
}

bool pool_draining(const struct pool *p, int slot)
{
	return p->slots[slot].role != POOL_FREE && sup_state(&p->slots[slot].sup) == SUP_DRAINING;
}

bool pool_live(const struct pool *p, int slot)
{
	const struct pool_slot *s = &p->slots[slot];

	return s->role != POOL_FREE &&
	       (sup_state(&s->sup) == SUP_RUNNING || sup_state(&s->sup) == SUP_STOPPING);
}

static void check_exit(struct pool *p);
static void roll(struct pool *p);
static void stop_all(struct pool *p, int signo, int64_t now);

/* Carries a supervisor's answer into the slot's effects. */
static void apply(struct pool *p, int k, enum sup_action a)
{
	struct pool_slot *s = &p->slots[k];

	if (sup_note(&s->sup) != SUP_NOTE_NONE)
		s->note = sup_note(&s->sup);
	switch (a) {
	case SUP_NONE:
		return;
	case SUP_START:
		s->start = true;
		return;
	case SUP_KILL_GROUP:
		s->kill = true;
		return;
	case SUP_ABORT:
		s->abort = true;
		return;
	case SUP_EXIT:
		s->start = false;	/* a stop may end a start that was due */
		if (s->role != POOL_SERVING) {
			/* Retired: the slot is free, and a rolling reload may go on. */
			s->role = POOL_FREE;
			s->free_it = true;
			roll(p);
		} else if (sup_note(&s->sup) == SUP_NOTE_GAVE_UP && p->gave_up < 0) {
			/* A crash loop used up the budget of all: all of them stop, once this
			 * step is through (pool_step). */
			p->gave_up = s->index;
		}
		check_exit(p);
		return;
	}
}

static void step_sup(struct pool *p, int k, enum sup_event_kind kind, int64_t now)
{
	struct sup_event ev = { .kind = kind };

	apply(p, k, sup_step(&p->slots[k].sup, &ev, now));
}

/* The one way to stop a slot for good: its supervisor's STOP or RETIRE. The
 * stop signal goes to a process that runs; SIGKILL follows at the timeout. */
static void stop_slot(struct pool *p, int k, enum sup_event_kind kind, int signo, int64_t now)
{
	struct pool_slot *s = &p->slots[k];

	if (signo > 0 && pool_live(p, k))
		s->send_signo = signo;
	step_sup(p, k, kind, now);
}

int pool_stop_signal(const struct pool *p, int signo)
{
	return signo == 0 || signo == SIGTERM ? p->cfg.stop_signal : signo;
}

/* k is stopped with signo (0: it has ended) and never restarted: its end
 * frees the slot. */
static void retire(struct pool *p, int k, int signo, int64_t now)
{
	p->slots[k].role = POOL_RETIRING;
	stop_slot(p, k, SUP_EV_RETIRE, signo, now);
}

/* The reload under way failed: the instances not yet replaced run as before. */
static void reload_failed(struct pool *p)
{
	p->replacing = -1;
	p->ready_due_ms = -1;
	if (p->rolling >= 0 && p->cfg.instances > 1)
		note(p, POOL_NOTE_ROLLING_STOPPED, -1, -1, p->rolling);
	p->rolling = -1;
}

/* The replacement n serves its instance from now on, with the restart count
 * and crash-loop memory of the one it replaces. */
static void promote(struct pool *p, int n, int old, int64_t now)
{
	struct pool_slot *ns = &p->slots[n];

	ns->sup = p->slots[old].sup;
	ns->role = POOL_SERVING;
	ns->promote = true;
	step_sup(p, n, SUP_EV_STARTED, now);
	p->replacing = -1;
	p->ready_due_ms = -1;
	p->replaced++;
	p->rolling++;
}

/* The next step of a rolling reload, if it may be taken now: each waits until
 * the one it replaced is gone, so that at most N+1 run. */
static void roll(struct pool *p)
{
	while (p->rolling >= 0 && p->replacing < 0 && !p->stopping) {
		int old, n;

		if (p->rolling >= p->cfg.instances) {
			if (p->cfg.instances > 1)
				note(p, POOL_NOTE_ROLLING_DONE, -1, -1, p->replaced);
			p->rolling = -1;
			return;
		}
		if (p->replaced > 0 && count_role(p, POOL_RETIRING) > 0)
			return;	/* the slot that frees comes back here */
		old = pool_serving(p, p->rolling);
		if (old < 0 || sup_state(&p->slots[old].sup) != SUP_RUNNING) {
			note(p, POOL_NOTE_NOT_RUNNING, old, -1, p->rolling);
			p->skipped++;
			p->rolling = p->cfg.instances > 1 ? p->rolling + 1 : -1;
			continue;
		}
		if (count_role(p, POOL_RETIRING) >= POOL_RETIRING_MAX) {
			/* Each old instance gets its --stop-timeout: no room to retire one. */
			note(p, POOL_NOTE_RETIRING_FULL, -1, -1, POOL_RETIRING_MAX);
			reload_failed(p);
			return;
		}
		for (n = 0; (size_t)n < p->cfg.nslots && p->slots[n].role != POOL_FREE; n++)
			;
		if ((size_t)n == p->cfg.nslots)
			return;	/* cannot be: N serve, one is new, the rest are retiring */
		p->slots[n].role = POOL_NEW;
		p->slots[n].index = p->rolling;
		p->slots[n].sup = p->slots[old].sup;	/* TINYHOLD_RESTARTS goes on */
		sup_start_due(&p->slots[n].sup);	/* not the old one's RUNNING: a stop in this pass ends it */
		p->slots[n].start = true;
		p->replacing = n;
		return;
	}
}

/* A stop for good, on signo (0: tinyhold's own, a give-up): the drain and
 * the reload end, every instance gets its stop signal, and the held sockets
 * are let go: from now on they live as long as the app keeps them, so that
 * an app that closes its listener makes new connects refused at once, as
 * without tinyhold, instead of queued where nobody will accept them. */
static void stop_all(struct pool *p, int signo, int64_t now)
{
	size_t k;

	if (!p->stopping)
		p->release_held = true;
	p->stopping = true;
	p->draining = false;
	p->drain_due_ms = -1;
	p->rolling = -1;
	if (p->replacing >= 0) {
		int n = p->replacing;
		p->replacing = -1;
		p->ready_due_ms = -1;
		retire(p, n, pool_stop_signal(p, signo), now);
	}
	for (k = 0; k < p->cfg.nslots; k++)
		if (p->slots[k].role == POOL_SERVING && sup_state(&p->slots[k].sup) != SUP_DONE)
			stop_slot(p, (int)k, SUP_EV_STOP, pool_stop_signal(p, signo), now);
}

/* Done when every instance is, and nothing of a reload is left; the status
 * is supervise.c's rule over each instance's, in instance order. */
static void check_exit(struct pool *p)
{
	int i;
	size_t k;

	if (p->exit_due)
		return;
	for (k = 0; k < p->cfg.nslots; k++) {
		const struct pool_slot *s = &p->slots[k];
		if (s->role == POOL_NEW || s->role == POOL_RETIRING ||
		    (s->role == POOL_SERVING && sup_state(&s->sup) != SUP_DONE))
			return;
	}
	for (i = 0; i < p->cfg.instances; i++)
		p->codes[i] = sup_exit_code(&p->slots[pool_serving(p, i)].sup);
	p->exit_due = true;
	p->exit_code = sup_combined_code(p->codes, (size_t)p->cfg.instances, p->gave_up);
}

static void on_exited(struct pool *p, int k, const struct sup_event *exit, int64_t now)
{
	struct pool_slot *s = &p->slots[k];
	int n = p->replacing;

	switch (s->role) {
	case POOL_SERVING:
		if (n >= 0 && p->slots[n].index == s->index) {
			/* It ended while its replacement starts: that one takes over at once. */
			note(p, POOL_NOTE_TOOK_OVER, n, k, 0);
			promote(p, n, k, now);
			apply(p, k, sup_step(&s->sup, exit, now));
			retire(p, k, 0, now);
			roll(p);
			return;
		}
		apply(p, k, sup_step(&s->sup, exit, now));
		return;
	case POOL_NEW:
		note(p, POOL_NOTE_DIED, k, pool_serving(p, s->index), 0);
		apply(p, k, sup_step(&s->sup, exit, now));
		retire(p, k, 0, now);
		reload_failed(p);
		return;
	case POOL_RETIRING:
		apply(p, k, sup_step(&s->sup, exit, now));
		return;
	case POOL_FREE:
		return;
	}
}

static void on_started(struct pool *p, int k, int64_t now)
{
	struct pool_slot *s = &p->slots[k];

	s->ready = false;
	step_sup(p, k, SUP_EV_STARTED, now);
	if (s->role == POOL_NEW) {
		p->ready_due_ms = now + p->cfg.ready_timeout_ms;
		note(p, POOL_NOTE_WAITING, k, pool_serving(p, s->index), 0);
	}
}

static void on_spawn_failed(struct pool *p, int k, const struct sup_event *ev, int64_t now)
{
	struct pool_slot *s = &p->slots[k];

	if (s->role == POOL_NEW) {
		note(p, POOL_NOTE_SPAWN_FAILED, k, pool_serving(p, s->index), 0);
		s->role = POOL_FREE;
		s->free_it = true;
		reload_failed(p);
		return;
	}
	apply(p, k, sup_step(&s->sup, ev, now));
}

static void on_ready(struct pool *p, int k, int64_t now)
{
	struct pool_slot *s = &p->slots[k];

	s->ready = true;
	if (s->role == POOL_SERVING) {
		step_sup(p, k, SUP_EV_READY, now);
	} else if (s->role == POOL_NEW && k == p->replacing) {
		int old = pool_serving(p, s->index);
		note(p, POOL_NOTE_REPLACED, k, old, 0);
		promote(p, k, old, now);
		step_sup(p, k, SUP_EV_READY, now);
		retire(p, old, pool_stop_signal(p, 0), now);
		roll(p);
	}
}

static void on_stop(struct pool *p, int signo, int64_t now);

static void on_timer(struct pool *p, int64_t now)
{
	size_t k;

	if (p->draining && deadline_passed(p->drain_due_ms, now)) {
		note(p, POOL_NOTE_DRAIN_OVER, -1, -1, 0);
		on_stop(p, SIGTERM, now);
	}
	if (deadline_passed(p->ready_due_ms, now) && p->replacing >= 0) {
		int n = p->replacing;
		note(p, POOL_NOTE_NOT_READY, n, pool_serving(p, p->slots[n].index), 0);
		p->replacing = -1;
		retire(p, n, pool_stop_signal(p, 0), now);
		reload_failed(p);
	}
	for (k = 0; k < p->cfg.nslots; k++) {
		struct pool_slot *s = &p->slots[k];
		/* A replacement answers to the reload's deadline until it serves. */
		if (s->role != POOL_SERVING && s->role != POOL_RETIRING)
			continue;
		if (sup_timeout_ms(&s->sup, now) != 0)
			continue;
		if (sup_state(&s->sup) == SUP_DRAINING)
			note(p, POOL_NOTE_DRAIN_TIMEOUT, (int)k, -1, 0);
		step_sup(p, (int)k, SUP_EV_TIMER, now);
	}
}

static void on_stop(struct pool *p, int signo, int64_t now)
{
	size_t k;
	int running = 0, one = -1;

	/* The engine's SIGTERM with --drain: not ready from now on (the endpoints
	 * go), still serving (and restarting) while traffic still comes. Another
	 * SIGTERM, or SIGINT or SIGQUIT, ends the drain at once. */
	if (signo == SIGTERM && p->cfg.drain_ms > 0 && !p->draining && !p->stopping) {
		p->draining = true;
		p->drain_due_ms = now + p->cfg.drain_ms;
		note(p, POOL_NOTE_DRAINING, -1, -1, 0);
		p->notes[p->nnotes - 1].signo = signo;
		return;
	}
	for (k = 0; k < p->cfg.nslots; k++)
		if (p->slots[k].role == POOL_SERVING && sup_state(&p->slots[k].sup) == SUP_RUNNING) {
			running++;
			one = (int)k;
		}
	if (!p->stopping || running > 0) {
		note(p, POOL_NOTE_STOPPING, one, -1, running);
		p->notes[p->nnotes - 1].signo = signo;
		p->notes[p->nnotes - 1].sent = pool_stop_signal(p, signo);
	}
	stop_all(p, signo, now);
	check_exit(p);
}

static void on_reload(struct pool *p)
{
	if (p->stopping || p->draining) {
		note(p, POOL_NOTE_RELOAD_STOPPING, -1, -1, 0);
		return;
	}
	if (p->rolling >= 0 || p->replacing >= 0) {
		note(p, POOL_NOTE_RELOAD_BUSY, -1, -1, 0);
		return;
	}
	p->rolling = 0;
	p->replaced = p->skipped = 0;
	roll(p);
}

void pool_step(struct pool *p, const struct pool_ev *ev, int64_t now_ms)
{
	int k = ev->slot;

	p->nnotes = 0;
	switch (ev->kind) {
	case POOL_EV_STARTED:
		on_started(p, k, now_ms);
		break;
	case POOL_EV_SPAWN_FAILED:
		on_spawn_failed(p, k, &ev->exit, now_ms);
		break;
	case POOL_EV_EXITED:
		on_exited(p, k, &ev->exit, now_ms);
		break;
	case POOL_EV_GROUP_EMPTY:
		if (p->slots[k].role != POOL_FREE)
			step_sup(p, k, SUP_EV_GROUP_EMPTY, now_ms);
		break;
	case POOL_EV_READY:
		on_ready(p, k, now_ms);
		break;
	case POOL_EV_APP_STOPPING:
	case POOL_EV_WATCHDOG_PING:
	case POOL_EV_WATCHDOG_TRIGGER:
		if (p->slots[k].role == POOL_SERVING)
			step_sup(p, k,
				 ev->kind == POOL_EV_APP_STOPPING ? SUP_EV_APP_STOPPING :
				 ev->kind == POOL_EV_WATCHDOG_PING ? SUP_EV_WATCHDOG_PING :
								      SUP_EV_WATCHDOG_TRIGGER,
				 now_ms);
		break;
	case POOL_EV_STOP:
		on_stop(p, ev->signo, now_ms);
		break;
	case POOL_EV_RELOAD:
		on_reload(p);
		break;
	case POOL_EV_TIMER:
		on_timer(p, now_ms);
		break;
	}
	if (p->gave_up >= 0 && !p->stopping) {
		stop_all(p, 0, now_ms);
		check_exit(p);
	}
}

int64_t pool_due_ms(const struct pool *p)
{
	int64_t due = deadline_min(p->ready_due_ms, p->drain_due_ms);
	size_t k;

	for (k = 0; k < p->cfg.nslots; k++) {
		const struct pool_slot *s = &p->slots[k];
		if (s->role == POOL_SERVING || s->role == POOL_RETIRING)
			due = deadline_min(due, sup_due_ms(&s->sup));
	}
	return due;
}

bool pool_supervising(const struct pool *p)
{
	return !p->stopping && p->gave_up < 0;
}

bool pool_ready(const struct pool *p)
{
	size_t k;

	for (k = 0; k < p->cfg.nslots && pool_supervising(p) && !p->draining; k++) {
		const struct pool_slot *s = &p->slots[k];
		if (s->role == POOL_SERVING && sup_state(&s->sup) == SUP_RUNNING &&
		    (s->ready || !p->cfg.notify))
			return true;
	}
	return false;
}
