/* notify_test: the sd_notify datagram parser (what each key sets, what makes
 * a datagram malformed), the LISTEN_* parser for inherited sockets, and the
 * fd store's dedup, cap and removal. Last line: "N passed, M failed". */
#include "closer.h"
#include "fdstore.h"
#include "inherit.h"
#include "notify.h"
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>


/* A datagram and what the parser must make of it. */
struct parse_case {
	const char *text;
	size_t len;		/* 0: strlen(text) */
	const char *why;	/* NULL: parses */
	bool ready, reloading, stopping, ping, trigger, fdstore, fdstore_remove, fdname_bad;
	const char *status;	/* NULL: none */
	const char *fdname;
};

static const struct parse_case parse_cases[] = {
	{ .text = "READY=1", .ready = true },
	{ .text = "READY=1\n", .ready = true },	/* sd_notify's own trailing newline */
	{ .text = "READY=0" },			/* only "1" means yes */
	{ .text = "READY=11" },
	{ .text = "READY=1\nSTATUS=serving 42 clients", .ready = true, .status = "serving 42 clients" },
	{ .text = "STATUS=", .status = "" },
	{ .text = "STATUS=a=b=c", .status = "a=b=c" },	/* only the first '=' splits */
	{ .text = "RELOADING=1", .reloading = true },
	{ .text = "STOPPING=1", .stopping = true },
	{ .text = "WATCHDOG=1", .ping = true },
	{ .text = "WATCHDOG=trigger", .trigger = true },
	{ .text = "WATCHDOG=triggered" },
	{ .text = "FDSTORE=1\nFDNAME=state", .fdstore = true, .fdname = "state" },
	{ .text = "FDSTOREREMOVE=1\nFDNAME=state", .fdstore_remove = true, .fdname = "state" },
	{ .text = "FDSTORE=1\nFDNAME=a:b", .fdstore = true, .fdname_bad = true },
	{ .text = "FDSTORE=1\nFDNAME=", .fdstore = true, .fdname_bad = true },
	{ .text = "FDSTORE=1\nFDNAME=has space", .fdstore = true, .fdname_bad = true },
	{ .text = "MAINPID=42\nERRNO=2\nX_CUSTOM=yes\nBUSERROR=x" },	/* ignored keys */
	{ .text = "\n\n\nREADY=1\n\n", .ready = true },	/* empty lines are fine */
	{ .text = "" },
	{ .text = "=1" },	/* an empty key is a key nobody knows */
	{ .text = "READY", .why = "a line without '='" },
	{ .text = "READY=1\ngarbage", .why = "a line without '='" },
	{ .text = "READY=1\0STATUS=x", .len = 16, .why = "a NUL byte" },
	{ .text = "ready=1" },	/* keys are case-sensitive, as in systemd */
};

static void test_parse(void)
{
	size_t i;

	for (i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
		const struct parse_case *c = &parse_cases[i];
		size_t len = c->len ? c->len : strlen(c->text);
		struct notify_msg m;
		const char *why = NULL;
		int r = notify_parse(c->text, len, &m, &why);

		if (c->why != NULL) {
			check(r == -1 && why != NULL && strcmp(why, c->why) == 0,
			      "case %zu: want error '%s', got %d '%s'", i, c->why, r, why ? why : "");
			continue;
		}
		check(r == 0, "case %zu: want success, got '%s'", i, why ? why : "");
		if (r != 0)
			continue;
		check(m.ready == c->ready && m.reloading == c->reloading && m.stopping == c->stopping &&
		      m.watchdog_ping == c->ping && m.watchdog_trigger == c->trigger &&
		      m.fdstore == c->fdstore && m.fdstore_remove == c->fdstore_remove &&
		      m.fdname_bad == c->fdname_bad,
		      "case %zu (%s): flags differ", i, c->text);
		check(c->status == NULL ? m.status == NULL
					: (m.status != NULL && m.status_len == strlen(c->status) &&
					   memcmp(m.status, c->status, m.status_len) == 0),
		      "case %zu: status", i);
		check(strcmp(m.fdname, c->fdname ? c->fdname : "") == 0, "case %zu: fdname '%s'", i,
		      m.fdname);
	}

	/* The longest datagram parses; a 255-byte FDNAME is valid, 256 is not. */
	{
		static char big[NOTIFY_DATAGRAM_MAX];
		struct notify_msg m;
		const char *why = NULL;

		memset(big, 'x', sizeof big);
		memcpy(big, "STATUS=", 7);
		check(notify_parse(big, sizeof big, &m, &why) == 0 && m.status_len == sizeof big - 7,
		      "a 4096-byte STATUS parses");
		memcpy(big, "FDNAME=", 7);
		check(notify_parse(big, 7 + 255, &m, &why) == 0 && strlen(m.fdname) == 255,
		      "a 255-byte FDNAME is valid");
		check(notify_parse(big, 7 + 256, &m, &why) == 0 && m.fdname_bad, "a 256-byte FDNAME is not");
	}
}

struct count_case {
	const char *fds, *pid;
	int self;
	int want;		/* -1: malformed */
};

static const struct count_case count_cases[] = {
	{ NULL, NULL, 50, 0 },
	{ "2", NULL, 50, 0 },
	{ NULL, "50", 50, 0 },
	{ "2", "50", 50, 2 },
	{ "2", "1", 50, 2 },		/* podman passes LISTEN_PID=1 into a container */
	{ "2", "51", 50, 0 },		/* someone else's: not touched */
	{ "0", "50", 50, 0 },
	{ "1024", "50", 50, 1024 },
	{ "1025", "50", 50, -1 },
	{ "-1", "50", 50, -1 },
	{ "2x", "50", 50, -1 },
	{ "", "50", 50, -1 },
	{ "abc", "51", 50, 0 },		/* not ours: not even parsed */
	{ "2", "x", 50, -1 },
	{ "2", "", 50, -1 },
	{ "2", "99999999999", 50, -1 },
};

static void test_inherit(void)
{
	char name[300];
	size_t i;

	for (i = 0; i < sizeof count_cases / sizeof count_cases[0]; i++) {
		const struct count_case *c = &count_cases[i];
		const char *why = NULL;
		int n = inherit_count(c->fds, c->pid, c->self, &why);
		check(n == c->want && (n >= 0 || why != NULL), "inherit_count(%s, %s, %d) = %d, want %d",
		      c->fds ? c->fds : "NULL", c->pid ? c->pid : "NULL", c->self, n, c->want);
	}
	inherit_name("web:db:x", 0, name, sizeof name);
	check(strcmp(name, "web") == 0, "name 0 = %s", name);
	inherit_name("web:db:x", 2, name, sizeof name);
	check(strcmp(name, "x") == 0, "name 2 = %s", name);
	inherit_name("web:db:x", 3, name, sizeof name);
	check(strcmp(name, "unknown") == 0, "name 3 = %s", name);
	inherit_name(NULL, 0, name, sizeof name);
	check(strcmp(name, "unknown") == 0, "no LISTEN_FDNAMES = %s", name);
	inherit_name("web::x", 1, name, sizeof name);
	check(strcmp(name, "unknown") == 0, "an empty name = %s", name);
	inherit_name("a b:c", 0, name, sizeof name);
	check(strcmp(name, "unknown") == 0, "a name with a space = %s", name);
	inherit_name("abcdef", 0, name, 4);
	check(strcmp(name, "unk") == 0, "a short buffer is cut, not overrun: %s", name);
}

static int open_count(void)
{
	int fd, n = 0;

	for (fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

/* What fdstore.c hands to closer.c is closed by a child sharing our fd table:
 * start it and wait for it, as the loop's SIGCHLD would. */
static void close_now(void)
{
	int st;
	pid_t pid;

	closer_flush(0);
	while ((pid = wait(&st)) > 0)
		check(closer_reaped(pid), "the child %d was a closer", (int)pid);
}

static void test_fdstore(void)
{
	struct fdstore st;
	int before = open_count(), a, b, c, d;

	check(closer_init(2, 16) == 0 && closer_room(0) == 16, "closer_init");
	check(fdstore_init(&st, 2, 0) == 0, "init");
	a = memfd_create("a", MFD_CLOEXEC);
	b = memfd_create("b", MFD_CLOEXEC);
	c = memfd_create("c", MFD_CLOEXEC);
	d = dup(a);
	check(fdstore_add(&st, a, "state") == 1 && st.n == 1, "add a");
	check(fdstore_add(&st, d, "other") == 0 && st.n == 1, "a duplicate of a is closed, not stored");
	check(fcntl(d, F_GETFD) >= 0 && closer_room(0) == 15, "... by closer.c, not here");
	check(closer_room(1) == 16, "another owner's room is its own");
	close_now();
	check(fcntl(d, F_GETFD) < 0 && closer_room(0) == 16, "the duplicate's fd was closed");
	check(fdstore_add(&st, b, "") == 1 && strcmp(st.entries[1].name, "stored") == 0,
	      "no name is 'stored'");
	check(fdstore_add(&st, c, "x") == -ENOSPC, "a full store refuses the fd");
	close_now();
	check(fcntl(c, F_GETFD) < 0, "... and closes it");
	check(fdstore_remove(&st, "state") == 1 && st.n == 1 && st.entries[0].fd == b,
	      "remove keeps the order of the rest");
	check(fdstore_remove(&st, "nothing") == 0, "removing an unknown name");
	check(fdstore_remove(&st, "stored") == 1 && st.n == 0, "remove b");
	close_now();
	check(open_count() == before, "no fd leaked: %d before, %d after", before, open_count());
	{
		struct fdstore off;
		int e = memfd_create("e", MFD_CLOEXEC);
		check(fdstore_init(&off, 0, 1) == 0 && fdstore_add(&off, e, "x") == -ENOSPC,
		      "a store of 0 keeps nothing");
		close_now();
	}
	free(st.entries);
}

int main(void)
{
	test_parse();
	test_inherit();
	test_fdstore();
	return check_summary();
}
