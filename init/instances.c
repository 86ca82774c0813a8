/* instances: what happens to the app's slots. It carries out what
 * supervise.c and reload.c decide: starts (at the end of a pass), stops,
 * kills, the reload's hand-over, and says each in one log line. It never
 * waits for anything: main.c and heard.c bring it the events. */
#include "instances.h"
#include "closer.h"
#include "deadline.h"
#include "fmt.h"
#include "log.h"
#include "mem.h"
#include "pgroup.h"
#include "sig.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct slot *inst_with(struct tinyhold *t, enum slot_role role)
{
	size_t i;

	for (i = 0; i < t->nslots; i++)
		if (t->slots[i].role == role)
			return &t->slots[i];
	return NULL;
}

static size_t count_role(const struct tinyhold *t, enum slot_role role)
{
	size_t i, n = 0;

	for (i = 0; i < t->nslots; i++)
		n += t->slots[i].role == role;
	return n;
}

/* The serving slot of instance index, or NULL. */
static struct slot *serving(struct tinyhold *t, int index)
{
	size_t i;

	for (i = 0; i < t->nslots; i++)
		if (t->slots[i].role == SLOT_SERVING && t->slots[i].index == index)
			return &t->slots[i];
	return NULL;
}

/* The instance the reload machine replaces now: its serving slot, or NULL. */
static struct slot *reload_old(struct tinyhold *t)
{
	return t->reload_index >= 0 ? serving(t, t->reload_index) : NULL;
}

/* The pid every line about the reload names: the replaced one's. */
static int app_pid(struct tinyhold *t)
{
	struct slot *app = reload_old(t);

	return app != NULL ? (int)app->pid : 0;
}

/* Who a line is about: "pid 4711", or with -n 2 and more "instance 2 (pid 4711)". */
static const char *who(const struct tinyhold *t, const struct slot *s)
{
	static char buf[2][48];	/* two in one log line at most */
	static int next;
	char *b = buf[next++ % 2];

	if (t->instances > 1)
		fmt(b, sizeof buf[0], "instance %d (pid %d)", s->index, (int)s->pid);
	else
		fmt(b, sizeof buf[0], "pid %d", (int)s->pid);
	return b;
}

const char *inst_prefix(const struct tinyhold *t, const struct slot *s)
{
	static char buf[32];

	if (t->instances <= 1)
		return "";
	fmt(buf, sizeof buf, "instance %d: ", s->index);
	return buf;
}

/* Whether an instance but s runs: then the held sockets keep their O_NONBLOCK. */
static bool others_run(const struct tinyhold *t, const struct slot *s)
{
	size_t i;

	for (i = 0; i < t->nslots; i++)
		if (&t->slots[i] != s && t->slots[i].role != SLOT_FREE && t->slots[i].pid > 0)
			return true;
	return false;
}

__attribute__((noreturn))
static void exit_now(struct tinyhold *t, int code)
{
	size_t i;

	/* Hand the terminal back to our own group, or the shell that ran us reads from a dead one. */
	if (t->give_tty)
		(void)tcsetpgrp(STDIN_FILENO, getpgrp());
	/* As PID 1 the kernel ends whatever is left when we exit; as a subreaper we say it. */
	for (i = 0; i < t->nslots && t->self != 1; i++) {
		const struct slot *s = &t->slots[i];
		if (s->role != SLOT_SERVING)
			continue;
		if (s->pid > 0)
			log_warn("leaving pid %d behind", (int)s->pid);
		if (s->pgid > 0 && pgroup_alive(s->pgid))
			log_warn("leaving processes of group %d behind", (int)s->pgid);
	}
	log_debug("exiting with status %d", code);
	exit(code);
}

/* 0, or -errno if it could not be started. take_tty: it gets the terminal's foreground. */
static int spawn_slot(struct tinyhold *t, struct slot *s, unsigned long restarts, bool take_tty)
{
	struct slot_start st = {
		.spawn = &t->spawn,
		.held = &t->held,
		.store = &t->stores[s->index],
		.others_run = others_run(t, s),
		.pass_fds = t->pass_fds,
		.pass_names = t->pass_names,
		.notify = t->cfg.notify,
	};

	return slot_spawn(s, &st, restarts, take_tty, deadline_now_ms());
}

/* Reads a slot's exec outcome once it is there, and says "started" or why not. */
void inst_check_exec(struct tinyhold *t, struct slot *s, bool final)
{
	int r = slot_exec_outcome(s, final);

	if (r < 0)
		return;
	if (r == 0) {
		log_info("%sstarted %s as pid %d (restart %lu)", inst_prefix(t, s), t->cfg.argv[0],
			 (int)s->pid, s->restarts);
		return;
	}
	switch (s->exec_error.stage) {
	case SPAWN_CHDIR:
		log_msg(LOG_ERROR, s->exec_error.err, "cannot enter %s", t->spawn.set.cwd);
		break;
	case SPAWN_PRIVS:
		log_msg(LOG_ERROR, s->exec_error.err, "cannot switch to user %s", t->cfg.user);
		break;
	case SPAWN_FDS:
		log_msg(LOG_ERROR, s->exec_error.err, "cannot pass the fds to %s; retrying in %d ms",
			t->cfg.argv[0], FORK_RETRY_MS);
		break;
	default:
		log_msg(LOG_ERROR, s->exec_error.err, "cannot exec %s", t->cfg.argv[0]);
		break;
	}
}

static void kill_group(struct tinyhold *t, pid_t pgid)
{
	if (pgid > 0 && kill(-pgid, SIGKILL) < 0 && errno != ESRCH)
		log_msg(LOG_WARN, errno, "cannot kill process group %d", (int)pgid);
	t->groups_changed = true;
}

/* An old instance leaves: signo now and SIGKILL after the stop timeout, or
 * (signo 0) SIGKILL now. Its slot drains until nothing of its group is left. */
static void retire(struct tinyhold *t, struct slot *s, int signo)
{
	int64_t grace = signo > 0 ? t->cfg.stop_timeout_ms : 0;

	if (s->pid > 0 && signo > 0 &&
	    kill(t->cfg.process_group ? -s->pid : s->pid, signo) < 0 && errno != ESRCH)
		log_msg(LOG_WARN, errno, "cannot signal %d", (int)s->pid);
	slot_close_fds(s);
	s->role = SLOT_RETIRING;
	s->start_due = false;
	retire_begin(&s->retire, grace, deadline_now_ms());
	if (grace <= 0)
		kill_group(t, s->pgid);	/* ESRCH: nothing left, fine */
	t->groups_changed = true;
}

static void log_note(struct tinyhold *t, struct slot *s)
{
	const struct sup *sup = &s->sup;
	char d[32], w[32];

	switch (sup_note(sup)) {
	case SUP_NOTE_RESTART:
		if (sup_delay_ms(sup) == 0) {
			log_info("%srestarting now (restart %lu)", inst_prefix(t, s), sup_restarts(sup));
		} else {
			log_duration(d, sizeof d, sup_delay_ms(sup));
			log_info("%srestarting in %s (restart %lu)", inst_prefix(t, s), d,
				 sup_restarts(sup));
		}
		break;
	case SUP_NOTE_GAVE_UP:
		log_duration(w, sizeof w, t->cfg.restart_window_ms);
		log_error("giving up: %ld restarts within %s", t->cfg.max_restarts, w);
		break;
	case SUP_NOTE_STOP_TIMEOUT:
		log_duration(d, sizeof d, t->cfg.stop_timeout_ms);
		log_warn("%s did not stop within %s; killing its process group", who(t, s), d);
		break;
	case SUP_NOTE_WATCHDOG:
		log_duration(d, sizeof d, t->cfg.watchdog_ms);
		log_warn("%s failed its watchdog (%s); sending SIGABRT, then a restart", who(t, s), d);
		break;
	case SUP_NOTE_UNKILLABLE:
		log_duration(d, sizeof d, KILL_GRACE_MS);
		log_warn("%s is still there %s after SIGKILL (stuck in the kernel?); %s", who(t, s), d,
			 sup_state(sup) == SUP_DONE ? "exiting without it" : "killing it again");
		break;
	case SUP_NOTE_NO_RESTART:
	case SUP_NOTE_STOPPED:
	case SUP_NOTE_EXEC_FAILED:
	case SUP_NOTE_NONE:
		break;
	}
}

/* Carries out what a slot's supervisor decided. A start waits for the end of
 * the pass, and an empty group is noticed there too: nothing here steps again. */
static void act(struct tinyhold *t, struct slot *s, enum sup_action a)
{
	log_note(t, s);
	switch (a) {
	case SUP_NONE:
		return;
	case SUP_START:
		s->start_due = true;
		return;
	case SUP_EXIT:
		/* This instance is done; tinyhold is when they all are (inst_at_pass_end). A
		 * crash loop that used up the budget of all of them ends all of them. */
		if (sup_note(&s->sup) == SUP_NOTE_GAVE_UP && t->gave_up < 0) {
			t->gave_up = s->index;
			t->stop_due = true;	/* the others, gracefully, at the end of the pass */
		}
		return;
	case SUP_ABORT:
		/* Only the main process: SIGABRT is for its core dump, not for its workers. */
		if (s->pid > 0 && kill(s->pid, SIGABRT) < 0 && errno != ESRCH)
			log_msg(LOG_WARN, errno, "cannot send SIGABRT to %d", (int)s->pid);
		return;
	case SUP_KILL_GROUP:
		kill_group(t, s->pgid);
		/* The app may have left its group (setpgid, setsid): kill(-pgid) misses it. */
		if (s->pid > 0 && kill(s->pid, SIGKILL) < 0 && errno != ESRCH)
			log_msg(LOG_WARN, errno, "cannot kill pid %d", (int)s->pid);
		return;
	}
}

static void step(struct tinyhold *t, struct slot *s, const struct sup_event *ev)
{
	act(t, s, sup_step(&s->sup, ev, deadline_now_ms()));
}

static void step_kind(struct tinyhold *t, struct slot *s, enum sup_event_kind kind)
{
	struct sup_event ev = { .kind = kind };

	step(t, s, &ev);
}

/* A start that SUP_START asked for, at the end of a pass. */
void inst_start(struct tinyhold *t, struct slot *s)
{
	struct sup_event ev = { .kind = SUP_EV_STARTED };
	int r = spawn_slot(t, s, sup_restarts(&s->sup), true);

	s->start_due = false;
	if (r < 0) {
		log_msg(LOG_ERROR, -r, "%scannot start the app; retrying in %d ms", inst_prefix(t, s),
			FORK_RETRY_MS);
		ev = (struct sup_event){ .kind = SUP_EV_SPAWN_FAILED, .exit_code = EXIT_SETUP };
	}
	step(t, s, &ev);
}

/* The new instance n becomes the app, with the old one's supervisor. */
static void promote(struct tinyhold *t, struct slot *old, struct slot *n)
{
	if (t->give_tty)
		(void)tcsetpgrp(STDIN_FILENO, n->pgid);
	n->sup = old->sup;
	n->role = SLOT_SERVING;
	step_kind(t, n, SUP_EV_STARTED);
}

/* The reload signal: a new instance in a free slot, without the terminal until READY=1. */
static void reload_start(struct tinyhold *t, const struct slot *app)
{
	struct reload_event ev = { .kind = RELOAD_EV_SPAWNED };
	struct slot *n = inst_with(t, SLOT_FREE);
	int r = -EAGAIN;

	if (n != NULL) {
		n->index = app->index;	/* the replacement keeps the number, and the store */
		r = spawn_slot(t, n, sup_restarts(&app->sup), false);
	}
	char d[32];

	if (r < 0) {
		log_msg(LOG_ERROR, -r, "%sreload failed: cannot start the new instance",
			inst_prefix(t, app));
		ev.kind = RELOAD_EV_SPAWN_FAILED;
	} else {
		n->role = SLOT_NEW;
		log_duration(d, sizeof d, t->cfg.ready_timeout_ms);
		log_info("%sreloading: started pid %d, waiting up to %s for READY=1",
			 inst_prefix(t, app), (int)n->pid, d);
	}
	(void)reload_step(&t->reload, &ev, deadline_now_ms());	/* nothing to do but wait */
}

static void reload_act(struct tinyhold *t, enum reload_action a, int signo)
{
	struct slot *app = reload_old(t), *n = inst_with(t, SLOT_NEW);
	char d[32];

	const char *pre = app != NULL ? inst_prefix(t, app) : "";
	bool failed = false, done = false;

	log_duration(d, sizeof d, t->cfg.ready_timeout_ms);
	switch (reload_note(&t->reload)) {
	case RELOAD_NOTE_BUSY:
		log_info("reload ignored: a reload is under way");
		break;
	case RELOAD_NOTE_NOT_RUNNING:
		if (t->instances == 1)
			log_info("reload ignored: no app running");
		else
			log_info("%snot running; not reloaded", pre);
		break;
	case RELOAD_NOTE_RETIRING_FULL:
		log_info("reload ignored: %d old instances are still stopping", RETIRING_MAX);
		failed = true;
		break;
	case RELOAD_NOTE_NOT_READY:
		log_error("%sreload failed: pid %d not ready within %s; keeping pid %d", pre,
			  n != NULL ? (int)n->pid : 0, d, app_pid(t));
		failed = true;
		break;
	case RELOAD_NOTE_DIED:
		log_error("%sreload failed: the new instance ended before READY=1; keeping pid %d",
			  pre, app_pid(t));
		failed = true;
		break;
	case RELOAD_NOTE_TOOK_OVER:
		log_info("%spid %d takes over from pid %d", pre, n != NULL ? (int)n->pid : 0,
			 app_pid(t));
		done = true;
		break;
	case RELOAD_NOTE_DONE:
		log_info("%sreload: pid %d is ready; stopping pid %d", pre,
			 n != NULL ? (int)n->pid : 0, app_pid(t));
		done = true;
		break;
	case RELOAD_NOTE_SPAWN_FAILED:
		failed = true;
		break;
	case RELOAD_NOTE_STOPPED:
		t->rolling = -1;
		break;
	case RELOAD_NOTE_WAITING:
	case RELOAD_NOTE_NONE:
		break;
	}
	/* A rolling reload (-n) goes on with the next instance once this one is
	 * done (inst_at_pass_end), and ends at the first failure: the instances
	 * not yet replaced keep running as they were. */
	if (failed && t->rolling >= 0) {
		if (t->instances > 1)
			log_error("reload stopped at instance %d of %d; the others run as before",
				  t->rolling, t->instances);
		t->rolling = -1;
	}
	if (done && t->rolling >= 0 && ++t->rolling >= t->instances) {
		if (t->instances > 1)
			log_info("reload: all %d instances replaced", t->instances);
		t->rolling = -1;
	}
	if (app == NULL || (n == NULL && a != RELOAD_START))
		return;
	switch (a) {
	case RELOAD_NONE:
		return;
	case RELOAD_START:
		reload_start(t, app);
		return;
	case RELOAD_PROMOTE:
		retire(t, app, SIGTERM);
		promote(t, app, n);
		step_kind(t, n, SUP_EV_READY);
		return;
	case RELOAD_TAKE_OVER:
		app->pid = 0;	/* reaped */
		retire(t, app, 0);
		promote(t, app, n);
		return;
	case RELOAD_DISCARD:
		n->pid = 0;	/* reaped */
		retire(t, n, 0);
		return;
	case RELOAD_RETIRE:
		retire(t, n, signo);
		return;
	}
}

/* The next step of a rolling reload: instance t->rolling is replaced, or
 * skipped if it does not run. With one instance, this is the reload. */
static void rolling_next(struct tinyhold *t)
{
	while (t->rolling >= 0 && t->rolling < t->instances) {
		struct slot *app = serving(t, t->rolling);
		struct reload_event ev = {
			.kind = RELOAD_EV_SIGNAL,
			.app_running = app != NULL && sup_state(&app->sup) == SUP_RUNNING,
			.retiring_full = count_role(t, SLOT_RETIRING) >= RETIRING_MAX,
		};

		t->reload_index = t->rolling;
		reload_act(t, reload_step(&t->reload, &ev, deadline_now_ms()), 0);
		if (reload_busy(&t->reload) || t->rolling < 0)
			return;	/* waiting for its READY=1, or it failed */
		if (reload_note(&t->reload) != RELOAD_NOTE_NOT_RUNNING || t->instances == 1) {
			t->rolling = -1;
			return;
		}
		t->rolling++;	/* not running: nothing to replace */
	}
	if (t->rolling >= t->instances) {
		log_info("reload: all %d instances replaced", t->instances);
		t->rolling = -1;
	}
}

static void reload_event(struct tinyhold *t, enum reload_event_kind kind, int signo)
{
	struct reload_event ev = { .kind = kind };

	reload_act(t, reload_step(&t->reload, &ev, deadline_now_ms()), signo);
}

/* A stop, or tinyhold is done: a new instance still waiting for READY=1 goes too. */
static void end_reload(struct tinyhold *t, int signo)
{
	reload_event(t, RELOAD_EV_STOP, signo);
}

static void wait_status_event(int status, struct sup_event *ev)
{
	ev->kind = SUP_EV_EXITED;
	if (WIFSIGNALED(status))
		ev->term_signal = WTERMSIG(status);
	else
		ev->exit_code = WEXITSTATUS(status);
}

static void log_exit(const char *what, const char *who, const struct sup_event *ev, int64_t ran_ms)
{
	char d[32], buf[24];

	d[0] = '\0';
	if (ran_ms >= 0) {
		strcpy(d, " after ");
		log_duration(d + 7, sizeof d - 7, ran_ms);
	}
	if (ev->term_signal)
		log_info("%s%s died of %s%s", what, who, sig_name(ev->term_signal, buf, sizeof buf), d);
	else
		log_info("%s%s exited with status %d%s", what, who, ev->exit_code, d);
}

static void app_exited(struct tinyhold *t, struct slot *app, struct sup_event *ev)
{
	if (app->exec_failed && app->exec_error.stage == SPAWN_FDS) {
		/* Our own failure (out of fds or memory), not the command's: never 126. */
		struct sup_event failed = { .kind = SUP_EV_SPAWN_FAILED, .exit_code = EXIT_SETUP };
		app->pid = 0;
		slot_close_notify(app);
		step(t, app, &failed);
		return;
	}
	if (app->exec_failed)
		ev->exec_errno = app->exec_error.err ? app->exec_error.err : EIO;
	else
		log_exit("", who(t, app), ev, deadline_now_ms() - sup_started_ms(&app->sup));
	if (inst_with(t, SLOT_NEW) != NULL && t->reload_index == app->index) {
		/* The old instance died mid-reload: the new one takes over at once. */
		reload_event(t, RELOAD_EV_OLD_EXITED, 0);
		return;
	}
	app->pid = 0;
	slot_close_notify(app);	/* its last words were read before it was reaped */
	/* Between runs the terminal is ours again: a Ctrl-C during a back-off reaches us. */
	if (t->give_tty)
		(void)tcsetpgrp(STDIN_FILENO, getpgrp());
	step(t, app, ev);
}

/* What the reap loop collected, in the order it was reaped. */
void inst_on_exits(struct tinyhold *t)
{
	for (;;) {
		struct slot *s = NULL;
		struct sup_event ev = { 0 };
		size_t i;

		for (i = 0; i < t->nslots; i++)
			if (t->slots[i].reaped > 0 && (s == NULL || t->slots[i].reaped < s->reaped))
				s = &t->slots[i];
		if (s == NULL)
			break;
		s->reaped = 0;
		wait_status_event(s->status, &ev);
		t->groups_changed = true;
		switch (s->role) {
		case SLOT_SERVING:
			inst_check_exec(t, s, true);	/* the child wrote its error before it exited */
			app_exited(t, s, &ev);
			break;
		case SLOT_NEW:
			/* A reload's new instance died before READY=1: the old one stays. */
			inst_check_exec(t, s, true);
			if (!s->exec_failed)
				log_exit("new ", who(t, s), &ev, deadline_now_ms() - s->started_ms);
			reload_event(t, RELOAD_EV_NEW_EXITED, 0);
			break;
		case SLOT_RETIRING:
			log_exit("retired ", who(t, s), &ev, -1);
			s->pid = 0;
			break;
		case SLOT_FREE:
			break;
		}
	}
	t->reaped = 0;
}

struct slot *inst_of_pid(struct tinyhold *t, pid_t pid)
{
	size_t i;

	for (i = 0; i < t->nslots; i++)
		if (t->slots[i].role != SLOT_FREE && t->slots[i].pid == pid)
			return &t->slots[i];
	return NULL;
}

void inst_on_stop_signal(struct tinyhold *t, int signo, const char *name)
{
	struct slot *one = NULL;
	size_t i, running = 0, stopping = 0;

	end_reload(t, signo);
	for (i = 0; i < t->nslots; i++) {
		struct slot *s = &t->slots[i];
		if (s->role != SLOT_SERVING)
			continue;
		running += sup_state(&s->sup) == SUP_RUNNING;
		stopping += sup_state(&s->sup) == SUP_STOPPING;
		one = s;
	}
	if (one == NULL)
		return;
	if (t->instances == 1 && running == 1)
		log_info("got %s; stopping pid %d", name, (int)one->pid);
	else if (running > 0)
		log_info("got %s; stopping %zu instance%s", name, running, running == 1 ? "" : "s");
	else if (stopping == 0)
		log_info("got %s; stopping", name);
	for (i = 0; i < t->nslots; i++)
		if (t->slots[i].role == SLOT_SERVING)
			step_kind(t, &t->slots[i], SUP_EV_STOP);
}

void inst_heard(struct tinyhold *t, struct slot *s, const struct notify_msg *m)
{
	if (s->role == SLOT_NEW) {
		if (m->ready)
			reload_event(t, RELOAD_EV_READY, 0);
		return;
	}
	if (m->ready) {
		log_info("%s is ready", who(t, s));
		step_kind(t, s, SUP_EV_READY);
	}
	if (m->reloading)
		log_info("%s is reloading", who(t, s));
	if (m->stopping) {
		log_info("%s is stopping", who(t, s));
		step_kind(t, s, SUP_EV_APP_STOPPING);
	}
	if (m->watchdog_ping)
		step_kind(t, s, SUP_EV_WATCHDOG_PING);
	if (m->watchdog_trigger)
		step_kind(t, s, SUP_EV_WATCHDOG_TRIGGER);
}

/* The reload signal: with -n, a rolling reload, one instance at a time, so
 * that at no moment fewer than N serve and at most N+1 run. */
void inst_on_reload_signal(struct tinyhold *t)
{
	if (t->rolling >= 0 || reload_busy(&t->reload)) {
		log_info("reload ignored: a reload is under way");
		return;
	}
	t->rolling = 0;
	rolling_next(t);
}

int64_t inst_next_due_ms(const struct tinyhold *t)
{
	int64_t due = deadline_min(reload_due_ms(&t->reload), closer_due_ms());
	size_t i;

	for (i = 0; i < t->nslots; i++) {
		const struct slot *s = &t->slots[i];
		if (s->role == SLOT_SERVING)
			due = deadline_min(due, sup_due_ms(&s->sup));
		else if (s->role == SLOT_RETIRING)
			due = deadline_min(due, retire_due_ms(&s->retire));
	}
	return due;
}

void inst_on_deadlines(struct tinyhold *t, int64_t now)
{
	size_t i;

	if (deadline_passed(reload_due_ms(&t->reload), now))
		reload_event(t, RELOAD_EV_TIMER, SIGTERM);
	for (i = 0; i < t->nslots; i++) {
		struct slot *s = &t->slots[i];
		if (s->role == SLOT_RETIRING) {
			switch (retire_step(&s->retire, RETIRE_EV_TIMER, now)) {
			case RETIRE_KILL:
				log_warn("old process group %d did not stop in time; killing it",
					 (int)s->pgid);
				kill_group(t, s->pgid);
				break;
			case RETIRE_FORGET:
				log_warn("old process group %d would not die; going on without it",
					 (int)s->pgid);
				slot_free(s);
				break;
			case RETIRE_NONE:
			case RETIRE_DONE:
				break;
			}
		} else if (s->role == SLOT_SERVING && sup_timeout_ms(&s->sup, now) == 0) {
			if (sup_state(&s->sup) == SUP_DRAINING)
				log_warn("process group %d would not die; going on without it",
					 (int)s->pgid);
			step_kind(t, s, SUP_EV_TIMER);
		}
	}
}

/* After a reap, a SIGKILL or a watched leftover's end: which drained groups are empty now.
 * Every member that dies is our child or our orphan, and sends us SIGCHLD; one
 * whose parent is elsewhere is watched through a pidfd (slot_group_gone). */
void inst_on_groups(struct tinyhold *t)
{
	size_t i;

	if (!t->groups_changed)
		return;
	t->groups_changed = false;
	for (i = 0; i < t->nslots; i++) {
		struct slot *s = &t->slots[i];
		if (s->role == SLOT_SERVING && sup_state(&s->sup) == SUP_DRAINING &&
		    slot_group_gone(s))
			step_kind(t, s, SUP_EV_GROUP_EMPTY);
		else if (s->role == SLOT_RETIRING && s->pid == 0 && slot_group_gone(s) &&
			 retire_step(&s->retire, RETIRE_EV_GROUP_EMPTY, deadline_now_ms()) == RETIRE_DONE)
			slot_free(s);
	}
}

/* The status tinyhold ends with when every instance is done (supervise.c's rule). */
static int final_code(struct tinyhold *t)
{
	static int codes[OPTS_INSTANCES_MAX];
	const struct slot *s;
	int i;

	for (i = 0; i < t->instances; i++)
		codes[i] = (s = serving(t, i)) != NULL ? sup_exit_code(&s->sup) : 0;
	return sup_combined_code(codes, (size_t)t->instances, t->gave_up);
}

static bool all_done(const struct tinyhold *t)
{
	size_t i;

	for (i = 0; i < t->nslots; i++)
		if (t->slots[i].role == SLOT_SERVING && sup_state(&t->slots[i].sup) != SUP_DONE)
			return false;
	return true;
}

/* After a crash loop used up the budget: every other instance stops gracefully. */
static void stop_others(struct tinyhold *t)
{
	size_t i;

	t->stop_due = false;
	for (i = 0; i < t->nslots; i++) {
		struct slot *s = &t->slots[i];
		if (s->role != SLOT_SERVING || sup_state(&s->sup) == SUP_DONE)
			continue;
		if (s->pid > 0 && kill(t->cfg.process_group ? -s->pid : s->pid, SIGTERM) < 0 &&
		    errno != ESRCH)
			log_msg(LOG_WARN, errno, "cannot signal %d", (int)s->pid);
		step_kind(t, s, SUP_EV_STOP);
	}
}

/* The acts that wait for the end of a pass: starts, the next step of a
 * rolling reload, and the exit once every instance is done. */
void inst_at_pass_end(struct tinyhold *t)
{
	size_t i;

	for (i = 0; i < t->nslots; i++)
		if (t->slots[i].start_due)
			inst_start(t, &t->slots[i]);
	if (t->stop_due)
		stop_others(t);
	/* Each step waits until the one it replaced is gone: at most N+1 run. */
	if (t->rolling >= 0 && !reload_busy(&t->reload) && count_role(t, SLOT_RETIRING) == 0)
		rolling_next(t);
	if (all_done(t)) {
		end_reload(t, SIGTERM);
		if (count_role(t, SLOT_RETIRING) == 0)
			exit_now(t, final_code(t));
	}
}
