/* sig: the signal mask, the signalfd, forwarding and names.
 * tinyhold has no signal handlers: every catchable signal is read from a signalfd. */
#ifndef TINYHOLD_SIG_H
#define TINYHOLD_SIG_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The highest signal number: 64, or 127 on MIPS, whose kernel has 128 signals. */
#define SIG_MAX (_NSIG - 1)
#define SIG_RTMIN_NAMED 34	/* SIGRTMIN as glibc, bash and procps number it */

/* Resets every disposition to SIG_DFL (an inherited SIG_IGN would reach the
 * app through exec), blocks every signal but the synchronous ones, and
 * returns a non-blocking CLOEXEC signalfd, or -errno. */
int sig_setup(void);

/* In the child, just before exec: the empty mask a normal process starts with. */
void sig_reset_for_exec(void);

struct sig_info {
	int signo;
	pid_t sender;	/* 0 from the kernel or from outside our pid namespace */
	int code;	/* si_code */
	int value;	/* sigqueue()'s value, for real-time signals */
};

/* 1 and *out filled, 0 when nothing is pending, or -errno. */
int sig_read(int sigfd, struct sig_info *out);

/* Sends signo to pid, or to its process group; keeps a sigqueue() value. 0 or -errno. */
int sig_forward(pid_t pid, bool whole_group, const struct sig_info *si);

/* SIGTERM, SIGINT, SIGQUIT: what stops the app, and tinyhold after it. */
bool sig_is_stop(int signo);

/* Whether signo may be --reload-signal: not a stop signal, not SIGCHLD, not
 * what cannot be caught (KILL, STOP) or means a fault (SEGV, BUS, ...). */
bool sig_can_reload(int signo);

/* Whether signo can be --stop-signal: one whose default action ends a process. */
bool sig_can_stop(int signo);

/* "HUP", "SIGHUP", "1", "RTMIN+3", "SIGRTMIN+3" -> 1..SIG_MAX, or -1. Pure. */
int sig_parse(const char *text);

/* "SIGTERM", "SIGRTMIN+3", "SIG99": never indexes out of a table. */
const char *sig_name(int signo, char *buf, size_t len);

#endif
