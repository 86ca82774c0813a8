/* sig_test: sig_name() names what the log lines print ("died of SIGSEGV",
 * "forwarding SIGRTMIN+3"). Every number from the kernel is 1..64, but the
 * function must not index out of a table for any int, nor overrun a short buffer. */
#include "sig.h"
#include "check.h"

#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>


struct name_case {
	int signo;
	const char *name;
};

/* The numbers come from <signal.h>, so the table holds on every architecture. */
static const struct name_case named[] = {
	{ SIGHUP, "SIGHUP" }, { SIGINT, "SIGINT" }, { SIGQUIT, "SIGQUIT" },
	{ SIGILL, "SIGILL" }, { SIGTRAP, "SIGTRAP" }, { SIGABRT, "SIGABRT" },
	{ SIGBUS, "SIGBUS" }, { SIGFPE, "SIGFPE" }, { SIGKILL, "SIGKILL" },
	{ SIGUSR1, "SIGUSR1" }, { SIGSEGV, "SIGSEGV" }, { SIGUSR2, "SIGUSR2" },
	{ SIGPIPE, "SIGPIPE" }, { SIGALRM, "SIGALRM" }, { SIGTERM, "SIGTERM" },
	{ SIGSTKFLT, "SIGSTKFLT" }, { SIGCHLD, "SIGCHLD" }, { SIGCONT, "SIGCONT" },
	{ SIGSTOP, "SIGSTOP" }, { SIGTSTP, "SIGTSTP" }, { SIGTTIN, "SIGTTIN" },
	{ SIGTTOU, "SIGTTOU" }, { SIGURG, "SIGURG" }, { SIGXCPU, "SIGXCPU" },
	{ SIGXFSZ, "SIGXFSZ" }, { SIGVTALRM, "SIGVTALRM" }, { SIGPROF, "SIGPROF" },
	{ SIGWINCH, "SIGWINCH" }, { SIGIO, "SIGIO" }, { SIGPWR, "SIGPWR" },
	{ SIGSYS, "SIGSYS" },
	/* Aliases get the one name a user reads elsewhere. */
	{ SIGIOT, "SIGABRT" }, { SIGPOLL, "SIGIO" },
};

/* Numbers that are no signal: a plain "SIGn", never a crash or a wrong name. */
static const struct name_case unnamed[] = {
	{ 0, "SIG0" },
	{ -1, "SIG-1" },
	{ 65, "SIG65" },
	{ 1000, "SIG1000" },
	{ INT_MAX, "SIG2147483647" },
	{ INT_MIN, "SIG-2147483648" },
};

/* What 32..64 must be called: numbered as glibc's kill(1) and bash number them
 * (SIGRTMIN is 34), whatever libc tinyhold was built with, so that the log
 * names what the operator typed. 32 and 33 have no RTMIN name. */
static void want_rt_name(int signo, char *buf, size_t len)
{
	if (signo >= 34 && signo <= 64)
		snprintf(buf, len, "SIGRTMIN+%d", signo - 34);
	else
		snprintf(buf, len, "SIG%d", signo);
}

/* sig_parse(): what --reload-signal accepts. */
static const struct {
	const char *text;
	int want;
} parse_cases[] = {
	{ "HUP", SIGHUP }, { "SIGHUP", SIGHUP }, { "1", 1 }, { "USR2", SIGUSR2 },
	{ "SIGWINCH", SIGWINCH }, { "64", 64 }, { "RTMIN", 34 }, { "RTMIN+3", 37 },
	{ "SIGRTMIN+3", 37 }, { "RTMAX", 64 }, { "RTMAX-2", 62 }, { "RTMIN+30", 64 },
	{ "RTMIN+31", -1 }, { "RTMAX-31", -1 }, { "0", -1 }, { "65", -1 }, { "", -1 },
	{ "hup", -1 }, { "SIG", -1 }, { "SIGSIGHUP", -1 }, { "RTMIN+", -1 }, { "RTMIN+x", -1 },
	{ "1x", -1 }, { "-1", -1 }, { "999999999999", -1 },
};

int main(void)
{
	char buf[32], want[32], names[SIG_MAX + 1][32];
	const char *got;
	size_t i;
	int s, t;

	for (i = 0; i < sizeof named / sizeof named[0]; i++) {
		memset(buf, 0, sizeof buf);
		got = sig_name(named[i].signo, buf, sizeof buf);
		check(got != NULL && strcmp(got, named[i].name) == 0, "sig_name(%d) = '%s', want '%s'",
		      named[i].signo, got ? got : "(null)", named[i].name);
	}
	for (s = 32; s <= SIG_MAX; s++) {
		want_rt_name(s, want, sizeof want);
		got = sig_name(s, buf, sizeof buf);
		check(got != NULL && strcmp(got, want) == 0, "sig_name(%d) = '%s', want '%s'", s,
		      got ? got : "(null)", want);
	}
	for (i = 0; i < sizeof unnamed / sizeof unnamed[0]; i++) {
		got = sig_name(unnamed[i].signo, buf, sizeof buf);
		check(got != NULL && strcmp(got, unnamed[i].name) == 0, "sig_name(%d) = '%s', want '%s'",
		      unnamed[i].signo, got ? got : "(null)", unnamed[i].name);
	}

	/* Every signal 1..64 has its own name: a log line never leaves two signals in doubt. */
	for (s = 1; s <= SIG_MAX; s++) {
		got = sig_name(s, buf, sizeof buf);
		snprintf(names[s], sizeof names[s], "%s", got ? got : "");
	}
	for (s = 1; s <= SIG_MAX; s++) {
		int twin = 0;
		for (t = 1; t < s; t++)
			if (strcmp(names[s], names[t]) == 0)
				twin = t;
		check(names[s][0] != '\0' && twin == 0, "sig_name(%d) = '%s' is also sig_name(%d)", s,
		      names[s], twin);
	}

	/* A short buffer is cut, NUL-terminated and never overrun (ASan watches). */
	{
		char small[4] = { 'x', 'x', 'x', 'x' };
		got = sig_name(37, small, sizeof small);
		check(got == small && strcmp(small, "SIG") == 0, "sig_name(37) in 4 bytes = '%.4s'",
		      small);
		got = sig_name(1000, small, 1);
		check(got == small && small[0] == '\0', "sig_name(1000) in 1 byte is not empty");
		/* Named signals do not need the buffer at all. */
		got = sig_name(SIGTERM, small, 1);
		check(got != NULL && strcmp(got, "SIGTERM") == 0, "sig_name(SIGTERM) with a 1-byte buffer");
	}

	for (i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
		int got_sig = sig_parse(parse_cases[i].text);
		check(got_sig == parse_cases[i].want, "sig_parse('%s') = %d, want %d",
		      parse_cases[i].text, got_sig, parse_cases[i].want);
	}
	/* Every name sig_name() gives is one sig_parse() takes back. */
	for (s = 1; s <= SIG_MAX; s++) {
		got = sig_name(s, buf, sizeof buf);
		check(s < 32 || s >= 34 ? sig_parse(got) == s : sig_parse(got) == -1,
		      "sig_parse(sig_name(%d) = '%s') = %d", s, got, sig_parse(got));
	}
	return check_summary();
}
