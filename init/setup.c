/* setup: everything tinyhold does once, before the loop: the std fds, the
 * held sockets, the fd limit, the privileges, the app's spawn settings. Each
 * failure is a setup error (125) that names what it could not do. */
#include "setup.h"
#include "closer.h"
#include "cpus.h"
#include "fmt.h"
#include "inherit.h"
#include "log.h"
#include "mem.h"
#include "relayio.h"
#include "sock.h"
#include "status.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define FD_SCAN_MAX 65536	/* fallback fd sweep when close_range() is missing (Linux < 5.11) */
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Someone may start us with 0, 1 or 2 closed: then our first socket would become
 * the app's stdout. Fill the gaps with /dev/null before opening anything. */
void setup_std_fds(void)
{
	int fd;

	for (fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF)
			(void)open("/dev/null", O_RDWR);	/* takes the lowest free fd: this one */
}

/* Fds our own parent leaked must not reach the app: mark them close-on-exec. */
void setup_cloexec_inherited(void)
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
			fmt(where, sizeof where, "%s0.0.0.0:%u (no IPv6)", s->datagram ? "udp:" : "",
				 s->port);
		log_debug("listening on %s as fd %zu, name %s", where, LISTEN_FDS_START + t->held.n,
			  s->name);
		held_add(&t->held, fd, s->name);
	}
}

void setup_sockets(struct tinyhold *t)
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
	t->pass_fds = mem_alloc(cap + (size_t)t->cfg.fdstore_max + 1, sizeof *t->pass_fds);
	t->pass_names = mem_alloc(1, HELD_NAMES_MAX + 1);
	/* Room for what one datagram brings and for a FDSTOREREMOVE of the whole store, twice. */
	t->notify_room = NOTIFY_FDS_MAX + (size_t)t->cfg.fdstore_max;
	/* --status's fds are tinyhold's own: what the app stores must leave them room. */
	if (held_init(&t->held, cap, backlog, t->fd_limit - (t->cfg.status_on ? STATUS_FDS : 0)) < 0 ||
	    t->pass_fds == NULL ||
	    t->pass_names == NULL)
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

void setup_status(struct tinyhold *t)
{
	char where[SPEC_PATH_MAX + 64];
	int r;

	if (!t->cfg.status_on)
		return;
	spec_format(&t->cfg.status, where, sizeof where);
	r = status_open(&t->cfg.status, (size_t)t->instances, t->held.n);
	if (r < 0)
		die(EXIT_SETUP, -r, "cannot bind --status %s", where);
	log_debug("status on %s", where);
}

void setup_privs(struct tinyhold *t)
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

/* The pool: instance i serves in slot i first; each is supervised on its
 * own, with one crash-loop budget for all. */
void setup_pool(struct tinyhold *t)
{
	struct pool_config pc = {
		.instances = t->instances,
		.nslots = t->nslots,
		.ready_timeout_ms = t->cfg.ready_timeout_ms,
		.stop_signal = t->cfg.stop_signal,
		.drain_ms = t->cfg.drain_ms,
		.notify = t->cfg.notify,
		.sup = {
			.policy = t->cfg.restart,
			.backoff_max_ms = t->cfg.backoff_max_ms,
			.max_restarts = t->cfg.max_restarts,
			.window_ms = t->cfg.restart_window_ms,
			.stop_timeout_ms = t->cfg.stop_timeout_ms,
			.watchdog_ms = t->cfg.watchdog_ms,
			.remap = t->cfg.remap,
		},
	};
	struct pool_slot *slots = mem_alloc(t->nslots, sizeof *slots);
	int *codes = mem_alloc((size_t)t->instances, sizeof *codes);
	int64_t *ring = NULL;

	if (pc.sup.max_restarts > 0 &&
	    (ring = mem_alloc((size_t)pc.sup.max_restarts, sizeof *ring)) == NULL)
		die(EXIT_SETUP, ENOMEM, "cannot allocate the restart window");
	if (slots == NULL || codes == NULL)
		die(EXIT_SETUP, ENOMEM, "cannot allocate %d instances", t->instances);
	pool_init(&t->pool, &pc, slots, ring, codes);
}

/* A quota in thousandths of a CPU as the log says it: "0.5", "3.5", "2". */
static void fmt_cpus(char *buf, size_t len, long milli)
{
	if (milli % 1000 == 0)
		fmt(buf, len, "%ld", milli / 1000);
	else if (milli % 100 == 0)
		fmt(buf, len, "%ld.%ld", milli / 1000, milli % 1000 / 100);
	else
		fmt(buf, len, "%ld.%03ld", milli / 1000, milli % 1000);
}

/* With -n 1 the app writes to our stdout and stderr itself: nobody to cut its lines. */
static bool relay_on(const struct tinyhold *t)
{
	return t->instances > 1;
}

/* -n: how many instances, and for auto the reason, at the default verbosity;
 * then a slot for each, room for a reload, and a fd store for each. */
void setup_instances(struct tinyhold *t)
{
	char why[96] = "";
	struct cpus c;
	size_t quota;
	int i;

	t->instances = t->cfg.instances;
	if (t->instances == 0) {
		cpus_detect(&c);
		t->instances = c.n;
		if (c.quota_milli > 0 && (c.quota_milli + 999) / 1000 <= c.affinity) {
			char q[32];
			fmt_cpus(q, sizeof q, c.quota_milli);
			fmt(why, sizeof why, " (cgroup quota %s CPU%s)", q,
				 c.quota_milli == 1000 ? "" : "s");
		} else {
			fmt(why, sizeof why, " (%d CPU%s in the affinity mask)", c.affinity,
				 c.affinity == 1 ? "" : "s");
		}
	}
	if (t->cfg.instances != 1)
		log_info("%d instance%s%s", t->instances, t->instances == 1 ? "" : "s", why);
	t->nslots = (size_t)t->instances + POOL_SLOTS_EXTRA;
	t->slots = mem_alloc(t->nslots, sizeof *t->slots);
	t->stores = mem_alloc((size_t)t->instances, sizeof *t->stores);
	if (t->slots == NULL || t->stores == NULL)
		die(EXIT_SETUP, ENOMEM, "cannot allocate %d instances", t->instances);
	for (i = 0; i < (int)t->nslots; i++)
		slot_reset(&t->slots[i]);
	/* Each instance stores within its share of our fd table, and has closers
	 * of its own: what one does with its fds never stops another. */
	quota = held_store_quota(&t->held, (size_t)t->cfg.fdstore_max, (size_t)t->instances,
				 t->nslots, HELD_SLOT_FDS + (relay_on(t) ? RELAYIO_SLOT_FDS : 0));
	if (t->cfg.fdstore_max > 0 && quota < (size_t)t->cfg.fdstore_max)
		log_info("fd store: %zu fds per instance fit into the fd limit of %llu", quota,
			 (unsigned long long)t->fd_limit);
	for (i = 0; i < t->instances; i++)
		if (fdstore_init(&t->stores[i], quota, i) < 0)
			die(EXIT_SETUP, ENOMEM, "cannot allocate the fd store");
	if (closer_init((size_t)t->instances, 2 * t->notify_room) < 0)
		die(EXIT_SETUP, ENOMEM, "cannot allocate the closers");
}

/* As systemd does since v240: tinyhold itself may use every fd the hard limit
 * allows (a store of many fds, thousands of sockets), the app gets the soft
 * limit it would have had (spawn.c). */
void setup_fd_limit(struct tinyhold *t)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &t->nofile) < 0) {
		t->nofile.rlim_cur = t->nofile.rlim_max = 1024;	/* cannot fail; the usual default */
		return;
	}
	rl = t->nofile;
	rl.rlim_cur = rl.rlim_max;
	/* prlimit(0), not setrlimit(): the same call for this process; musl's
	 * setrlimit() also sets it on every other thread (2 KB), and we have none. */
	if (rl.rlim_cur != t->nofile.rlim_cur && prlimit(0, RLIMIT_NOFILE, &rl, NULL) < 0)
		log_msg(LOG_WARN, errno, "cannot raise the fd limit to %llu",
			(unsigned long long)rl.rlim_max);
	t->fd_limit = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? rl.rlim_cur : t->nofile.rlim_cur;
}

/* getcwd() through its system call: musl's getcwd() links its NULL-buffer
 * strdup() and with it malloc, which nothing else here needs. A directory
 * outside our root comes back as "(unreachable)...": not a path, so ENOENT. */
static bool working_dir(char *buf, size_t len)
{
	long n = syscall(SYS_getcwd, buf, len);

	if (n < 0)
		return false;
	if (n == 0 || buf[0] != '/') {
		errno = ENOENT;
		return false;
	}
	return true;
}

void setup_relay(struct tinyhold *t)
{
	int r;

	if (!relay_on(t))
		return;
	r = relayio_init(&t->relay, t->nslots, t->cfg.log_prefix, t->cfg.stop_timeout_ms);
	if (r < 0)
		die(EXIT_SETUP, -r, "cannot set up the output relay");
}

/* The app's start: where (cwd, through an fd), as whom, with which limits and
 * terminal; and the fds every start passes. */
void setup_spawn(struct tinyhold *t)
{
	struct spawn_settings set;
	const struct privs *privs;
	char *cwd;
	int cwd_fd;

	/* The app starts where we were started; we move to / so we pin no mount. The
	 * app gets there through an fd, not the path: a path could be changed since. */
	cwd = mem_alloc(1, PATH_MAX);
	if (cwd == NULL || !working_dir(cwd, PATH_MAX))	/* gone, unreadable, too long */
		die(EXIT_SETUP, errno, "cannot get the working directory");
	cwd_fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cwd_fd < 0)
		die(EXIT_SETUP, errno, "cannot open the working directory %s", cwd);
	if (chdir("/") < 0)
		log_msg(LOG_WARN, errno, "cannot chdir to /");
	privs = app_privs(t);
	t->app_uid = privs != NULL ? privs->uid : geteuid();
	set = (struct spawn_settings){
		.argv = t->cfg.argv,
		.environ_in = environ,
		.max_fds = t->held.n + (size_t)t->cfg.fdstore_max,
		.cwd = cwd,
		.cwd_fd = cwd_fd,
		.privs = privs,
		/* An app with fewer privileges than ours gets no controlling terminal:
		 * with one it could push input (TIOCSTI) into the shell that ran us. */
		.new_session = privs != NULL && privs->uid != geteuid(),
		.die_with_parent = t->self != 1,
		.notify = t->cfg.notify,
		.watchdog_usec = t->cfg.watchdog_ms * 1000,
		.nofile = t->nofile,
	};
	/* Then the terminal stays ours, and its SIGINT reaches the app through us. */
	t->give_tty = isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp() &&
		     !set.new_session && t->instances == 1;	/* with several, none is the one */
	set.give_tty = t->give_tty;
	if (spawn_init(&t->spawn, &set) < 0)
		die(EXIT_SETUP, ENOMEM, "cannot prepare the app's environment");
}
