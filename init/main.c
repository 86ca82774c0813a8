/* main: argv -> config, then set up, then run the loop. The loop is the one
 * place tinyhold blocks; what it does on each event lives in the modules. */
#include "io.h"
#include "log.h"
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

enum { PFD_SIG, PFD_EXEC, PFD_COUNT };

struct app {
	pid_t pid;	/* 0 while no app runs */
	pid_t pgid;	/* the app's process group, kept until it is empty */
	int errfd;	/* exec outcome pipe; -1 once the outcome is known */
	bool exec_failed;
	struct spawn_error exec_error;
};

struct tinyhold {
	struct config cfg;
	struct privs privs;
	struct spawn_ctx spawn;
	struct sup sup;
	struct app app;
	int sigfd;
	int *held;
	pid_t self;
	bool give_tty;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail with a valid pointer; wall-clock jumps must not move deadlines. */
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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

static void fmt_duration(char *buf, size_t len, int64_t ms)
{
	snprintf(buf, len, "%lld.%03llds", (long long)(ms / 1000), (long long)(ms % 1000));
}

static void bind_all(struct tinyhold *t, char *names, size_t names_len)
{
	int backlog = t->cfg.backlog > 0 ? t->cfg.backlog : sock_default_backlog();
	size_t i, used = 0;

	t->held = calloc(t->cfg.nspecs ? t->cfg.nspecs : 1, sizeof *t->held);
	if (t->held == NULL)
		die(EXIT_SETUP, ENOMEM, "cannot allocate sockets");
	names[0] = '\0';
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
		t->held[i] = fd;
		log_debug("listening on %s as fd %zu, name %s", where, LISTEN_FDS_START + i, s->name);
		used += (size_t)snprintf(names + used, names_len - used, "%s%s", i ? ":" : "", s->name);
	}
}

__attribute__((noreturn))
static void exit_now(struct tinyhold *t, int code)
{
	/* Hand the terminal back to our own group, or the shell that ran us reads from a dead one. */
	if (t->give_tty)
		(void)tcsetpgrp(STDIN_FILENO, getpgrp());
	log_debug("exiting with status %d", code);
	exit(code);
}

/* While draining: a leftover that is not our child sends no SIGCHLD when it
 * dies, so the loop looks again this often until the group is empty. */
#define DRAIN_POLL_MS 10

static void run_action(struct tinyhold *t, enum sup_action a);
static void step(struct tinyhold *t, const struct sup_event *ev);

/* The app is gone: once nothing of its process group lives, decide what next. */
static void check_drained(struct tinyhold *t)
{
	if (t->sup.state == SUP_DRAINING && !pgroup_alive(t->app.pgid)) {
		struct sup_event ev = { .kind = SUP_EV_GROUP_EMPTY };
		t->app.pgid = 0;
		step(t, &ev);
	}
}

static void step(struct tinyhold *t, const struct sup_event *ev)
{
	run_action(t, sup_step(&t->sup, ev, now_ms()));
}

/* Reads the exec outcome once it is there, and says "started" or why not. */
static void check_exec(struct tinyhold *t)
{
	struct app *app = &t->app;
	int r;

	if (app->errfd < 0)
		return;
	r = spawn_outcome(app->errfd, &app->exec_error);
	if (r == -EAGAIN)
		return;
	(void)close(app->errfd);
	app->errfd = -1;
	app->exec_failed = r == 1;
	if (!app->exec_failed) {
		log_info("started %s as pid %d (restart %lu)", t->cfg.argv[0], (int)app->pid,
			 t->sup.restarts);
		return;
	}
	switch (app->exec_error.stage) {
	case SPAWN_CHDIR:
		log_msg(LOG_ERROR, app->exec_error.err, "cannot enter %s", t->spawn.cwd);
		break;
	case SPAWN_PRIVS:
		log_msg(LOG_ERROR, app->exec_error.err, "cannot switch to user %s", t->cfg.user);
		break;
	case SPAWN_FDS:
		log_msg(LOG_ERROR, app->exec_error.err, "cannot pass the sockets to %s",
			t->cfg.argv[0]);
		break;
	default:
		log_msg(LOG_ERROR, app->exec_error.err, "cannot exec %s", t->cfg.argv[0]);
		break;
	}
}

static void start_app(struct tinyhold *t)
{
	struct app *app = &t->app;
	pid_t pid = spawn_start(&t->spawn, t->sup.restarts, &app->errfd);

	app->exec_failed = false;
	if (pid < 0) {
		log_msg(LOG_ERROR, (int)-pid, "cannot fork; retrying in %d ms", FORK_RETRY_MS);
		app->pid = app->pgid = 0;
		app->errfd = -1;
		sup_spawn_failed(&t->sup, EXIT_SETUP, now_ms());
		return;
	}
	sup_started(&t->sup, now_ms());
	app->pid = app->pgid = pid;
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
		exit_now(t, t->sup.exit_code);
	case SUP_KILL_GROUP:
		if (t->app.pgid > 0 && kill(-t->app.pgid, SIGKILL) < 0 && errno != ESRCH)
			log_msg(LOG_WARN, errno, "cannot kill process group %d", (int)t->app.pgid);
		check_drained(t);
		return;
	}
}

static void app_exited(struct tinyhold *t, int status)
{
	struct app *app = &t->app;
	struct sup_event ev = { .kind = SUP_EV_EXITED };
	char d[32], buf[24];

	check_exec(t);	/* the child wrote its error before it exited: it is there now */
	if (app->errfd >= 0) {
		/* Cannot happen: the pipe's write end died with the child. */
		(void)close(app->errfd);
		app->errfd = -1;
	}
	if (WIFSIGNALED(status))
		ev.term_signal = WTERMSIG(status);
	else
		ev.exit_code = WEXITSTATUS(status);
	if (app->exec_failed) {
		ev.exec_errno = app->exec_error.err ? app->exec_error.err : EIO;
	} else {
		fmt_duration(d, sizeof d, now_ms() - t->sup.started_ms);
		if (ev.term_signal)
			log_info("pid %d died of %s after %s", (int)app->pid,
				 sig_name(ev.term_signal, buf, sizeof buf), d);
		else
			log_info("pid %d exited with status %d after %s", (int)app->pid,
				 ev.exit_code, d);
	}
	app->pid = 0;
	step(t, &ev);
}

/* One SIGCHLD may stand for many children: reap until none is left. */
static void reap_all(struct tinyhold *t)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			break;	/* 0: some still run; ECHILD: none left */
		if (pid == t->app.pid)
			app_exited(t, status);
		else
			log_debug("reaped pid %d", (int)pid);
	}
	check_drained(t);
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

/* From here on tinyhold exits only on purpose: the container dies with it. */
__attribute__((noreturn))
static void loop(struct tinyhold *t)
{
	struct pollfd pfd[PFD_COUNT];

	for (;;) {
		int timeout = sup_timeout_ms(&t->sup, now_ms());	/* -1 unless a deadline is due */

		if (t->sup.state == SUP_DRAINING && (timeout < 0 || timeout > DRAIN_POLL_MS))
			timeout = DRAIN_POLL_MS;

		pfd[PFD_SIG] = (struct pollfd){ .fd = t->sigfd, .events = POLLIN };
		pfd[PFD_EXEC] = (struct pollfd){ .fd = t->app.errfd, .events = POLLIN };	/* -1: skipped */
		if (poll(pfd, PFD_COUNT, timeout) < 0) {
			if (errno != EINTR)
				log_msg(LOG_WARN, errno, "poll");
			continue;
		}
		if (pfd[PFD_EXEC].revents)
			check_exec(t);
		if (pfd[PFD_SIG].revents & POLLIN)
			drain_signals(t);
		check_drained(t);
		if (sup_timeout_ms(&t->sup, now_ms()) == 0) {
			struct sup_event ev = { .kind = SUP_EV_TIMER };
			if (t->sup.state == SUP_DRAINING)
				log_warn("process group %d would not die; going on without it",
					 (int)t->app.pgid);
			step(t, &ev);
		}
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
		.remap = t->cfg.remap,
	};
	int64_t *recent = NULL;

	if (sc.max_restarts > 0 && (recent = calloc((size_t)sc.max_restarts, sizeof *recent)) == NULL)
		die(EXIT_SETUP, ENOMEM, "cannot allocate the restart window");
	sup_init(&t->sup, &sc, recent);
}

int main(int argc, char **argv)
{
	static struct tinyhold t;
	char *names, *cwd;
	size_t names_len;

	ensure_std_fds();
	/* Block signals first: a SIGTERM during setup waits in the signalfd instead of killing us. */
	t.sigfd = sig_setup();
	if (t.sigfd < 0)
		die(EXIT_SETUP, -t.sigfd, "cannot set up signals");
	t.self = getpid();
	t.app.errfd = -1;

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

	names_len = t.cfg.nspecs * (SPEC_NAME_MAX + 1) + 1;
	names = malloc(names_len);
	if (names == NULL)
		die(EXIT_SETUP, ENOMEM, "cannot allocate names");
	bind_all(&t, names, names_len);

	/* Not PID 1: become a subreaper, so orphans of the app still come to us. */
	if (t.self != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		log_msg(LOG_WARN, errno, "cannot become a subreaper; orphans go to the real init");

	/* The app starts where we were started; we move to / so we pin no mount. */
	cwd = getcwd(NULL, 0);
	if (chdir("/") < 0)
		log_msg(LOG_WARN, errno, "cannot chdir to /");
	t.give_tty = isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp();

	if (spawn_init(&t.spawn, t.cfg.argv, environ, t.held, t.cfg.nspecs, names, cwd,
		       app_privs(&t), t.give_tty,
		       t.self != 1) < 0)
		die(EXIT_SETUP, ENOMEM, "cannot prepare the app's environment");
	free(names);
	setup_supervisor(&t);
	start_app(&t);
	loop(&t);
}
