/* main: argv -> config, then set up, then run the loop. The loop is the one
 * place tinyhold blocks. Each pass collects what happened (datagrams,
 * signals, exits, the instances' output with -n 2 and more), and each event
 * is decided as it comes by pool.c, which only decides; then instances.c acts
 * on all of it at once, and relayio.c writes out the whole lines. Nothing
 * forks, kills or writes while a pass collects, and nothing calls back into
 * the loop. */
#include "closer.h"
#include "deadline.h"
#include "heard.h"
#include "instances.h"
#include "io.h"
#include "log.h"
#include "mem.h"
#include "opts.h"
#include "relayio.h"
#include "probe.h"
#include "setup.h"
#include "sig.h"
#include "status.h"
#include "tinyhold.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef TINYHOLD_VERSION
#define TINYHOLD_VERSION "0.0.0-dev"
#endif

#define PFD_PER_SLOT 3	/* each slot's notify socket, exec pipe, pidfd; and the signalfd */
#define FAULT_PAUSE_MIN_MS 1	/* a loop call failed: wait before the next pass, */
#define FAULT_PAUSE_MAX_MS 1000	/* doubling while it keeps failing: never a spin */

/* What each entry of the poll set is: the signalfd, one fd of slot k, one of
 * the relay's (-n 2 and more): a source's pipe, or an output; or one of
 * --status's (status.c). */
enum pfd_kind { PFD_SIGNALS, PFD_NOTIFY, PFD_EXEC, PFD_WATCH, PFD_RELAY_IN, PFD_RELAY_OUT,
		PFD_STATUS };
struct pfd_owner {
	enum pfd_kind kind;
	int slot;	/* RELAY_IN: the relay's source (slot k's stdout 2k, stderr 2k+1);
			 * RELAY_OUT: the output (enum relay_stream) */
};

/* ---- collecting ---------------------------------------------------------------- */

/* At most PASS_SIGNALS_MAX signals a pass: the rest wait in the signalfd. */
static void drain_signals(struct tinyhold *t)
{
	struct sig_info si = { 0 };	/* sig_read() fills it; LTO cannot tell */
	int n, r = 0;

	for (n = 0; n < PASS_SIGNALS_MAX && (r = sig_read(t->sigfd, &si)) > 0; n++)
		inst_on_signal(t, &si);
	if (r < 0) {
		log_msg(LOG_WARN, -r, "cannot read signals");
		t->pass.fault = true;
	}
}

/* One SIGCHLD may stand for many children: reap until none is left. */
static void reap_all(struct tinyhold *t)
{
	/* Last words first (FDSTORE=1 just before a crash): sent before the exit, they
	 * are queued by now, and their senders are still unreaped zombies, so who sent
	 * them can still be checked. A READY=1 of a reload read here promotes the new
	 * instance before the old one's exit is looked at. */
	heard_drain(t);
	t->pass.sigchld = false;
	for (;;) {
		int status, k;
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			break;	/* 0: some still run; ECHILD: none left */
		t->pass.groups_changed = true;	/* it may have been the last of a group */
		if (closer_reaped(pid))
			continue;
		k = inst_of_pid(t, pid);
		if (k < 0) {
			log_debug("reaped pid %d", (int)pid);
			continue;
		}
		inst_on_exit(t, k, status);
		relayio_exited(&t->relay, (size_t)k);	/* a line it left unended is ended */
	}
}

static void add_pfd(struct pollfd *pfd, struct pfd_owner *own, size_t *n, int fd, short events,
		    enum pfd_kind kind, int slot)
{
	if (fd < 0 || events == 0)
		return;
	pfd[*n] = (struct pollfd){ .fd = fd, .events = events };
	own[(*n)++] = (struct pfd_owner){ kind, slot };
}

/* What poll() found: exec outcomes are read, a watched leftover's end marks
 * the groups for a look, the relay's pipes are read once each. Returns
 * whether a datagram waits (they are read together, by heard_drain()). */
static bool on_ready_fds(struct tinyhold *t, const struct pollfd *pfd, const struct pfd_owner *own,
			 size_t n)
{
	bool notify = false;
	size_t j;

	for (j = 0; j < n; j++) {
		if (pfd[j].revents == 0)
			continue;
		switch (own[j].kind) {
		case PFD_SIGNALS:
			break;	/* read after the datagrams */
		case PFD_EXEC:
			inst_check_exec(t, own[j].slot, false);
			break;
		case PFD_WATCH:
			slot_unwatch(&t->slots[own[j].slot]);	/* the groups are looked at again */
			t->pass.groups_changed = true;
			break;
		case PFD_NOTIFY:
			notify = true;
			break;
		case PFD_RELAY_IN:
			relayio_read(&t->relay, (size_t)own[j].slot);
			break;
		case PFD_RELAY_OUT:	/* room again: written when the pass acts */
		case PFD_STATUS:	/* answered by status_serve() once the pass has acted */
			break;
		}
	}
	return notify;
}

/* A call of the loop itself failed (poll, reading signals or a notify socket):
 * whatever it is, the next pass must not spin on it. */
static void pause_after_fault(struct tinyhold *t, int64_t *pause_ms)
{
	struct timespec ts;

	if (!t->pass.fault) {
		*pause_ms = 0;
		return;
	}
	t->pass.fault = false;
	*pause_ms = *pause_ms == 0 ? FAULT_PAUSE_MIN_MS : *pause_ms * 2;
	if (*pause_ms > FAULT_PAUSE_MAX_MS)
		*pause_ms = FAULT_PAUSE_MAX_MS;
	ts.tv_sec = *pause_ms / 1000;
	ts.tv_nsec = (long)(*pause_ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- the loop ----------------------------------------------------------------- */

/* What the pass decided, then what it logged and relayed goes out, as far as
 * the outputs take it now. */
static void act(struct tinyhold *t)
{
	inst_act(t);
	closer_flush(deadline_now_ms());	/* what this pass was handed to close */
	relayio_write(&t->relay);
}

/* The next deadline of the instances, the status clients or the relay; -1: none. */
static int64_t next_due_ms(const struct tinyhold *t)
{
	return deadline_min(deadline_min(inst_next_due_ms(t), status_due_ms()),
			    relayio_due_ms(&t->relay));
}

/* From here on tinyhold exits only on purpose: the container dies with it. */
__attribute__((noreturn))
static void loop(struct tinyhold *t)
{
	size_t cap = 1 + PFD_PER_SLOT * t->nslots + relayio_npfd(&t->relay) + STATUS_POLLFDS;
	struct pollfd *pfd = mem_alloc(cap, sizeof *pfd);
	struct pfd_owner *own = mem_alloc(cap, sizeof *own);
	int64_t pause_ms = 0;

	if (pfd == NULL || own == NULL)
		die(EXIT_SETUP, ENOMEM, "cannot allocate the poll set");
	mem_seal();	/* the last allocation: the loop below never allocates */
	for (;;) {
		size_t n = 0, k, status_at;
		int r, o;

		pause_after_fault(t, &pause_ms);
		add_pfd(pfd, own, &n, t->sigfd, POLLIN, PFD_SIGNALS, -1);
		for (k = 0; k < t->nslots; k++) {
			const struct slot *s = &t->slots[k];
			add_pfd(pfd, own, &n, s->notifyfd, heard_readable(t, (int)k) ? POLLIN : 0,
				PFD_NOTIFY, (int)k);
			add_pfd(pfd, own, &n, s->errfd, POLLIN, PFD_EXEC, (int)k);
			add_pfd(pfd, own, &n, s->watchfd, POLLIN, PFD_WATCH, (int)k);
		}
		for (k = 0; k < relayio_npipes(&t->relay); k++)
			add_pfd(pfd, own, &n, relayio_pipe_fd(&t->relay, k), POLLIN, PFD_RELAY_IN, (int)k);
		for (o = RELAY_STDOUT; o <= RELAY_STDERR; o++)
			add_pfd(pfd, own, &n, relayio_out_fd(&t->relay, (enum relay_stream)o), POLLOUT,
				PFD_RELAY_OUT, o);
		for (status_at = k = n, n += status_pollfds(pfd + n); k < n; k++)
			own[k] = (struct pfd_owner){ PFD_STATUS, -1 };
		/* No deadline, no timeout: nothing here wakes up just to look. */
		r = poll(pfd, n, deadline_left_ms(next_due_ms(t), deadline_now_ms()));
		if (r < 0 && errno != EINTR) {
			log_msg(LOG_WARN, errno, "poll");
			t->pass.fault = true;
		}
		/* Collect, and decide as it comes. Datagrams first: one sent just before a
		 * crash must be read while its sender is still the app (unreaped), or it
		 * could not be verified. */
		if (r > 0 && on_ready_fds(t, pfd, own, n))
			heard_drain(t);
		if (r > 0 && (pfd[0].revents & POLLIN))
			drain_signals(t);
		if (t->pass.sigchld)
			reap_all(t);
		act(t);
		status_serve(t, pfd + status_at, n - status_at);	/* reads what the pass left */
	}
}

int main(int argc, char **argv)
{
	static struct tinyhold t;

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
	case OPTS_PROBE:
		exit(probe_run(&t.cfg.status, t.cfg.probe));
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
	setup_relay(&t);
	setup_status(&t);
	setup_spawn(&t);
	setup_pool(&t);	/* the instances are due to start: the loop's first pass does it */
	act(&t);
	loop(&t);
}
