/* instances: carries out what pool.c decides, and says each in one log line.
 * It decides nothing of its own and never waits for anything: main.c and
 * heard.c bring it the events, and every effect waits for inst_act(). */
#include "instances.h"
#include "closer.h"
#include "deadline.h"
#include "fmt.h"
#include "log.h"
#include "pgroup.h"
#include "relayio.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define ACT_ROUNDS_MAX 8	/* effects that lead to effects (a kill empties a group, which
				 * starts the next run): settled within a few rounds */

int inst_of_pid(const struct tinyhold *t, pid_t pid)
{
	size_t k;

	for (k = 0; k < t->nslots; k++)
		if (pid > 0 && t->pool.slots[k].role != POOL_FREE && t->slots[k].pid == pid &&
		    !t->slots[k].reaped)
			return (int)k;
	return -1;
}

static int index_of(const struct tinyhold *t, int k)
{
	return t->pool.slots[k].index;
}

void log_slot(const struct tinyhold *t, enum log_level level, int errnum, int k,
	      const char *format, ...)
{
	char lead[32] = "";
	va_list ap;

	if (t->instances > 1 && k >= 0)
		fmt(lead, sizeof lead, "instance %d: ", index_of(t, k));
	va_start(ap, format);
	log_vmsg(level, errnum, lead, format, ap);
	va_end(ap);
}

/* A log line whose subject is slot k's process: led by `what` ("old ", "new ",
 * or ""), then "pid 4711", or with -n 2 and more "instance 2 (pid 4711)". */
__attribute__((format(printf, 5, 6)))
static void log_about(const struct tinyhold *t, enum log_level level, int k, const char *what,
		      const char *format, ...)
{
	char lead[64];
	va_list ap;

	if (t->instances > 1)
		fmt(lead, sizeof lead, "%sinstance %d (pid %d)", what, index_of(t, k),
		    (int)t->slots[k].pid);
	else
		fmt(lead, sizeof lead, "%spid %d", what, (int)t->slots[k].pid);
	va_start(ap, format);
	log_vmsg(level, 0, lead, format, ap);
	va_end(ap);
}

static int pid_of(const struct tinyhold *t, int k)
{
	return k >= 0 ? (int)t->slots[k].pid : 0;
}

/* ---- the log lines of a step --------------------------------------------------- */

static void log_sup_note(struct tinyhold *t, int k)
{
	const struct sup *sup = &t->pool.slots[k].sup;
	bool retired = t->pool.slots[k].role != POOL_SERVING;
	char d[32];

	switch (t->pool.slots[k].note) {
	case SUP_NOTE_RESTART:
		if (sup_delay_ms(sup) == 0) {
			log_slot(t, LOG_INFO, 0, k, "restarting now (restart %lu)", sup_restarts(sup));
		} else {
			log_duration(d, sizeof d, sup_delay_ms(sup));
			log_slot(t, LOG_INFO, 0, k, "restarting in %s (restart %lu)", d,
				 sup_restarts(sup));
		}
		break;
	case SUP_NOTE_GAVE_UP:
		log_duration(d, sizeof d, t->cfg.restart_window_ms);
		log_error("giving up: %ld restarts within %s", t->cfg.max_restarts, d);
		break;
	case SUP_NOTE_STOP_TIMEOUT:
		log_duration(d, sizeof d, t->cfg.stop_timeout_ms);
		log_about(t, LOG_WARN, k, retired ? "old " : "",
			  " did not stop within %s; killing its process group", d);
		break;
	case SUP_NOTE_WATCHDOG:
		log_duration(d, sizeof d, t->cfg.watchdog_ms);
		log_about(t, LOG_WARN, k, "", " failed its watchdog (%s); sending SIGABRT, then a restart",
			  d);
		break;
	case SUP_NOTE_UNKILLABLE:
		log_duration(d, sizeof d, KILL_GRACE_MS);
		log_about(t, LOG_WARN, k, retired ? "old " : "",
			  " is still there %s after SIGKILL (stuck in the kernel?); %s", d,
			  sup_state(sup) != SUP_DONE ? "killing it again" :
			  retired ? "going on without it" : "exiting without it");
		break;
	case SUP_NOTE_NO_RESTART:
	case SUP_NOTE_STOPPED:
	case SUP_NOTE_EXEC_FAILED:
	case SUP_NOTE_RETIRED:
	case SUP_NOTE_NONE:
		break;
	}
}

static void log_pool_note(struct tinyhold *t, const struct pool_note *n)
{
	int about = n->other >= 0 ? n->other : n->slot;	/* the instance a line is led by */
	const char *name;
	char d[32], buf[24], buf2[24], with[32];

	switch (n->kind) {
	case POOL_NOTE_STOPPING:
		name = sig_name(n->signo, buf, sizeof buf);
		/* With --stop-signal, what the app gets: " with SIGQUIT". */
		with[0] = '\0';
		if (n->sent != n->signo && n->arg > 0)
			fmt(with, sizeof with, " with %s", sig_name(n->sent, buf2, sizeof buf2));
		if (t->instances == 1 && n->arg == 1)
			log_info("got %s; stopping pid %d%s", name, pid_of(t, n->slot), with);
		else if (n->arg > 0)
			log_info("got %s; stopping %d instance%s%s", name, n->arg, n->arg == 1 ? "" : "s",
				 with);
		else
			log_info("got %s; stopping", name);
		break;
	case POOL_NOTE_DRAINING:
		log_duration(d, sizeof d, t->cfg.drain_ms);
		log_info("got %s; draining for %s: not ready, still serving (SIGTERM again or SIGINT "
			 "stops now)", sig_name(n->signo, buf, sizeof buf), d);
		break;
	case POOL_NOTE_DRAIN_OVER:
		log_info("drain over; stopping");
		break;
	case POOL_NOTE_RELOAD_BUSY:
		log_info("reload ignored: a reload is under way");
		break;
	case POOL_NOTE_RELOAD_STOPPING:
		log_info("reload ignored: stopping");
		break;
	case POOL_NOTE_NOT_RUNNING:
		if (t->instances == 1)
			log_info("reload ignored: no app running");
		else
			log_info("instance %d: not running; not reloaded", n->arg);
		break;
	case POOL_NOTE_RETIRING_FULL:
		log_info("reload ignored: %d old instances are still stopping", n->arg);
		break;
	case POOL_NOTE_WAITING:
		log_duration(d, sizeof d, t->cfg.ready_timeout_ms);
		log_slot(t, LOG_INFO, 0, about, "reloading: started pid %d, waiting up to %s for READY=1",
			 pid_of(t, n->slot), d);
		break;
	case POOL_NOTE_SPAWN_FAILED:
		log_slot(t, LOG_ERROR, 0, about, "reload failed: cannot start the new instance");
		break;
	case POOL_NOTE_NOT_READY:
		log_duration(d, sizeof d, t->cfg.ready_timeout_ms);
		log_slot(t, LOG_ERROR, 0, about, "reload failed: pid %d not ready within %s; keeping pid %d",
			 pid_of(t, n->slot), d, pid_of(t, n->other));
		break;
	case POOL_NOTE_DIED:
		log_slot(t, LOG_ERROR, 0, about,
			 "reload failed: the new instance ended before READY=1; keeping pid %d",
			 pid_of(t, n->other));
		break;
	case POOL_NOTE_TOOK_OVER:
		log_slot(t, LOG_INFO, 0, about, "pid %d takes over from pid %d", pid_of(t, n->slot),
			 pid_of(t, n->other));
		break;
	case POOL_NOTE_REPLACED:
		log_slot(t, LOG_INFO, 0, about, "reload: pid %d is ready; stopping pid %d",
			 pid_of(t, n->slot), pid_of(t, n->other));
		break;
	case POOL_NOTE_ROLLING_STOPPED:
		log_error("reload stopped at instance %d of %d; the others run as before", n->arg,
			  t->instances);
		break;
	case POOL_NOTE_ROLLING_DONE:
		if (n->arg == t->instances)
			log_info("reload: all %d instances replaced", t->instances);
		else
			log_warn("reload: %d of %d instances replaced; the others were not running",
				 n->arg, t->instances);
		break;
	case POOL_NOTE_DRAIN_TIMEOUT:
		log_warn("process group %d would not die; going on without it",
			 (int)t->slots[n->slot].pgid);
		break;
	}
}

/* One event through the pool, and its log lines: the supervisors' first,
 * then the pool's own. */
static void step(struct tinyhold *t, const struct pool_ev *ev)
{
	size_t k, i;

	pool_step(&t->pool, ev, deadline_now_ms());
	counters_step(&t->counted, &t->pool, ev);	/* the one place that counts */
	for (k = 0; k < t->nslots; k++) {
		if (t->pool.slots[k].note != SUP_NOTE_NONE)
			log_sup_note(t, (int)k);
		t->pool.slots[k].note = SUP_NOTE_NONE;
	}
	for (i = 0; i < t->pool.nnotes; i++)
		log_pool_note(t, &t->pool.notes[i]);
}

static void step_slot(struct tinyhold *t, enum pool_ev_kind kind, int k)
{
	struct pool_ev ev = { .kind = kind, .slot = k };

	step(t, &ev);
}

/* ---- collecting ---------------------------------------------------------------- */

void inst_check_exec(struct tinyhold *t, int k, bool final)
{
	struct slot *s = &t->slots[k];
	int r = slot_exec_outcome(s, final);

	if (r < 0)
		return;
	if (r == 0) {
		log_slot(t, LOG_INFO, 0, k, "started %s as pid %d (restart %lu)", t->cfg.argv[0],
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

void inst_on_signal(struct tinyhold *t, const struct sig_info *si)
{
	struct pool_ev ev = { .kind = POOL_EV_STOP, .slot = -1, .signo = si->signo };

	if (si->signo == SIGCHLD) {
		t->pass.sigchld = true;	/* reaped once the signals of this pass are read */
		return;
	}
	/* e.g. SIGPIPE from our own write to a log whose reader is gone: not the
	 * app's business, and not a line of our own either, which could raise
	 * the next one. */
	if (si->sender == t->self && si->code == SI_USER)
		return;
	if (si->signo == t->cfg.reload_signal) {
		ev.kind = POOL_EV_RELOAD;
		step(t, &ev);
		return;
	}
	if (sig_is_stop(si->signo)) {
		step(t, &ev);
		return;
	}
	if (t->pass.nforward < PASS_SIGNALS_MAX)
		t->pass.forward[t->pass.nforward++] = *si;
}

static void log_exit(const struct tinyhold *t, int k, const struct sup_event *ev)
{
	enum pool_role role = t->pool.slots[k].role;
	const char *what = role == POOL_RETIRING ? "retired " : role == POOL_NEW ? "new " : "";
	int64_t ran_ms = role == POOL_RETIRING ? -1 : deadline_now_ms() - t->slots[k].started_ms;
	char d[32], buf[24];

	d[0] = '\0';
	if (ran_ms >= 0) {
		strcpy(d, " after ");
		log_duration(d + 7, sizeof d - 7, ran_ms);
	}
	if (ev->term_signal)
		log_about(t, LOG_INFO, k, what, " died of %s%s", sig_name(ev->term_signal, buf, sizeof buf),
			  d);
	else
		log_about(t, LOG_INFO, k, what, " exited with status %d%s", ev->exit_code, d);
}

void inst_on_exit(struct tinyhold *t, int k, int status)
{
	struct slot *s = &t->slots[k];
	const struct pool_slot *ps = &t->pool.slots[k];
	struct pool_ev ev = { .kind = POOL_EV_EXITED, .slot = k };

	if (WIFSIGNALED(status))
		ev.exit.term_signal = WTERMSIG(status);
	else
		ev.exit.exit_code = WEXITSTATUS(status);
	ev.exit.kind = SUP_EV_EXITED;
	inst_check_exec(t, k, true);	/* the child wrote its error before it exited */
	if (s->exec_failed && s->exec_error.stage == SPAWN_FDS && ps->role == POOL_SERVING) {
		/* Our own failure (out of fds or memory), not the command's: never 126. */
		ev.kind = POOL_EV_SPAWN_FAILED;
		ev.exit = (struct sup_event){ .kind = SUP_EV_SPAWN_FAILED, .exit_code = EXIT_SETUP };
	} else if (s->exec_failed) {
		ev.exit.exec_code = spawn_failed_code(s->exec_error.stage, s->exec_error.err);
	} else {
		log_exit(t, k, &ev.exit);
	}
	step(t, &ev);
	s->reaped = true;	/* from here on, pid names nothing of ours */
	t->pass.groups_changed = true;	/* it may have been the last of its group */
	/* Between runs the terminal is ours again: a Ctrl-C during a back-off reaches us. */
	if (t->give_tty && t->pool.slots[k].role == POOL_SERVING)
		(void)tcsetpgrp(STDIN_FILENO, getpgrp());
}

void inst_heard(struct tinyhold *t, int k, const struct notify_msg *m)
{
	if (t->pool.slots[k].role == POOL_NEW) {
		if (m->ready)
			step_slot(t, POOL_EV_READY, k);
		return;
	}
	if (m->ready) {
		log_about(t, LOG_INFO, k, "", " is ready");
		step_slot(t, POOL_EV_READY, k);
	}
	if (m->reloading)
		log_about(t, LOG_INFO, k, "", " is reloading");
	if (m->stopping) {
		log_about(t, LOG_INFO, k, "", " is stopping");
		step_slot(t, POOL_EV_APP_STOPPING, k);
	}
	if (m->watchdog_ping)
		step_slot(t, POOL_EV_WATCHDOG_PING, k);
	if (m->watchdog_trigger)
		step_slot(t, POOL_EV_WATCHDOG_TRIGGER, k);
}

/* ---- acting -------------------------------------------------------------------- */

/* Whether an instance but slot k runs: then the held sockets keep their O_NONBLOCK. */
static bool others_run(const struct tinyhold *t, int k)
{
	size_t i;

	for (i = 0; i < t->nslots; i++)
		if ((int)i != k && t->slots[i].pid > 0 && !t->slots[i].reaped)
			return true;
	return false;
}

static bool unreaped(const struct slot *s)
{
	return s->pid > 0 && !s->reaped;
}

static void start(struct tinyhold *t, int k)
{
	struct slot *s = &t->slots[k];
	const struct pool_slot *ps = &t->pool.slots[k];
	struct pool_ev ev = { .kind = POOL_EV_STARTED, .slot = k };
	struct slot_start st = {
		.spawn = &t->spawn,
		.held = &t->held,
		.store = &t->stores[ps->index],
		.others_run = others_run(t, k),
		.pass_fds = t->pass_fds,
		.pass_names = t->pass_names,
		.notify = t->cfg.notify,
		.std_fds = relayio_child_fds(&t->relay, (size_t)k, ps->index),
	};
	/* A replacement gets the terminal only once it serves (promote). */
	int r = slot_spawn(s, &st, ps->index, sup_restarts(&ps->sup), ps->role == POOL_SERVING,
			   deadline_now_ms());

	if (r < 0) {
		if (ps->role == POOL_SERVING)
			log_slot(t, LOG_ERROR, -r, k, "cannot start the app; retrying in %d ms",
				 FORK_RETRY_MS);
		else
			log_slot(t, LOG_WARN, -r, k, "cannot start the new instance");
		ev = (struct pool_ev){ .kind = POOL_EV_SPAWN_FAILED, .slot = k };
		ev.exit = (struct sup_event){ .kind = SUP_EV_SPAWN_FAILED, .exit_code = EXIT_SETUP };
	}
	step(t, &ev);
}

static void send(const struct tinyhold *t, int k, int signo, bool group)
{
	const struct slot *s = &t->slots[k];
	struct sig_info si = { .signo = signo };	/* no payload: a kill() */
	char buf[24];
	int r;

	if (!unreaped(s))
		return;
	r = sig_forward(s->pid, group, &si);	/* the one home of -g's target */
	if (r < 0 && r != -ESRCH)
		log_msg(LOG_WARN, -r, "cannot send %s to %d", sig_name(signo, buf, sizeof buf),
			(int)s->pid);
}

/* Every effect of slot k but a start. Whether there was any. */
static bool carry_out(struct tinyhold *t, int k)
{
	struct pool_slot *ps = &t->pool.slots[k];
	struct slot *s = &t->slots[k];
	bool any = ps->send_signo || ps->abort || ps->kill || ps->promote || ps->free_it;

	if (ps->send_signo > 0)
		send(t, k, ps->send_signo, t->cfg.process_group);
	/* Only the main process: SIGABRT is for its core dump, not for its workers. */
	if (ps->abort)
		send(t, k, SIGABRT, false);
	if (ps->kill) {
		/* The group, and the main process itself: it may have left its group
		 * (setpgid, setsid), and kill(-pgid) would miss it. */
		if (s->pgid > 0 && kill(-s->pgid, SIGKILL) < 0 && errno != ESRCH)
			log_msg(LOG_WARN, errno, "cannot kill process group %d", (int)s->pgid);
		send(t, k, SIGKILL, false);
		t->pass.groups_changed = true;
	}
	if (ps->promote && t->give_tty)
		(void)tcsetpgrp(STDIN_FILENO, s->pgid);
	if (ps->free_it)
		slot_free(s);
	ps->send_signo = 0;
	ps->abort = ps->kill = ps->promote = ps->free_it = false;
	return any;
}

/* Signals that are not ours go to every instance that runs (-g: to each
 * group), in the order they came. Their processes are not reaped yet (a reap
 * marks its slot), so no pid here can have been reused. */
static void forward_all(struct tinyhold *t)
{
	size_t i, k;

	for (i = 0; i < t->pass.nforward; i++) {
		const struct sig_info *si = &t->pass.forward[i];
		char buf[24];
		const char *name = sig_name(si->signo, buf, sizeof buf);
		bool sent = false;

		for (k = 0; k < t->nslots; k++) {
			const struct slot *s = &t->slots[k];
			int r;
			if (t->pool.slots[k].role != POOL_SERVING || !unreaped(s))
				continue;
			sent = true;
			r = sig_forward(s->pid, t->cfg.process_group, si);
			if (r < 0 && r != -ESRCH)
				log_msg(LOG_WARN, -r, "cannot forward %s to %d, ignoring", name,
					(int)s->pid);
			else
				log_debug("forwarded %s to %s%d", name,
					  t->cfg.process_group ? "group " : "pid ", (int)s->pid);
		}
		if (!sent)
			log_info("no app running; %s not forwarded", name);
	}
	t->pass.nforward = 0;
}

/* After a reap, a SIGKILL or a watched leftover's end: which drained groups
 * are empty now. Every member that dies is our child or our orphan, and sends
 * us SIGCHLD; one whose parent is elsewhere is watched through a pidfd
 * (slot_group_gone). */
static bool look_at_groups(struct tinyhold *t)
{
	bool any = false;
	size_t k;

	if (!t->pass.groups_changed)
		return false;
	t->pass.groups_changed = false;
	for (k = 0; k < t->nslots; k++) {
		if (pool_draining(&t->pool, (int)k) && slot_group_gone(&t->slots[k])) {
			step_slot(t, POOL_EV_GROUP_EMPTY, (int)k);
			any = true;
		}
	}
	return any;
}

__attribute__((noreturn))
static void exit_now(struct tinyhold *t, int code)
{
	size_t k;

	/* Hand the terminal back to our own group, or the shell that ran us reads from a dead one. */
	if (t->give_tty)
		(void)tcsetpgrp(STDIN_FILENO, getpgrp());
	/* As PID 1 the kernel ends whatever is left when we exit; as a subreaper we say it. */
	for (k = 0; k < t->nslots && t->self != 1; k++) {
		const struct slot *s = &t->slots[k];
		if (unreaped(s))
			log_warn("leaving pid %d behind", (int)s->pid);
		if (s->pgid > 0 && pgroup_alive(s->pgid))
			log_warn("leaving processes of group %d behind", (int)s->pgid);
	}
	log_debug("exiting with status %d", code);
	relayio_finish(&t->relay);	/* what the instances wrote, and these lines, go out first */
	exit(code);
}

void inst_act(struct tinyhold *t)
{
	struct pool_ev timer = { .kind = POOL_EV_TIMER, .slot = -1 };
	int round;
	size_t k;

	forward_all(t);
	if (deadline_passed(pool_due_ms(&t->pool), deadline_now_ms()))
		step(t, &timer);
	/* Signals and kills first, starts last: nothing new runs before the old is told. */
	for (round = 0; round < ACT_ROUNDS_MAX; round++) {
		bool any = false;
		for (k = 0; k < t->nslots; k++)
			any = carry_out(t, (int)k) || any;
		any = look_at_groups(t) || any;
		for (k = 0; k < t->nslots; k++) {
			if (!t->pool.slots[k].start)
				continue;
			t->pool.slots[k].start = false;
			(void)carry_out(t, (int)k);	/* a slot freed and taken again: free it first */
			start(t, (int)k);
			any = true;
		}
		if (!any)
			break;
	}
	/* After the stop signals: the app is told first, then its sockets are its
	 * own; and the last flush of its output has the stop's time from now (not
	 * from a SIGTERM that began a --drain). */
	if (t->pool.release_held) {
		t->pool.release_held = false;
		log_debug("stopping for good: released %zu held socket(s) to the app",
			  held_release(&t->held));
		relayio_stopping(&t->relay, deadline_now_ms());
	}
	if (t->pool.exit_due)
		exit_now(t, t->pool.exit_code);
}

int64_t inst_next_due_ms(const struct tinyhold *t)
{
	return deadline_min(pool_due_ms(&t->pool), closer_due_ms());
}
