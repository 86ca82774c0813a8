/* main: argv -> config, then set up, then run the loop. The loop is the one
 * place tinyhold blocks. Each pass collects what happened (datagrams,
 * signals, exits, deadlines), then decides and acts on it: supervise.c and
 * reload.c decide, instances.c acts on the slots, heard.c reads what the app
 * says. Nothing forks from inside the reap loop, and nothing calls back into
 * the loop. */
#include "closer.h"
#include "deadline.h"
#include "heard.h"
#include "instances.h"
#include "io.h"
#include "log.h"
#include "mem.h"
#include "opts.h"
#include "setup.h"
#include "sig.h"
#include "tinyhold.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef TINYHOLD_VERSION
#define TINYHOLD_VERSION "0.0.0-dev"
#endif

#define PFD_PER_SLOT 3	/* each slot's notify socket, exec pipe, pidfd; and the signalfd */

/* ---- collecting ---------------------------------------------------------------- */

/* Every signal that is not ours goes to every instance that runs (-g: to each
 * group). Forwarded before any reap of this pass: no pid can have been reused. */
static bool forward(struct tinyhold *t, const struct sig_info *si, const char *name)
{
	bool sent = false;
	size_t i;
	int r;

	for (i = 0; i < t->nslots; i++) {
		const struct slot *s = &t->slots[i];
		if (s->role != SLOT_SERVING || s->pid <= 0)
			continue;
		sent = true;
		r = sig_forward(s->pid, t->cfg.process_group, si);
		if (r < 0 && r != -ESRCH)
			log_msg(LOG_WARN, -r, "cannot forward %s to %d, ignoring", name, (int)s->pid);
		else
			log_debug("forwarded %s to %s%d", name, t->cfg.process_group ? "group " : "pid ",
				  (int)s->pid);
	}
	return sent;
}

static void on_signal(struct tinyhold *t, const struct sig_info *si)
{
	char buf[24];
	const char *name = sig_name(si->signo, buf, sizeof buf);

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
		inst_on_reload_signal(t);
		return;
	}
	if (!forward(t, si, name) && !sig_is_stop(si->signo))
		log_info("no app running; %s not forwarded", name);
	if (sig_is_stop(si->signo))
		inst_on_stop_signal(t, si->signo, name);
}

static void drain_signals(struct tinyhold *t)
{
	struct sig_info si = { 0 };	/* sig_read() fills it; LTO cannot tell */
	int r;

	while ((r = sig_read(t->sigfd, &si)) > 0)
		on_signal(t, &si);
	if (r < 0)
		log_msg(LOG_WARN, -r, "cannot read signals");
}

/* One SIGCHLD may stand for many children: reap until none is left. Only
 * records: what an exit means is decided after the reap loop (inst_on_exits). */
static void reap_all(struct tinyhold *t)
{
	/* Last words first (FDSTORE=1 just before a crash): sent before the exit, they
	 * are queued by now, and their senders are still unreaped zombies, so who sent
	 * them can still be checked. A READY=1 of a reload read here promotes the new
	 * instance before the old one's exit is looked at. */
	heard_drain(t);
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
		s = inst_of_pid(t, pid);
		if (s == NULL || s->reaped > 0) {
			log_debug("reaped pid %d", (int)pid);
			continue;
		}
		s->reaped = ++t->reaped;
		s->status = status;
	}
}

static void add_pfd(struct pollfd *pfd, size_t *n, int fd, short events)
{
	if (fd >= 0 && events != 0)
		pfd[(*n)++] = (struct pollfd){ .fd = fd, .events = events };
}

/* The slots' fds poll() found ready: exec outcomes are read, a watched
 * leftover's end marks the groups for a look. Returns whether a datagram
 * waits (they are read together, by heard_drain()). */
static bool on_slot_fds(struct tinyhold *t, const struct pollfd *pfd, size_t n)
{
	bool notify = false;
	size_t i, j;

	for (j = 1; j < n; j++) {
		if (pfd[j].revents == 0)
			continue;
		for (i = 0; i < t->nslots; i++) {
			struct slot *s = &t->slots[i];
			if (pfd[j].fd == s->errfd)
				inst_check_exec(t, s, false);
			else if (pfd[j].fd == s->watchfd) {
				slot_unwatch(s);	/* on_groups() looks again, and may watch another */
				t->groups_changed = true;
			}
			else if (pfd[j].fd == s->notifyfd)
				notify = notify || (pfd[j].revents & POLLIN);
		}
	}
	return notify;
}

/* ---- the loop ----------------------------------------------------------------- */

/* From here on tinyhold exits only on purpose: the container dies with it. */
__attribute__((noreturn))
static void loop(struct tinyhold *t)
{
	struct pollfd *pfd = mem_alloc(1 + PFD_PER_SLOT * t->nslots, sizeof *pfd);

	if (pfd == NULL)
		die(EXIT_SETUP, ENOMEM, "cannot allocate the poll set");
	mem_seal();	/* the last allocation: the loop below never allocates */
	for (;;) {
		short notify_ev = heard_readable(t) ? POLLIN : 0;
		size_t n = 0, i;

		add_pfd(pfd, &n, t->sigfd, POLLIN);
		for (i = 0; i < t->nslots; i++) {
			add_pfd(pfd, &n, t->slots[i].notifyfd, notify_ev);
			add_pfd(pfd, &n, t->slots[i].errfd, POLLIN);
			add_pfd(pfd, &n, t->slots[i].watchfd, POLLIN);
		}
		/* No deadline, no timeout: nothing here wakes up just to look. */
		if (poll(pfd, n, deadline_left_ms(inst_next_due_ms(t), deadline_now_ms())) < 0) {
			if (errno != EINTR)
				log_msg(LOG_WARN, errno, "poll");
			continue;
		}
		/* Collect. Datagrams first: one sent just before a crash must be read while
		 * its sender is still the app (unreaped), or it could not be verified. */
		if (on_slot_fds(t, pfd, n))
			heard_drain(t);
		if (pfd[0].revents & POLLIN)
			drain_signals(t);
		if (t->sigchld)
			reap_all(t);
		/* Decide and act. */
		inst_on_exits(t);
		inst_on_deadlines(t, deadline_now_ms());
		inst_on_groups(t);
		inst_at_pass_end(t);
		closer_flush(deadline_now_ms());	/* what this pass was handed to close */
	}
}

int main(int argc, char **argv)
{
	static struct tinyhold t;
	size_t i;

	setup_std_fds();
	log_init();	/* before anything is logged: PID 1 must never wait for its log */
	/* Block signals first: a SIGTERM during setup waits in the signalfd instead of killing us. */
	t.sigfd = sig_setup();
	if (t.sigfd < 0)
		die(EXIT_SETUP, -t.sigfd, "cannot set up signals");
	t.self = getpid();

	switch (opts_parse(argc, argv, environ, &t.cfg)) {
	case OPTS_HELP:
		(void)io_write_all(STDOUT_FILENO, opts_usage, strlen(opts_usage));
		exit(0);
	case OPTS_VERSION:
		(void)io_write_all(STDOUT_FILENO, "tinyhold " TINYHOLD_VERSION "\n",
				   strlen("tinyhold " TINYHOLD_VERSION "\n"));
		exit(0);
	case OPTS_ERROR:
		log_error("%s", t.cfg.error);
		log_error("try 'tinyhold --help'");
		exit(EXIT_USAGE);
	case OPTS_RUN:
		break;
	}
	log_set_level(t.cfg.verbosity < 0 ? LOG_ERROR : t.cfg.verbosity > 0 ? LOG_DEBUG : LOG_INFO);
	setup_cloexec_inherited();
	setup_privs(&t);
	setup_fd_limit(&t);
	setup_sockets(&t);

	/* Not PID 1: become a subreaper, so orphans of the app still come to us. */
	if (t.self != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		log_msg(LOG_WARN, errno, "cannot become a subreaper; orphans go to the real init");

	setup_instances(&t);
	setup_spawn(&t);
	setup_supervisor(&t);
	reload_init(&t.reload, t.cfg.ready_timeout_ms);
	for (i = 0; i < (size_t)t.instances; i++)
		inst_start(&t, &t.slots[i]);
	loop(&t);
}
