/* main: argv -> config, then set up, then run the loop. The loop is the one
 * place tinyhold blocks; what it does on each event lives in the modules:
 * supervise.c decides, spawn.c starts, sig.c and notify.c read. */
#include "closer.h"
#include "fdstore.h"
#include "held.h"
#include "inherit.h"
#include "io.h"
#include "log.h"
#include "notify.h"
#include "opts.h"
#include "pgroup.h"
#include "privs.h"
#include "sig.h"
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
/* While draining: a leftover that is not our child sends no SIGCHLD when it
 * dies, so the loop looks again this often until the group is empty. */
#define DRAIN_POLL_MS 10
#define RETIREES_MAX 4		/* old instances being stopped after reloads */
#define NOTIFY_WARN_EVERY_MS 1000	/* a flood of bad datagrams costs one log line a second */

enum { PFD_SIG, PFD_NOTIFY, PFD_NEXT_NOTIFY, PFD_EXEC, PFD_NEXT_EXEC, PFD_COUNT };

/* One run of the app: the current one, or the new one of a reload. */
struct instance {
	pid_t pid;	/* 0 while none runs */
	pid_t pgid;	/* its process group, kept until the group is empty */
	int errfd;	/* exec outcome pipe; -1 once the outcome is known */
	int notifyfd;	/* its own NOTIFY_SOCKET (-1 without --notify): who it came to says whose it is */
	char notify_addr[SPAWN_NOTIFY_ADDR_MAX];
	int64_t started_ms;
	bool exec_failed;
	struct spawn_error exec_error;
};

/* An old instance on its way out after a reload: SIGTERM sent, SIGKILL due. */
struct retiree {
	pid_t pgid;
	int64_t kill_at_ms;	/* -1 once SIGKILL was sent */
	int64_t forget_at_ms;	/* after SIGKILL: give up on leftovers stuck in D state */
	bool leader_reaped;	/* then no SIGCHLD may come for the rest: poll */
};

struct tinyhold {
	struct config cfg;
	struct privs privs;
	struct spawn_ctx spawn;
	struct sup sup;
	struct instance app;	/* the one the supervisor watches */
	struct instance next;	/* a reload's new instance until READY=1 */
	int64_t next_deadline_ms;
	struct retiree retirees[RETIREES_MAX];
	size_t nretirees;
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
	bool exit_pending;	/* the supervisor is done; waiting for retirees */
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

static int64_t min_deadline(int64_t a, int64_t b)
{
	return a < 0 ? b : b < 0 ? a : a < b ? a : b;
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
	sup_init(&t->sup, &sc, recent);
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

/* Closes an instance's notify socket without a last close() of anything a
 * sender put in it: no new datagram gets in (shutdown), what is queued is read
 * and its fds go to closer.c. */
static void close_notify(struct instance *in)
{
	static struct notify_datagram scratch;	/* not t->dgram: that one may be in use */
	struct notify_datagram *d = &scratch;
	size_t i;

	if (in->notifyfd < 0)
		return;
	(void)shutdown(in->notifyfd, SHUT_RD);
	while (notify_recv(in->notifyfd, d) > 0)
		for (i = 0; i < d->nfds; i++)
			closer_drop(d->fds[i]);
	(void)close(in->notifyfd);
	in->notifyfd = -1;
}

/* The app's working directory as an O_PATH fd: it is entered through this at
 * every start (fchdir), never through its path, which could be changed since. */
static int open_cwd(const char *cwd)
{
	int fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		die(EXIT_SETUP, errno, "cannot open the working directory %s", cwd);
	return fd;
}

/* ---- starting and stopping instances -------------------------------------- */

/* Empty, owning nothing: after its fds moved to another instance. */
static void instance_reset(struct instance *in)
{
	memset(in, 0, sizeof *in);
	in->errfd = in->notifyfd = -1;
}

/* Empty, after closing what it owned. */
static void instance_clear(struct instance *in)
{
	close_notify(in);
	if (in->errfd >= 0)
		(void)close(in->errfd);
	instance_reset(in);
}

__attribute__((noreturn))
static void exit_now(struct tinyhold *t, int code)
{
	/* Hand the terminal back to our own group, or the shell that ran us reads from a dead one. */
	if (t->give_tty)
		(void)tcsetpgrp(STDIN_FILENO, getpgrp());
	/* As PID 1 the kernel ends whatever is left when we exit; as a subreaper we say it. */
	if (t->self != 1 && t->app.pid > 0)
		log_warn("leaving pid %d behind", (int)t->app.pid);
	if (t->self != 1 && t->app.pgid > 0 && pgroup_alive(t->app.pgid))
		log_warn("leaving processes of group %d behind", (int)t->app.pgid);
	log_debug("exiting with status %d", code);
	exit(code);
}

/* 0, or -errno if it could not be started. take_tty: it gets the terminal's foreground. */
static int spawn_instance(struct tinyhold *t, struct instance *in, bool take_tty)
{
	size_t n;
	pid_t pid;

	in->exec_failed = false;
	in->pid = in->pgid = 0;
	in->errfd = -1;
	if (t->cfg.notify) {
		in->notifyfd = notify_open(in->notify_addr, sizeof in->notify_addr);
		if (in->notifyfd < 0)
			return in->notifyfd;
	}
	held_reset(&t->held);
	n = held_pass(&t->held, &t->store, t->pass_fds, t->pass_names);
	pid = spawn_start(&t->spawn, t->pass_fds, n, t->pass_names,
			  in->notifyfd >= 0 ? in->notify_addr : NULL, t->sup.restarts, take_tty,
			  &in->errfd);
	if (pid < 0) {
		in->errfd = -1;
		close_notify(in);
		return (int)pid;
	}
	in->pid = in->pgid = pid;
	in->started_ms = now_ms();
	return 0;
}

static void start_app(struct tinyhold *t)
{
	int r = spawn_instance(t, &t->app, true);

	if (r < 0) {
		log_msg(LOG_ERROR, -r, "cannot start the app; retrying in %d ms", FORK_RETRY_MS);
		sup_spawn_failed(&t->sup, EXIT_SETUP, now_ms());
		return;
	}
	sup_started(&t->sup, now_ms());
}

/* Reads an instance's exec outcome once it is there, and says "started" or why not. */
static void check_exec(struct tinyhold *t, struct instance *in)
{
	int r;

	if (in->errfd < 0)
		return;
	r = spawn_outcome(in->errfd, &in->exec_error);
	if (r == -EAGAIN)
		return;
	(void)close(in->errfd);
	in->errfd = -1;
	in->exec_failed = r == 1;
	if (!in->exec_failed) {
		log_info("started %s as pid %d (restart %lu)", t->cfg.argv[0], (int)in->pid,
			 t->sup.restarts);
		return;
	}
	switch (in->exec_error.stage) {
	case SPAWN_CHDIR:
		log_msg(LOG_ERROR, in->exec_error.err, "cannot enter %s", t->spawn.set.cwd);
		break;
	case SPAWN_PRIVS:
		log_msg(LOG_ERROR, in->exec_error.err, "cannot switch to user %s", t->cfg.user);
		break;
	case SPAWN_FDS:
		log_msg(LOG_ERROR, in->exec_error.err, "cannot pass the fds to %s; retrying in %d ms",
			t->cfg.argv[0], FORK_RETRY_MS);
		break;
	default:
		log_msg(LOG_ERROR, in->exec_error.err, "cannot exec %s", t->cfg.argv[0]);
		break;
	}
}

static void send_to(struct tinyhold *t, pid_t pid, int signo)
{
	if (kill(t->cfg.process_group ? -pid : pid, signo) < 0 && errno != ESRCH)
		log_msg(LOG_WARN, errno, "cannot signal %d", (int)pid);
}

/* SIGTERM now, SIGKILL to its group after the stop timeout: how old instances leave. */
static void retire(struct tinyhold *t, struct instance *in, int signo)
{
	if (in->pid > 0 && signo > 0)
		send_to(t, in->pid, signo);
	if (t->nretirees < RETIREES_MAX) {
		struct retiree *r = &t->retirees[t->nretirees++];
		r->pgid = in->pgid;
		r->kill_at_ms = now_ms() + t->cfg.stop_timeout_ms;
		r->forget_at_ms = -1;
		r->leader_reaped = in->pid == 0;	/* discard(): already reaped */
	} else if (in->pgid > 0) {
		(void)kill(-in->pgid, SIGKILL);	/* no slot to wait in: no grace */
	}
	instance_clear(in);
}

/* An instance that died mid-reload: SIGKILL what is left of its group at once. */
static void discard(struct tinyhold *t, struct instance *in)
{
	pid_t pgid = in->pgid;

	in->pid = 0;
	retire(t, in, 0);
	if (pgid > 0)
		(void)kill(-pgid, SIGKILL);	/* ESRCH: nothing left, fine */
}

/* Forgets retirees whose group is gone; SIGKILLs those past their grace. */
static void tend_retirees(struct tinyhold *t, int64_t now)
{
	size_t i = 0;

	while (i < t->nretirees) {
		struct retiree *r = &t->retirees[i];
		if (!pgroup_alive(r->pgid)) {
			t->retirees[i] = t->retirees[--t->nretirees];
			continue;
		}
		if (r->kill_at_ms >= 0 && now >= r->kill_at_ms) {
			log_warn("old process group %d did not stop in time; killing it", (int)r->pgid);
			(void)kill(-r->pgid, SIGKILL);
			r->kill_at_ms = -1;
			r->forget_at_ms = now + DRAIN_TIMEOUT_MS;
		} else if (r->forget_at_ms >= 0 && now >= r->forget_at_ms) {
			log_warn("old process group %d would not die; going on without it", (int)r->pgid);
			t->retirees[i] = t->retirees[--t->nretirees];
			continue;
		}
		i++;
	}
	if (t->exit_pending && t->nretirees == 0)
		exit_now(t, t->sup.exit_code);
}

/* ---- the supervisor's actions ----------------------------------------------- */

static void run_action(struct tinyhold *t, enum sup_action a);

static void step(struct tinyhold *t, const struct sup_event *ev)
{
	run_action(t, sup_step(&t->sup, ev, now_ms()));
}

/* The app is gone: once nothing of its process group lives, decide what next. */
static void check_drained(struct tinyhold *t)
{
	if (t->sup.state == SUP_DRAINING && !pgroup_alive(t->app.pgid)) {
		struct sup_event ev = { .kind = SUP_EV_GROUP_EMPTY };
		t->app.pgid = 0;
		step(t, &ev);
	}
}

static void log_note(struct tinyhold *t)
{
	struct sup *s = &t->sup;
	char d[32], w[32];

	switch (s->note) {
	case SUP_NOTE_RESTART:
		if (s->delay_ms == 0) {
			log_info("restarting now (restart %lu)", s->restarts);
		} else {
			fmt_duration(d, sizeof d, s->delay_ms);
			log_info("restarting in %s (restart %lu)", d, s->restarts);
		}
		break;
	case SUP_NOTE_GAVE_UP:
		fmt_duration(w, sizeof w, s->cfg.window_ms);
		log_error("giving up: %ld restarts within %s", s->cfg.max_restarts, w);
		break;
	case SUP_NOTE_STOP_TIMEOUT:
		fmt_duration(d, sizeof d, s->cfg.stop_timeout_ms);
		log_warn("pid %d did not stop within %s; killing its process group",
			 (int)t->app.pid, d);
		break;
	case SUP_NOTE_WATCHDOG:
		fmt_duration(d, sizeof d, s->cfg.watchdog_ms);
		log_warn("pid %d failed its watchdog (%s); sending SIGABRT, then a restart",
			 (int)t->app.pid, d);
		break;
	case SUP_NOTE_UNKILLABLE:
		fmt_duration(d, sizeof d, KILL_GRACE_MS);
		log_warn("pid %d is still there %s after SIGKILL (stuck in the kernel?); %s",
			 (int)t->app.pid, d,
			 s->state == SUP_DONE ? "exiting without it" : "killing it again");
		break;
	case SUP_NOTE_NO_RESTART:
	case SUP_NOTE_STOPPED:
	case SUP_NOTE_EXEC_FAILED:
	case SUP_NOTE_NONE:
		break;
	}
}

static void run_action(struct tinyhold *t, enum sup_action a)
{
	log_note(t);
	switch (a) {
	case SUP_NONE:
		return;
	case SUP_START:
		start_app(t);
		return;
	case SUP_EXIT:
		if (t->next.pid > 0)
			retire(t, &t->next, SIGTERM);
		t->exit_pending = true;
		tend_retirees(t, now_ms());	/* exits now unless an old instance is still stopping */
		return;
	case SUP_ABORT:
		/* Only the main process: SIGABRT is for its core dump, not for its workers. */
		if (t->app.pid > 0 && kill(t->app.pid, SIGABRT) < 0 && errno != ESRCH)
			log_msg(LOG_WARN, errno, "cannot send SIGABRT to %d", (int)t->app.pid);
		return;
	case SUP_KILL_GROUP:
		if (t->app.pgid > 0 && kill(-t->app.pgid, SIGKILL) < 0 && errno != ESRCH)
			log_msg(LOG_WARN, errno, "cannot kill process group %d", (int)t->app.pgid);
		/* The app may have left its group (setpgid, setsid): kill(-pgid) misses it. */
		if (t->app.pid > 0 && kill(t->app.pid, SIGKILL) < 0 && errno != ESRCH)
			log_msg(LOG_WARN, errno, "cannot kill pid %d", (int)t->app.pid);
		check_drained(t);
		return;
	}
}

/* ---- events ------------------------------------------------------------------ */

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

/* A reload's new instance died before READY=1: the old one stays. */
static void next_exited(struct tinyhold *t, int status)
{
	struct sup_event ev = { 0 };

	check_exec(t, &t->next);
	wait_status_event(status, &ev);
	if (!t->next.exec_failed)
		log_exit("new ", t->next.pid, &ev, now_ms() - t->next.started_ms);
	log_error("reload failed: the new instance ended before READY=1; keeping pid %d",
		  (int)t->app.pid);
	discard(t, &t->next);
}

static void app_exited(struct tinyhold *t, int status)
{
	struct instance *app = &t->app;
	struct sup_event ev = { 0 };

	check_exec(t, app);	/* the child wrote its error before it exited: it is there now */
	if (app->errfd >= 0) {
		(void)close(app->errfd);	/* cannot happen: the write end died with the child */
		app->errfd = -1;
	}
	wait_status_event(status, &ev);
	if (app->exec_failed && app->exec_error.stage == SPAWN_FDS) {
		/* Our own failure (out of fds or memory), not the command's: never 126. */
		app->pid = 0;
		close_notify(app);
		sup_spawn_failed(&t->sup, EXIT_SETUP, now_ms());
		return;
	}
	if (app->exec_failed)
		ev.exec_errno = app->exec_error.err ? app->exec_error.err : EIO;
	else
		log_exit("", app->pid, &ev, now_ms() - t->sup.started_ms);

	if (t->next.pid > 0 && !t->sup.stop_requested) {
		/* The old instance died mid-reload: the new one takes over at once. */
		log_info("pid %d takes over from pid %d", (int)t->next.pid, (int)app->pid);
		if (t->give_tty)
			(void)tcsetpgrp(STDIN_FILENO, t->next.pgid);
		discard(t, app);
		*app = t->next;
		instance_reset(&t->next);
		t->next_deadline_ms = -1;
		sup_started(&t->sup, now_ms());
		return;
	}
	app->pid = 0;
	close_notify(app);	/* its last words were read before it was reaped */
	/* Between runs the terminal is ours again: a Ctrl-C during a back-off reaches us. */
	if (t->give_tty)
		(void)tcsetpgrp(STDIN_FILENO, getpgrp());
	step(t, &ev);
}

static void drain_notify(struct tinyhold *t);

/* The main process of an old instance (its pid is its group's id): from now on
 * the rest of its group may die without a SIGCHLD to us. */
static bool is_retiree(struct tinyhold *t, pid_t pid)
{
	size_t i;

	for (i = 0; i < t->nretirees; i++) {
		if (t->retirees[i].pgid == pid) {
			t->retirees[i].leader_reaped = true;
			return true;
		}
	}
	return false;
}

static void log_retiree_exit(pid_t pid, int status)
{
	struct sup_event ev = { 0 };

	wait_status_event(status, &ev);
	log_exit("retired ", pid, &ev, -1);
}

/* One SIGCHLD may stand for many children: reap until none is left. */
static void reap_all(struct tinyhold *t)
{
	/* Last words first (FDSTORE=1 just before a crash): sent before the exit, they
	 * are queued by now, and their senders are still unreaped zombies, so who sent
	 * them can still be checked. A READY=1 of a reload read here promotes the new
	 * instance before the old one's exit is looked at. */
	drain_notify(t);
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			break;	/* 0: some still run; ECHILD: none left */
		if (closer_reaped(pid))
			continue;
		if (pid == t->app.pid)
			app_exited(t, status);
		else if (pid == t->next.pid)
			next_exited(t, status);
		else if (is_retiree(t, pid))
			log_retiree_exit(pid, status);
		else
			log_debug("reaped pid %d", (int)pid);
	}
	check_drained(t);
}

static void start_reload(struct tinyhold *t)
{
	char d[32];
	int r;

	if (t->sup.state != SUP_RUNNING || t->next.pid > 0) {
		log_info("reload ignored: %s", t->next.pid > 0 ? "a reload is under way" : "no app running");
		return;
	}
	/* Each old instance gets its --stop-timeout: no slot, no reload (retire() would SIGKILL it). */
	if (t->nretirees >= RETIREES_MAX) {
		log_info("reload ignored: %d old instances are still stopping", RETIREES_MAX);
		return;
	}
	r = spawn_instance(t, &t->next, false);	/* the terminal stays with the old one until READY=1 */
	if (r < 0) {
		log_msg(LOG_ERROR, -r, "reload failed: cannot start the new instance");
		return;
	}
	t->next_deadline_ms = now_ms() + t->cfg.ready_timeout_ms;
	fmt_duration(d, sizeof d, t->cfg.ready_timeout_ms);
	log_info("reloading: started pid %d, waiting up to %s for READY=1", (int)t->next.pid, d);
}

/* READY=1 from the new instance: it becomes the app; the old one is stopped gracefully. */
static void finish_reload(struct tinyhold *t)
{
	struct sup_event ready = { .kind = SUP_EV_READY };

	log_info("reload: pid %d is ready; stopping pid %d", (int)t->next.pid, (int)t->app.pid);
	if (t->give_tty)
		(void)tcsetpgrp(STDIN_FILENO, t->next.pgid);
	retire(t, &t->app, SIGTERM);
	t->app = t->next;
	instance_reset(&t->next);
	t->next_deadline_ms = -1;
	sup_started(&t->sup, now_ms());
	step(t, &ready);
}

static bool is_stop_signal(int signo)
{
	return signo == SIGTERM || signo == SIGINT || signo == SIGQUIT;
}

static void on_signal(struct tinyhold *t, const struct sig_info *si)
{
	char buf[24];
	const char *name = sig_name(si->signo, buf, sizeof buf);
	int r;

	if (si->signo == SIGCHLD) {
		reap_all(t);
		return;
	}
	if (si->sender == t->self && si->code == SI_USER) {
		/* e.g. SIGPIPE from our own write to a closed stderr: not the app's business. */
		log_debug("ignoring %s raised by tinyhold itself", name);
		return;
	}
	if (si->signo == t->cfg.reload_signal) {
		start_reload(t);
		return;
	}
	if (t->app.pid > 0) {
		r = sig_forward(t->app.pid, t->cfg.process_group, si);
		if (r < 0 && r != -ESRCH)
			log_msg(LOG_WARN, -r, "cannot forward %s to %d, ignoring", name,
				(int)t->app.pid);
		else
			log_debug("forwarded %s to %s%d", name, t->cfg.process_group ? "group " : "pid ",
				  (int)t->app.pid);
	} else if (!is_stop_signal(si->signo)) {
		log_info("no app running; %s not forwarded", name);
	}
	if (is_stop_signal(si->signo)) {
		struct sup_event ev = { .kind = SUP_EV_STOP };
		if (t->next.pid > 0)
			retire(t, &t->next, si->signo);
		if (t->sup.state == SUP_RUNNING)
			log_info("got %s; stopping pid %d", name, (int)t->app.pid);
		else if (t->sup.state != SUP_STOPPING)
			log_info("got %s; stopping", name);
		step(t, &ev);
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

static enum sender sender_of(const struct tinyhold *t, const struct instance *in,
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

static void on_notify(struct tinyhold *t, struct instance *in)
{
	struct notify_datagram *d = &t->dgram;
	enum sender who = sender_of(t, in, d);
	bool is_next = in == &t->next;
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

	if (is_next) {
		if (m.ready)
			finish_reload(t);
		return;
	}
	if (m.ready) {
		struct sup_event ev = { .kind = SUP_EV_READY };
		log_info("pid %d is ready", (int)t->app.pid);
		step(t, &ev);
	}
	if (m.reloading)
		log_info("pid %d is reloading", (int)t->app.pid);
	if (m.stopping) {
		struct sup_event ev = { .kind = SUP_EV_APP_STOPPING };
		log_info("pid %d is stopping", (int)t->app.pid);
		step(t, &ev);
	}
	if (m.watchdog_ping) {
		struct sup_event ev = { .kind = SUP_EV_WATCHDOG_PING };
		step(t, &ev);
	}
	if (m.watchdog_trigger) {
		struct sup_event ev = { .kind = SUP_EV_WATCHDOG_TRIGGER };
		step(t, &ev);
	}
}

/* Whether a datagram may be read now: closer.c must have room for its fds and
 * for a FDSTOREREMOVE of the whole store. Without it the socket waits. */
static bool notify_readable(const struct tinyhold *t)
{
	return closer_room() >= t->notify_room;
}

static void drain_one(struct tinyhold *t, struct instance *in)
{
	int r = 1;

	while (in->notifyfd >= 0 && notify_readable(t) &&
	       (r = notify_recv(in->notifyfd, &t->dgram)) > 0)
		on_notify(t, in);
	if (r < 0)
		log_msg(LOG_WARN, -r, "cannot read the notify socket");
}

static void drain_notify(struct tinyhold *t)
{
	drain_one(t, &t->app);
	drain_one(t, &t->next);
}

/* ---- the loop ----------------------------------------------------------------- */

static int loop_timeout(struct tinyhold *t, int64_t now)
{
	int64_t due = min_deadline(t->next.pid > 0 ? t->next_deadline_ms : -1, closer_due_ms());
	int timeout = sup_timeout_ms(&t->sup, now);
	bool poll_group = t->sup.state == SUP_DRAINING;
	size_t i;

	for (i = 0; i < t->nretirees; i++) {
		due = min_deadline(due, t->retirees[i].kill_at_ms);
		due = min_deadline(due, t->retirees[i].forget_at_ms);
		poll_group |= t->retirees[i].leader_reaped;
	}
	if (due >= 0) {
		int64_t left = due > now ? due - now : 0;
		if (timeout < 0 || left < timeout)
			timeout = left > 0x7fffffff ? 0x7fffffff : (int)left;
	}
	/* Leftovers of a reaped leader may die without a SIGCHLD to us: look again soon.
	 * While the leader lives, its own SIGCHLD wakes us: no polling. */
	if (poll_group && (timeout < 0 || timeout > DRAIN_POLL_MS))
		timeout = DRAIN_POLL_MS;
	return timeout;
}

/* From here on tinyhold exits only on purpose: the container dies with it. */
__attribute__((noreturn))
static void loop(struct tinyhold *t)
{
	struct pollfd pfd[PFD_COUNT];

	for (;;) {
		short notify_ev = notify_readable(t) ? POLLIN : 0;
		int64_t now;

		pfd[PFD_SIG] = (struct pollfd){ .fd = t->sigfd, .events = POLLIN };
		pfd[PFD_NOTIFY] = (struct pollfd){ .fd = t->app.notifyfd, .events = notify_ev };	/* -1: skipped */
		pfd[PFD_NEXT_NOTIFY] = (struct pollfd){ .fd = t->next.notifyfd, .events = notify_ev };
		pfd[PFD_EXEC] = (struct pollfd){ .fd = t->app.errfd, .events = POLLIN };
		pfd[PFD_NEXT_EXEC] = (struct pollfd){ .fd = t->next.errfd, .events = POLLIN };
		if (poll(pfd, PFD_COUNT, loop_timeout(t, now_ms())) < 0) {
			if (errno != EINTR)
				log_msg(LOG_WARN, errno, "poll");
			continue;
		}
		if (pfd[PFD_EXEC].revents)
			check_exec(t, &t->app);
		if (pfd[PFD_NEXT_EXEC].revents)
			check_exec(t, &t->next);
		/* Datagrams first: one sent just before a crash must be read while its
		 * sender is still the app (unreaped), or it could not be verified. */
		if ((pfd[PFD_NOTIFY].revents | pfd[PFD_NEXT_NOTIFY].revents) & POLLIN)
			drain_notify(t);
		if (pfd[PFD_SIG].revents & POLLIN)
			drain_signals(t);
		check_drained(t);
		now = now_ms();
		if (t->next.pid > 0 && now >= t->next_deadline_ms) {
			char d[32];
			fmt_duration(d, sizeof d, t->cfg.ready_timeout_ms);
			log_error("reload failed: pid %d not ready within %s; keeping pid %d",
				  (int)t->next.pid, d, (int)t->app.pid);
			retire(t, &t->next, SIGTERM);
		}
		tend_retirees(t, now);
		if (sup_timeout_ms(&t->sup, now) == 0) {
			struct sup_event ev = { .kind = SUP_EV_TIMER };
			if (t->sup.state == SUP_DRAINING)
				log_warn("process group %d would not die; going on without it",
					 (int)t->app.pgid);
			step(t, &ev);
		}
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

	ensure_std_fds();
	log_init();	/* before anything is logged: PID 1 must never wait for its log */
	/* Block signals first: a SIGTERM during setup waits in the signalfd instead of killing us. */
	t.sigfd = sig_setup();
	if (t.sigfd < 0)
		die(EXIT_SETUP, -t.sigfd, "cannot set up signals");
	t.self = getpid();
	instance_reset(&t.app);
	instance_reset(&t.next);
	t.next_deadline_ms = -1;

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
	cwd_fd = open_cwd(cwd);
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
	start_app(&t);
	loop(&t);
}
