/* main: argv -> config, then set up, then run the loop. The loop is the one
 * place tinyhold blocks; what it does on each event lives in the modules:
 * supervise.c and reload.c decide, slot.c and spawn.c start, sig.c and
 * notify.c read. Each pass of the loop collects what happened (signals,
 * datagrams, exits, deadlines), then decides and acts on it: nothing forks
 * from inside the reap loop, and nothing calls back into the loop. */
#include "closer.h"
#include "deadline.h"
#include "fdstore.h"
#include "held.h"
#include "inherit.h"
#include "io.h"
#include "log.h"
#include "notify.h"
#include "opts.h"
#include "pgroup.h"
#include "privs.h"
#include "reload.h"
#include "sig.h"
#include "slot.h"
#include "sock.h"
#include "spawn.h"
#include "supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef TINYHOLD_VERSION
#define TINYHOLD_VERSION "0.0.0-dev"
#endif

#define EXIT_USAGE 2
#define EXIT_SETUP 125
#define FD_SCAN_MAX 65536	/* fallback fd sweep when close_range() is missing (Linux < 5.11) */
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#define SLOTS_MAX (2 + RETIRING_MAX)	/* the app, a reload's new one, old ones stopping */
#define PFD_MAX (1 + 3 * SLOTS_MAX)	/* the signalfd; each slot's notify socket, exec pipe, pidfd */
#define NOTIFY_WARN_EVERY_MS 1000	/* a flood of bad datagrams costs one log line a second */

struct tinyhold {
	struct config cfg;
	struct privs privs;
	struct spawn_ctx spawn;
	struct slot slots[SLOTS_MAX];	/* slot 0 serves first; roles move on reloads */
	struct reload reload;
	int sigfd;
	struct held held;	/* inherited sockets first, then -p's, in order */
	struct fdstore store;
	int *pass_fds;	/* held + stored, for one start */
	char *pass_names;	/* HELD_NAMES_MAX + 1 */
	struct notify_datagram dgram;
	size_t notify_room;	/* closer room one datagram may need: its fds and the whole store */
	uid_t app_uid;
	struct rlimit nofile;	/* as tinyhold was started: the app gets it back */
	rlim_t fd_limit;	/* tinyhold's own, raised to the hard limit */
	int64_t notify_warned_ms;
	unsigned long notify_dropped;
	pid_t self;
	bool give_tty;
	/* What this pass of the loop collected, for its decisions: */
	bool sigchld;		/* reap */
	bool groups_changed;	/* a reap, a SIGKILL or a watched leftover's end: look at the groups */
	unsigned long reaped;	/* how many were reaped in this pass, for their order */
	bool exit_due;		/* the supervisor is done; waiting for old instances */
	int exit_code;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail with a valid pointer; wall-clock jumps must not move deadlines. */
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void fmt_duration(char *buf, size_t len, int64_t ms)
{
	snprintf(buf, len, "%lld.%03llds", (long long)(ms / 1000), (long long)(ms % 1000));
}

/* ---- setup ------------------------------------------------------------- */

/* Someone may start us with 0, 1 or 2 closed: then our first socket would become
 * the app's stdout. Fill the gaps with /dev/null before opening anything. */
static void ensure_std_fds(void)
{
	int fd;

	for (fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF)
			(void)open("/dev/null", O_RDWR);	/* takes the lowest free fd: this one */
}

/* Fds our own parent leaked must not reach the app: mark them close-on-exec. */
static void cloexec_inherited_fds(void)
{
	struct rlimit rl;
	int fd, max = FD_SCAN_MAX;

	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)max)
		max = (int)rl.rlim_cur;
	for (fd = 3; fd < max; fd++) {
		int flags = fcntl(fd, F_GETFD);
		if (flags >= 0 && !(flags & FD_CLOEXEC))
			(void)fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
	}
}

/* Sockets passed to tinyhold itself (LISTEN_PID is ours, or 1 in a container)
 * are held like -p ones, before them, so the app sees them first. */
static void adopt_inherited(struct tinyhold *t, int n)
{
	const char *names = getenv("LISTEN_FDNAMES");
	char name[SPEC_NAME_MAX + 1];
	int i;

	for (i = 0; i < n; i++) {
		int fd = LISTEN_FDS_START + i;
		/* Our signalfd took the lowest free fd: in this range, that fd was not open. */
		if (fd == t->sigfd || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
			log_msg(LOG_WARN, fd == t->sigfd ? EBADF : errno,
				"LISTEN_FDS says fd %d, but it is not open", fd);
			continue;
		}
		inherit_name(names, (size_t)i, name, sizeof name);
		held_add(&t->held, fd, name);
		log_debug("holding inherited fd %d, name %s", fd, name);
	}
}

static void bind_all(struct tinyhold *t)
{
	int backlog = t->held.backlog;
	size_t i;

	for (i = 0; i < t->cfg.nspecs; i++) {
		const struct sockspec *s = &t->cfg.specs[i];
		char where[SPEC_PATH_MAX + 64];
		int fell_back, fd;

		spec_format(s, where, sizeof where);
		fd = sock_open(s, backlog, &fell_back);
		if (fd == -EEXIST && s->family == SPEC_UNIX)
			die(EXIT_SETUP, 0, "cannot bind %s: the path exists and is not a socket", where);
		if (fd < 0)
			die(EXIT_SETUP, -fd, "cannot bind %s", where);
		if (fell_back)
			snprintf(where, sizeof where, "%s0.0.0.0:%u (no IPv6)", s->datagram ? "udp:" : "",
				 s->port);
		log_debug("listening on %s as fd %zu, name %s", where, LISTEN_FDS_START + t->held.n,
			  s->name);
		held_add(&t->held, fd, s->name);
	}
}

static void setup_sockets(struct tinyhold *t)
{
	const char *why = "";
	int inherited = inherit_count(getenv("LISTEN_FDS"), getenv("LISTEN_PID"), t->self, &why);
	int backlog;
	size_t cap;

	if (inherited < 0) {
		log_warn("ignoring the LISTEN_FDS given to tinyhold: %s", why);
		inherited = 0;
	}
	cap = (size_t)inherited + t->cfg.nspecs;
	backlog = t->cfg.backlog;
	if (backlog <= 0)	/* a /proc read: only when there is something to bind */
		backlog = t->cfg.nspecs > 0 ? sock_default_backlog() : SOMAXCONN;
	t->pass_fds = calloc(cap + (size_t)t->cfg.fdstore_max + 1, sizeof *t->pass_fds);
	t->pass_names = malloc(HELD_NAMES_MAX + 1);
	/* Room for what one datagram brings and for a FDSTOREREMOVE of the whole store, twice. */
	t->notify_room = NOTIFY_FDS_MAX + (size_t)t->cfg.fdstore_max;
	if (held_init(&t->held, cap, backlog, t->fd_limit) < 0 || t->pass_fds == NULL ||
	    t->pass_names == NULL || fdstore_init(&t->store, (size_t)t->cfg.fdstore_max) < 0 ||
	    closer_init(2 * t->notify_room) < 0)
		die(EXIT_SETUP, ENOMEM, "cannot allocate sockets");
	adopt_inherited(t, inherited);
	bind_all(t);
	switch (held_check(&t->held)) {
	case -E2BIG:
		die(EXIT_SETUP, 0, "cannot pass %zu sockets: their names (%zu bytes) pass the kernel's "
			"limit of %zu for LISTEN_FDNAMES", t->held.n, t->held.names_len,
			(size_t)HELD_NAMES_MAX);
	case -EMFILE:
		die(EXIT_SETUP, 0, "cannot pass %zu sockets: the fd limit is %llu (ulimit -n)",
		    t->held.n, (unsigned long long)t->held.fd_limit);
	default:
		break;
	}
}

static void setup_privs(struct tinyhold *t)
{
	char why[512];

	if (t->cfg.user == NULL)
		return;
	if (privs_resolve(t->cfg.user, "/etc/passwd", "/etc/group", &t->privs, why, sizeof why) < 0)
		die(EXIT_SETUP, 0, "cannot use -u %s: %s", t->cfg.user, why);
	if (geteuid() != 0 && (t->privs.uid != geteuid() || t->privs.gid != getegid()))
		die(EXIT_SETUP, 0, "cannot switch to user %s: -u needs root", t->cfg.user);
}

/* The privileges the child must drop, or NULL: without root, -u may only name ourselves. */
static const struct privs *app_privs(const struct tinyhold *t)
{
	return t->cfg.user != NULL && geteuid() == 0 ? &t->privs : NULL;
}

static void setup_supervisor(struct tinyhold *t)
{
	struct sup_config sc = {
		.policy = t->cfg.restart,
		.backoff_max_ms = t->cfg.backoff_max_ms,
		.max_restarts = t->cfg.max_restarts,
		.window_ms = t->cfg.restart_window_ms,
		.stop_timeout_ms = t->cfg.stop_timeout_ms,
		.watchdog_ms = t->cfg.watchdog_ms,
		.remap = t->cfg.remap,
	};
	int64_t *recent = NULL;

	if (sc.max_restarts > 0 && (recent = calloc((size_t)sc.max_restarts, sizeof *recent)) == NULL)
		die(EXIT_SETUP, ENOMEM, "cannot allocate the restart window");
	sup_init(&t->slots[0].sup, &sc, recent);
}

/* As systemd does since v240: tinyhold itself may use every fd the hard limit
 * allows (a store of many fds, thousands of sockets), the app gets the soft
 * limit it would have had (spawn.c). */
static void setup_fd_limit(struct tinyhold *t)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &t->nofile) < 0) {
		t->nofile.rlim_cur = t->nofile.rlim_max = 1024;	/* cannot fail; the usual default */
		return;
	}
	rl = t->nofile;
	rl.rlim_cur = rl.rlim_max;
	if (rl.rlim_cur != t->nofile.rlim_cur && setrlimit(RLIMIT_NOFILE, &rl) < 0)
		log_msg(LOG_WARN, errno, "cannot raise the fd limit to %llu",
			(unsigned long long)rl.rlim_max);
	t->fd_limit = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? rl.rlim_cur : t->nofile.rlim_cur;
}

/* ---- slots ------------------------------------------------------------------ */

static struct slot *slot_with(struct tinyhold *t, enum slot_role role)
{
	size_t i;

	for (i = 0; i < SLOTS_MAX; i++)
		if (t->slots[i].role == role)
			return &t->slots[i];
	return NULL;
}

static size_t count_role(const struct tinyhold *t, enum slot_role role)
{
	size_t i, n = 0;

	for (i = 0; i < SLOTS_MAX; i++)
		n += t->slots[i].role == role;
	return n;
}

/* The pid every line about the app names: the served one's. */
static int app_pid(struct tinyhold *t)
{
	struct slot *app = slot_with(t, SLOT_SERVING);

	return app != NULL ? (int)app->pid : 0;
}

__attribute__((noreturn))
static void exit_now(struct tinyhold *t, int code)
{
	size_t i;

	/* Hand the terminal back to our own group, or the shell that ran us reads from a dead one. */
	if (t->give_tty)
		(void)tcsetpgrp(STDIN_FILENO, getpgrp());
	/* As PID 1 the kernel ends whatever is left when we exit; as a subreaper we say it. */
	for (i = 0; i < SLOTS_MAX && t->self != 1; i++) {
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
		.store = &t->store,
		.pass_fds = t->pass_fds,
		.pass_names = t->pass_names,
		.notify = t->cfg.notify,
	};

	return slot_spawn(s, &st, restarts, take_tty, now_ms());
}

/* Reads a slot's exec outcome once it is there, and says "started" or why not. */
static void check_exec(struct tinyhold *t, struct slot *s, bool final)
{
	int r = slot_exec_outcome(s, final);

	if (r < 0)
		return;
	if (r == 0) {
		log_info("started %s as pid %d (restart %lu)", t->cfg.argv[0], (int)s->pid,
			 s->restarts);
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
	retire_begin(&s->retire, grace, now_ms());
	if (grace <= 0)
		kill_group(t, s->pgid);	/* ESRCH: nothing left, fine */
	t->groups_changed = true;
}

/* ---- the supervisor's actions ---------------------------------------------- */

static void log_note(struct tinyhold *t, struct slot *s)
{
	const struct sup *sup = &s->sup;
	char d[32], w[32];

	switch (sup_note(sup)) {
	case SUP_NOTE_RESTART:
		if (sup_delay_ms(sup) == 0) {
			log_info("restarting now (restart %lu)", sup_restarts(sup));
		} else {
			fmt_duration(d, sizeof d, sup_delay_ms(sup));
			log_info("restarting in %s (restart %lu)", d, sup_restarts(sup));
		}
		break;
	case SUP_NOTE_GAVE_UP:
		fmt_duration(w, sizeof w, t->cfg.restart_window_ms);
		log_error("giving up: %ld restarts within %s", t->cfg.max_restarts, w);
		break;
	case SUP_NOTE_STOP_TIMEOUT:
		fmt_duration(d, sizeof d, t->cfg.stop_timeout_ms);
		log_warn("pid %d did not stop within %s; killing its process group", (int)s->pid, d);
		break;
	case SUP_NOTE_WATCHDOG:
		fmt_duration(d, sizeof d, t->cfg.watchdog_ms);
		log_warn("pid %d failed its watchdog (%s); sending SIGABRT, then a restart",
			 (int)s->pid, d);
		break;
	case SUP_NOTE_UNKILLABLE:
		fmt_duration(d, sizeof d, KILL_GRACE_MS);
		log_warn("pid %d is still there %s after SIGKILL (stuck in the kernel?); %s",
			 (int)s->pid, d,
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
		t->exit_due = true;	/* at the end of the pass, once old instances are gone */
		t->exit_code = sup_exit_code(&s->sup);
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
	act(t, s, sup_step(&s->sup, ev, now_ms()));
}

static void step_kind(struct tinyhold *t, struct slot *s, enum sup_event_kind kind)
{
	struct sup_event ev = { .kind = kind };

	step(t, s, &ev);
}

/* A start that SUP_START asked for, at the end of a pass. */
static void start_app(struct tinyhold *t, struct slot *s)
{
	struct sup_event ev = { .kind = SUP_EV_STARTED };
	int r = spawn_slot(t, s, sup_restarts(&s->sup), true);

	s->start_due = false;
	if (r < 0) {
		log_msg(LOG_ERROR, -r, "cannot start the app; retrying in %d ms", FORK_RETRY_MS);
		ev = (struct sup_event){ .kind = SUP_EV_SPAWN_FAILED, .exit_code = EXIT_SETUP };
	}
	step(t, s, &ev);
}

/* ---- the reload's actions ----------------------------------------------------- */

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
	struct slot *n = slot_with(t, SLOT_FREE);
	int r = n != NULL ? spawn_slot(t, n, sup_restarts(&app->sup), false) : -EAGAIN;
	char d[32];

	if (r < 0) {
		log_msg(LOG_ERROR, -r, "reload failed: cannot start the new instance");
		ev.kind = RELOAD_EV_SPAWN_FAILED;
	} else {
		n->role = SLOT_NEW;
		fmt_duration(d, sizeof d, t->cfg.ready_timeout_ms);
		log_info("reloading: started pid %d, waiting up to %s for READY=1", (int)n->pid, d);
	}
	(void)reload_step(&t->reload, &ev, now_ms());	/* nothing to do but wait */
}

static void reload_act(struct tinyhold *t, enum reload_action a, int signo)
{
	struct slot *app = slot_with(t, SLOT_SERVING), *n = slot_with(t, SLOT_NEW);
	char d[32];

	fmt_duration(d, sizeof d, t->cfg.ready_timeout_ms);
	switch (reload_note(&t->reload)) {
	case RELOAD_NOTE_BUSY:
		log_info("reload ignored: a reload is under way");
		break;
	case RELOAD_NOTE_NOT_RUNNING:
		log_info("reload ignored: no app running");
		break;
	case RELOAD_NOTE_RETIRING_FULL:
		log_info("reload ignored: %d old instances are still stopping", RETIRING_MAX);
		break;
	case RELOAD_NOTE_NOT_READY:
		log_error("reload failed: pid %d not ready within %s; keeping pid %d",
			  n != NULL ? (int)n->pid : 0, d, app_pid(t));
		break;
	case RELOAD_NOTE_DIED:
		log_error("reload failed: the new instance ended before READY=1; keeping pid %d",
			  app_pid(t));
		break;
	case RELOAD_NOTE_TOOK_OVER:
		log_info("pid %d takes over from pid %d", n != NULL ? (int)n->pid : 0, app_pid(t));
		break;
	case RELOAD_NOTE_DONE:
		log_info("reload: pid %d is ready; stopping pid %d", n != NULL ? (int)n->pid : 0,
			 app_pid(t));
		break;
	case RELOAD_NOTE_WAITING:
	case RELOAD_NOTE_SPAWN_FAILED:
	case RELOAD_NOTE_STOPPED:
	case RELOAD_NOTE_NONE:
		break;
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

static void reload_event(struct tinyhold *t, enum reload_event_kind kind, int signo)
{
	struct reload_event ev = { .kind = kind };

	reload_act(t, reload_step(&t->reload, &ev, now_ms()), signo);
}

/* A stop, or tinyhold is done: a new instance still waiting for READY=1 goes too. */
static void end_reload(struct tinyhold *t, int signo)
{
	reload_event(t, RELOAD_EV_STOP, signo);
}
/* ---- exits ------------------------------------------------------------------ */

static void wait_status_event(int status, struct sup_event *ev)
{
	ev->kind = SUP_EV_EXITED;
	if (WIFSIGNALED(status))
		ev->term_signal = WTERMSIG(status);
	else
		ev->exit_code = WEXITSTATUS(status);
}

static void log_exit(const char *who, pid_t pid, const struct sup_event *ev, int64_t ran_ms)
{
	char d[32], buf[24];

	d[0] = '\0';
	if (ran_ms >= 0) {
		strcpy(d, " after ");
		fmt_duration(d + 7, sizeof d - 7, ran_ms);
	}
	if (ev->term_signal)
		log_info("%spid %d died of %s%s", who, (int)pid,
			 sig_name(ev->term_signal, buf, sizeof buf), d);
	else
		log_info("%spid %d exited with status %d%s", who, (int)pid, ev->exit_code, d);
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
		log_exit("", app->pid, ev, now_ms() - sup_started_ms(&app->sup));
	if (slot_with(t, SLOT_NEW) != NULL) {
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
static void on_exits(struct tinyhold *t)
{
	for (;;) {
		struct slot *s = NULL;
		struct sup_event ev = { 0 };
		size_t i;

		for (i = 0; i < SLOTS_MAX; i++)
			if (t->slots[i].reaped > 0 && (s == NULL || t->slots[i].reaped < s->reaped))
				s = &t->slots[i];
		if (s == NULL)
			break;
		s->reaped = 0;
		wait_status_event(s->status, &ev);
		t->groups_changed = true;
		switch (s->role) {
		case SLOT_SERVING:
			check_exec(t, s, true);	/* the child wrote its error before it exited */
			app_exited(t, s, &ev);
			break;
		case SLOT_NEW:
			/* A reload's new instance died before READY=1: the old one stays. */
			check_exec(t, s, true);
			if (!s->exec_failed)
				log_exit("new ", s->pid, &ev, now_ms() - s->started_ms);
			reload_event(t, RELOAD_EV_NEW_EXITED, 0);
			break;
		case SLOT_RETIRING:
			log_exit("retired ", s->pid, &ev, -1);
			s->pid = 0;
			break;
		case SLOT_FREE:
			break;
		}
	}
	t->reaped = 0;
}

static struct slot *slot_of(struct tinyhold *t, pid_t pid)
{
	size_t i;

	for (i = 0; i < SLOTS_MAX; i++)
		if (t->slots[i].role != SLOT_FREE && t->slots[i].pid == pid)
			return &t->slots[i];
	return NULL;
}

static void drain_notify(struct tinyhold *t);

/* One SIGCHLD may stand for many children: reap until none is left. Only
 * collects: what an exit means is decided after the loop (on_exits). */
static void reap_all(struct tinyhold *t)
{
	/* Last words first (FDSTORE=1 just before a crash): sent before the exit, they
	 * are queued by now, and their senders are still unreaped zombies, so who sent
	 * them can still be checked. A READY=1 of a reload read here promotes the new
	 * instance before the old one's exit is looked at. */
	drain_notify(t);
	t->sigchld = false;
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		struct slot *s;

		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			break;	/* 0: some still run; ECHILD: none left */
		t->groups_changed = true;	/* it may have been the last of a group */
		if (closer_reaped(pid))
			continue;
		s = slot_of(t, pid);
		if (s == NULL || s->reaped > 0) {
			log_debug("reaped pid %d", (int)pid);
			continue;
		}
		s->reaped = ++t->reaped;
		s->status = status;
	}
}

/* ---- signals ---------------------------------------------------------------- */

static bool is_stop_signal(int signo)
{
	return signo == SIGTERM || signo == SIGINT || signo == SIGQUIT;
}

static void on_reload_signal(struct tinyhold *t)
{
	struct slot *app = slot_with(t, SLOT_SERVING);
	struct reload_event ev = {
		.kind = RELOAD_EV_SIGNAL,
		.app_running = app != NULL && sup_state(&app->sup) == SUP_RUNNING,
		.retiring_full = count_role(t, SLOT_RETIRING) >= RETIRING_MAX,
	};

	reload_act(t, reload_step(&t->reload, &ev, now_ms()), 0);
}

static void on_signal(struct tinyhold *t, const struct sig_info *si)
{
	struct slot *app = slot_with(t, SLOT_SERVING);
	char buf[24];
	const char *name = sig_name(si->signo, buf, sizeof buf);
	int r;

	if (si->signo == SIGCHLD) {
		t->sigchld = true;	/* reaped once the signals of this pass are read */
		return;
	}
	if (si->sender == t->self && si->code == SI_USER) {
		/* e.g. SIGPIPE from our own write to a closed stderr: not the app's business. */
		log_debug("ignoring %s raised by tinyhold itself", name);
		return;
	}
	if (si->signo == t->cfg.reload_signal) {
		on_reload_signal(t);
		return;
	}
	if (app != NULL && app->pid > 0) {
		r = sig_forward(app->pid, t->cfg.process_group, si);
		if (r < 0 && r != -ESRCH)
			log_msg(LOG_WARN, -r, "cannot forward %s to %d, ignoring", name, (int)app->pid);
		else
			log_debug("forwarded %s to %s%d", name, t->cfg.process_group ? "group " : "pid ",
				  (int)app->pid);
	} else if (!is_stop_signal(si->signo)) {
		log_info("no app running; %s not forwarded", name);
	}
	if (is_stop_signal(si->signo) && app != NULL) {
		end_reload(t, si->signo);
		if (sup_state(&app->sup) == SUP_RUNNING)
			log_info("got %s; stopping pid %d", name, (int)app->pid);
		else if (sup_state(&app->sup) != SUP_STOPPING)
			log_info("got %s; stopping", name);
		step_kind(t, app, SUP_EV_STOP);
	}
}

static void drain_signals(struct tinyhold *t)
{
	struct sig_info si;
	int r;

	while ((r = sig_read(t->sigfd, &si)) > 0)
		on_signal(t, &si);
	if (r < 0)
		log_msg(LOG_WARN, -r, "cannot read signals");
}

/* ---- deadlines and groups ------------------------------------------------------ */

static int64_t next_due_ms(const struct tinyhold *t)
{
	int64_t due = deadline_min(reload_due_ms(&t->reload), closer_due_ms());
	size_t i;

	for (i = 0; i < SLOTS_MAX; i++) {
		const struct slot *s = &t->slots[i];
		if (s->role == SLOT_SERVING)
			due = deadline_min(due, sup_due_ms(&s->sup));
		else if (s->role == SLOT_RETIRING)
			due = deadline_min(due, retire_due_ms(&s->retire));
	}
	return due;
}

static void on_deadlines(struct tinyhold *t, int64_t now)
{
	size_t i;

	if (deadline_passed(reload_due_ms(&t->reload), now))
		reload_event(t, RELOAD_EV_TIMER, SIGTERM);
	for (i = 0; i < SLOTS_MAX; i++) {
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
static void on_groups(struct tinyhold *t)
{
	size_t i;

	if (!t->groups_changed)
		return;
	t->groups_changed = false;
	for (i = 0; i < SLOTS_MAX; i++) {
		struct slot *s = &t->slots[i];
		if (s->role == SLOT_SERVING && sup_state(&s->sup) == SUP_DRAINING &&
		    slot_group_gone(s))
			step_kind(t, s, SUP_EV_GROUP_EMPTY);
		else if (s->role == SLOT_RETIRING && s->pid == 0 && slot_group_gone(s) &&
			 retire_step(&s->retire, RETIRE_EV_GROUP_EMPTY, now_ms()) == RETIRE_DONE)
			slot_free(s);
	}
}

/* The acts that wait for the end of a pass: starts, and the exit. */
static void at_pass_end(struct tinyhold *t)
{
	size_t i;

	for (i = 0; i < SLOTS_MAX; i++)
		if (t->slots[i].start_due)
			start_app(t, &t->slots[i]);
	if (t->exit_due) {
		end_reload(t, SIGTERM);
		if (count_role(t, SLOT_RETIRING) == 0)
			exit_now(t, t->exit_code);
	}
}

/* ---- the notify socket -------------------------------------------------------- */

/* A bad datagram is dropped whole; a flood of them costs a log line a second. */
static void notify_drop(struct tinyhold *t, pid_t pid, const char *why)
{
	int64_t now = now_ms();

	t->notify_dropped++;
	if (t->notify_warned_ms > 0 && now - t->notify_warned_ms < NOTIFY_WARN_EVERY_MS)
		return;
	log_warn("dropped a notify datagram from pid %d: %s (%lu dropped so far)", (int)pid, why,
		 t->notify_dropped);
	t->notify_warned_ms = now;
}

/* Who may speak for an instance: its main process and its process group, as
 * SCM_CREDENTIALS names them. A sender that is gone by the time we read (in
 * sh -c 'systemd-notify --ready; exec server', sh has reaped it already)
 * cannot be looked up. It is heard if it was in our pid namespace (for one
 * outside it the kernel gives pid 0) and had the app's uid, since it wrote to
 * the address only this instance was given; its fds are not taken. */
enum sender { SENDER_APP, SENDER_GONE, SENDER_STRANGER };

static enum sender sender_of(const struct tinyhold *t, const struct slot *in,
			     const struct notify_datagram *d)
{
	pid_t pgid;

	if (d->pid <= 0 || in->pid <= 0)
		return SENDER_STRANGER;
	if (d->pid == in->pid)
		return SENDER_APP;
	pgid = getpgid(d->pid);
	if (pgid >= 0)
		return pgid == in->pgid ? SENDER_APP : SENDER_STRANGER;
	return errno == ESRCH && d->uid == t->app_uid ? SENDER_GONE : SENDER_STRANGER;
}

static void drop_fds(struct notify_datagram *d)
{
	size_t i;

	for (i = 0; i < d->nfds; i++)
		closer_drop(d->fds[i]);
	d->nfds = 0;
}

static void store_fds(struct tinyhold *t, const struct notify_msg *m)
{
	struct notify_datagram *d = &t->dgram;
	size_t i, kept = 0, full = 0, unfit = 0;

	for (i = 0; i < d->nfds; i++) {
		int r = -ENOSPC;
		if (t->store.max > 0 && !held_store_fits(&t->held, &t->store, m->fdname))
			r = -E2BIG;	/* the next start could not pass it: refuse it now */
		else if (t->store.max > 0)
			r = fdstore_add(&t->store, d->fds[i], m->fdname);
		if (r == -E2BIG || (r == -ENOSPC && t->store.max == 0))
			closer_add(d->fds[i]);
		kept += r == 1;
		full += r == -ENOSPC;
		unfit += r == -E2BIG;
	}
	d->nfds = 0;
	if (full > 0)
		log_warn("fd store full (--fdstore-max %ld): closed %zu fd(s)", t->cfg.fdstore_max, full);
	if (unfit > 0)
		log_warn("fd store: closed %zu fd(s) that would not fit into the next start "
			 "(fd limit %llu, LISTEN_FDNAMES at most %zu bytes)", unfit,
			 (unsigned long long)t->fd_limit, (size_t)HELD_NAMES_MAX);
	if (kept > 0)
		log_debug("stored %zu fd(s) as %s (%zu in the store)", kept,
			  m->fdname[0] ? m->fdname : FDSTORE_DEFAULT_NAME, t->store.n);
}

static void on_notify(struct tinyhold *t, struct slot *s)
{
	struct notify_datagram *d = &t->dgram;
	enum sender who = sender_of(t, s, d);
	struct notify_msg m;
	const char *why = "";

	if (d->truncated || who == SENDER_STRANGER || notify_parse(d->buf, d->len, &m, &why) < 0) {
		if (d->truncated)
			why = "longer than 4096 bytes or too many fds";
		else if (who == SENDER_STRANGER)
			why = "not from the app";
		drop_fds(d);
		notify_drop(t, d->pid, why);
		return;
	}
	if (who == SENDER_GONE) {
		log_debug("heard pid %d, which has exited; not taking its fds", (int)d->pid);
		drop_fds(d);
		m.fdstore = m.fdstore_remove = false;
	}
	if (m.status != NULL)
		log_info("pid %d status: %.*s", (int)d->pid,
			 (int)(m.status_len < NOTIFY_STATUS_MAX ? m.status_len : NOTIFY_STATUS_MAX),
			 m.status);
	if (m.fdstore_remove && m.fdname[0])
		log_debug("removed %zu fd(s) named %s from the store",
			  fdstore_remove(&t->store, m.fdname), m.fdname);
	if (m.fdstore && m.fdname_bad)
		log_warn("pid %d stored fds with a bad FDNAME; storing them as %s", (int)d->pid,
			 FDSTORE_DEFAULT_NAME);
	if (m.fdstore)
		store_fds(t, &m);
	/* fds that came without FDSTORE=1 (BARRIER=1's among them: closing it tells
	 * sd_notify_barrier() that everything before it has been read). */
	drop_fds(d);

	if (s->role == SLOT_NEW) {
		if (m.ready)
			reload_event(t, RELOAD_EV_READY, 0);
		return;
	}
	if (m.ready) {
		log_info("pid %d is ready", (int)s->pid);
		step_kind(t, s, SUP_EV_READY);
	}
	if (m.reloading)
		log_info("pid %d is reloading", (int)s->pid);
	if (m.stopping) {
		log_info("pid %d is stopping", (int)s->pid);
		step_kind(t, s, SUP_EV_APP_STOPPING);
	}
	if (m.watchdog_ping)
		step_kind(t, s, SUP_EV_WATCHDOG_PING);
	if (m.watchdog_trigger)
		step_kind(t, s, SUP_EV_WATCHDOG_TRIGGER);
}

/* Whether a datagram may be read now: closer.c must have room for its fds and
 * for a FDSTOREREMOVE of the whole store. Without it the socket waits. */
static bool notify_readable(const struct tinyhold *t)
{
	return closer_room() >= t->notify_room;
}

static void drain_one(struct tinyhold *t, struct slot *s)
{
	int r = 1;

	while (s->notifyfd >= 0 && notify_readable(t) &&
	       (r = notify_recv(s->notifyfd, &t->dgram)) > 0)
		on_notify(t, s);
	if (r < 0)
		log_msg(LOG_WARN, -r, "cannot read the notify socket");
}

/* The app's datagrams before a new instance's: its last words before a READY=1 retires it. */
static void drain_notify(struct tinyhold *t)
{
	size_t i;

	for (i = 0; i < SLOTS_MAX; i++)
		if (t->slots[i].role == SLOT_SERVING)
			drain_one(t, &t->slots[i]);
	for (i = 0; i < SLOTS_MAX; i++)
		if (t->slots[i].role == SLOT_NEW)
			drain_one(t, &t->slots[i]);
}

/* ---- the loop ----------------------------------------------------------------- */

static void add_pfd(struct pollfd *pfd, size_t *n, int fd, short events)
{
	if (fd >= 0 && events != 0)
		pfd[(*n)++] = (struct pollfd){ .fd = fd, .events = events };
}

/* Which of the slots' fds poll() found ready: exec outcomes are read, a
 * watched leftover's end marks the groups for a look. Datagrams are read
 * together, by drain_notify(). */
static bool on_slot_fds(struct tinyhold *t, const struct pollfd *pfd, size_t n)
{
	bool notify = false;
	size_t i, j;

	for (j = 1; j < n; j++) {
		if (pfd[j].revents == 0)
			continue;
		for (i = 0; i < SLOTS_MAX; i++) {
			struct slot *s = &t->slots[i];
			if (pfd[j].fd == s->errfd)
				check_exec(t, s, false);
			else if (pfd[j].fd == s->watchfd)
				t->groups_changed = true;
			else if (pfd[j].fd == s->notifyfd)
				notify = notify || (pfd[j].revents & POLLIN);
		}
	}
	return notify;
}

/* From here on tinyhold exits only on purpose: the container dies with it. */
__attribute__((noreturn))
static void loop(struct tinyhold *t)
{
	struct pollfd pfd[PFD_MAX];

	for (;;) {
		short notify_ev = notify_readable(t) ? POLLIN : 0;
		size_t n = 0, i;
		int64_t now;

		add_pfd(pfd, &n, t->sigfd, POLLIN);
		for (i = 0; i < SLOTS_MAX; i++) {
			add_pfd(pfd, &n, t->slots[i].notifyfd, notify_ev);
			add_pfd(pfd, &n, t->slots[i].errfd, POLLIN);
			add_pfd(pfd, &n, t->slots[i].watchfd, POLLIN);
		}
		/* No deadline: no timeout. Nothing here wakes up to look. */
		if (poll(pfd, n, deadline_left_ms(next_due_ms(t), now_ms())) < 0) {
			if (errno != EINTR)
				log_msg(LOG_WARN, errno, "poll");
			continue;
		}
		/* Collect. Datagrams first: one sent just before a crash must be read while
		 * its sender is still the app (unreaped), or it could not be verified. */
		if (on_slot_fds(t, pfd, n))
			drain_notify(t);
		if (pfd[0].revents & POLLIN)
			drain_signals(t);
		if (t->sigchld)
			reap_all(t);
		/* Decide and act. */
		on_exits(t);
		now = now_ms();
		on_deadlines(t, now);
		on_groups(t);
		at_pass_end(t);
		closer_flush(now_ms());	/* what this pass was handed to close */
	}
}

int main(int argc, char **argv)
{
	static struct tinyhold t;
	struct spawn_settings set;
	const struct privs *privs;
	char *cwd;
	int cwd_fd;
	size_t i;

	ensure_std_fds();
	log_init();	/* before anything is logged: PID 1 must never wait for its log */
	/* Block signals first: a SIGTERM during setup waits in the signalfd instead of killing us. */
	t.sigfd = sig_setup();
	if (t.sigfd < 0)
		die(EXIT_SETUP, -t.sigfd, "cannot set up signals");
	t.self = getpid();
	for (i = 0; i < SLOTS_MAX; i++)
		slot_reset(&t.slots[i]);

	switch (opts_parse(argc, argv, environ, &t.cfg)) {
	case OPTS_HELP:
		(void)io_write_all(STDOUT_FILENO, opts_usage, strlen(opts_usage));
		exit(0);
	case OPTS_VERSION:
		printf("tinyhold %s\n", TINYHOLD_VERSION);
		exit(0);
	case OPTS_ERROR:
		log_error("%s", t.cfg.error);
		log_error("try 'tinyhold --help'");
		exit(EXIT_USAGE);
	case OPTS_RUN:
		break;
	}
	log_set_level(t.cfg.verbosity < 0 ? LOG_ERROR : t.cfg.verbosity > 0 ? LOG_DEBUG : LOG_INFO);
	cloexec_inherited_fds();
	setup_privs(&t);
	setup_fd_limit(&t);
	setup_sockets(&t);

	/* Not PID 1: become a subreaper, so orphans of the app still come to us. */
	if (t.self != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		log_msg(LOG_WARN, errno, "cannot become a subreaper; orphans go to the real init");

	/* The app starts where we were started; we move to / so we pin no mount. The
	 * app gets there through an fd, not the path: a path could be changed since. */
	cwd = getcwd(NULL, 0);
	if (cwd == NULL)	/* gone or unreadable: the app would start somewhere else */
		die(EXIT_SETUP, errno, "cannot get the working directory");
	cwd_fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cwd_fd < 0)
		die(EXIT_SETUP, errno, "cannot open the working directory %s", cwd);
	if (chdir("/") < 0)
		log_msg(LOG_WARN, errno, "cannot chdir to /");
	privs = app_privs(&t);
	t.app_uid = privs != NULL ? privs->uid : geteuid();
	set = (struct spawn_settings){
		.argv = t.cfg.argv,
		.environ_in = environ,
		.max_fds = t.held.n + (size_t)t.cfg.fdstore_max,
		.cwd = cwd,
		.cwd_fd = cwd_fd,
		.privs = privs,
		/* An app with fewer privileges than ours gets no controlling terminal:
		 * with one it could push input (TIOCSTI) into the shell that ran us. */
		.new_session = privs != NULL && privs->uid != geteuid(),
		.die_with_parent = t.self != 1,
		.notify = t.cfg.notify,
		.watchdog_usec = t.cfg.watchdog_ms * 1000,
		.nofile = t.nofile,
	};
	/* Then the terminal stays ours, and its SIGINT reaches the app through us. */
	t.give_tty = isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp() &&
		     !set.new_session;
	set.give_tty = t.give_tty;
	if (spawn_init(&t.spawn, &set) < 0)
		die(EXIT_SETUP, ENOMEM, "cannot prepare the app's environment");
	setup_supervisor(&t);
	reload_init(&t.reload, t.cfg.ready_timeout_ms);
	t.slots[0].role = SLOT_SERVING;
	start_app(&t, &t.slots[0]);
	loop(&t);
}
