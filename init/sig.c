/* sig: blocks signals with the raw kernel mask, so libc-reserved numbers
 * (32-34) are blocked and forwarded too, and reads them from a signalfd.
 * It never decides what a signal means: main.c, instances.c and supervise.c do. */
#include "sig.h"
#include "fmt.h"
#include "num.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel's sigset: one bit per signal 1..SIG_MAX, in 64-bit words (8
 * bytes, 16 on MIPS). A uint64_t is the kernel's two 32-bit words on the
 * little-endian 32-bit ABIs we build for, and its one word on 64-bit ones. */
#define SIGSET_WORDS ((SIG_MAX + 63) / 64)
#define KERNEL_SIGSET_BYTES (SIGSET_WORDS * 8)

struct kernel_sigset {
	uint64_t word[SIGSET_WORDS];
};

static void sigset_del(struct kernel_sigset *set, int signo)
{
	set->word[(signo - 1) / 64] &= ~((uint64_t)1 << ((signo - 1) % 64));
}

/* Signals the kernel raises for a fault in tinyhold itself: blocking them
 * would turn a crash into a hang, so they keep their default action. */
static const int sync_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS };

bool sig_is_stop(int signo)
{
	return signo == SIGTERM || signo == SIGINT || signo == SIGQUIT;
}

bool sig_can_stop(int signo)
{
	/* What a process ignores or is only paused by by default cannot end it. */
	return signo >= 1 && signo <= SIG_MAX && signo != SIGCHLD && signo != SIGCONT &&
	       signo != SIGSTOP && signo != SIGTSTP && signo != SIGTTIN && signo != SIGTTOU &&
	       signo != SIGURG && signo != SIGWINCH;
}

bool sig_can_reload(int signo)
{
	size_t i;

	if (signo < 1 || signo > SIG_MAX || sig_is_stop(signo) || signo == SIGCHLD ||
	    signo == SIGKILL || signo == SIGSTOP)
		return false;
	for (i = 0; i < sizeof sync_signals / sizeof sync_signals[0]; i++)
		if (signo == sync_signals[i])
			return false;
	return true;
}

static struct kernel_sigset blocked_mask(void)
{
	struct kernel_sigset mask;
	size_t i;

	memset(&mask, 0xff, sizeof mask);
	for (i = 0; i < sizeof sync_signals / sizeof sync_signals[0]; i++)
		sigset_del(&mask, sync_signals[i]);
	sigset_del(&mask, SIGKILL);
	sigset_del(&mask, SIGSTOP);
	return mask;
}

/* An inherited SIG_IGN survives exec, so it would reach the app: make every
 * disposition the default. Across an exec only SIG_DFL and SIG_IGN can come,
 * so setting SIG_DFL everywhere changes exactly the ignored ones. Straight to
 * the kernel: libc refuses the numbers it reserves (32-34), and musl's
 * sigaction() is 700 bytes for what one system call does here. An all-zero
 * kernel sigaction is SIG_DFL, no flags and an empty mask in every
 * architecture's layout. */
static void reset_dispositions(void)
{
	static const unsigned long zero_kernel_sigaction[8];
	int s;

	for (s = 1; s <= SIG_MAX; s++)
		if (s != SIGKILL && s != SIGSTOP)	/* cannot fail for the others */
			(void)syscall(SYS_rt_sigaction, s, zero_kernel_sigaction, NULL,
				      KERNEL_SIGSET_BYTES);
}

int sig_setup(void)
{
	struct kernel_sigset mask = blocked_mask();
	long fd;

	/* Block first: an ignored SIGHUP (nohup) made deadly by the reset must not
	 * find a gap in which to kill us. */
	if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &mask, NULL, KERNEL_SIGSET_BYTES) < 0)
		return -errno;
	reset_dispositions();
	fd = syscall(SYS_signalfd4, -1, &mask, KERNEL_SIGSET_BYTES, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	return (int)fd;
}

void sig_reset_for_exec(void)
{
	struct kernel_sigset none = { { 0 } };

	/* Cannot fail with a valid mask; if it did, exec would still run. */
	(void)syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, KERNEL_SIGSET_BYTES);
}

int sig_read(int sigfd, struct sig_info *out)
{
	struct signalfd_siginfo si;
	ssize_t n;

	for (;;) {
		n = read(sigfd, &si, sizeof si);
		if (n == (ssize_t)sizeof si)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		return -EIO;	/* signalfd reads whole records or nothing */
	}
	out->signo = (int)si.ssi_signo;
	out->sender = (pid_t)si.ssi_pid;
	out->code = si.ssi_code;
	out->value = si.ssi_int;
	return 1;
}

int sig_forward(pid_t pid, bool whole_group, const struct sig_info *si)
{
	int r;

	if (!whole_group && si->code == SI_QUEUE) {
		/* Keep the payload: an app using sigqueue() gets what was sent. */
		union sigval v = { .sival_int = si->value };
		r = sigqueue(pid, si->signo, v);
	} else {
		r = kill(whole_group ? -pid : pid, si->signo);
	}
	return r < 0 ? -errno : 0;
}

static const struct {
	int signo;
	const char *name;
} names[] = {
	{ SIGHUP, "SIGHUP" }, { SIGINT, "SIGINT" }, { SIGQUIT, "SIGQUIT" },
	{ SIGILL, "SIGILL" }, { SIGTRAP, "SIGTRAP" }, { SIGABRT, "SIGABRT" },
	{ SIGBUS, "SIGBUS" }, { SIGFPE, "SIGFPE" }, { SIGKILL, "SIGKILL" },
	{ SIGUSR1, "SIGUSR1" }, { SIGSEGV, "SIGSEGV" }, { SIGUSR2, "SIGUSR2" },
	{ SIGPIPE, "SIGPIPE" }, { SIGALRM, "SIGALRM" }, { SIGTERM, "SIGTERM" },
#ifdef SIGSTKFLT	/* not on MIPS */
	{ SIGSTKFLT, "SIGSTKFLT" },
#endif
#ifdef SIGEMT		/* MIPS only */
	{ SIGEMT, "SIGEMT" },
#endif
	{ SIGCHLD, "SIGCHLD" }, { SIGCONT, "SIGCONT" },
	{ SIGSTOP, "SIGSTOP" }, { SIGTSTP, "SIGTSTP" }, { SIGTTIN, "SIGTTIN" },
	{ SIGTTOU, "SIGTTOU" }, { SIGURG, "SIGURG" }, { SIGXCPU, "SIGXCPU" },
	{ SIGXFSZ, "SIGXFSZ" }, { SIGVTALRM, "SIGVTALRM" }, { SIGPROF, "SIGPROF" },
	{ SIGWINCH, "SIGWINCH" }, { SIGIO, "SIGIO" }, { SIGPWR, "SIGPWR" },
	{ SIGSYS, "SIGSYS" },
};

/* 0..SIG_MAX, the whole string; -1 otherwise. */
static int parse_small(const char *p)
{
	unsigned long v;

	return num_parse(p, SIG_MAX, &v) == NUM_OK ? (int)v : -1;
}

int sig_parse(const char *text)
{
	size_t i;
	int n;

	if ((n = parse_small(text)) >= 1)
		return n;
	if (strncmp(text, "SIG", 3) == 0)
		text += 3;
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(names[i].name + 3, text) == 0)
			return names[i].signo;
	if (strcmp(text, "RTMIN") == 0)
		return SIG_RTMIN_NAMED;
	if (strcmp(text, "RTMAX") == 0)
		return SIG_MAX;
	if (strncmp(text, "RTMIN+", 6) == 0 && (n = parse_small(text + 6)) >= 0 &&
	    SIG_RTMIN_NAMED + n <= SIG_MAX)
		return SIG_RTMIN_NAMED + n;
	if (strncmp(text, "RTMAX-", 6) == 0 && (n = parse_small(text + 6)) >= 0 &&
	    SIG_MAX - n >= SIG_RTMIN_NAMED)
		return SIG_MAX - n;
	return -1;
}

const char *sig_name(int signo, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].signo == signo)
			return names[i].name;
	/* Fixed numbering, not this libc's SIGRTMIN (34 in glibc, 35 in musl): the
	 * names must match what an operator's `kill -s RTMIN+3` (glibc's) sent. */
	if (signo >= SIG_RTMIN_NAMED && signo <= SIG_MAX)
		fmt(buf, len, "SIGRTMIN+%d", signo - SIG_RTMIN_NAMED);
	else
		fmt(buf, len, "SIG%d", signo);
	return buf;
}
