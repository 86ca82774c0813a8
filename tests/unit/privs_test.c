/* privs_test: the passwd/group line parsers, and privs_resolve() against a
 * passwd and a group file written into a fresh temp dir: names, numeric ids,
 * USER:GROUP, supplementary groups, and lines that must be skipped (malformed,
 * overlong) rather than misread, since a misread line can mean running as root. */
#include "privs.h"
#include "check.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define ID_LINE_MAX 4096	/* privs.c's line buffer: a line must fit with its '\n' and NUL */
#define WHY_MAX 1024


/* ---- privs_parse_id() ------------------------------------------------------ */

struct id_case {
	const char *text;
	int ret;
	unsigned long id;
};

static const struct id_case id_cases[] = {
	{ "0", 0, 0 },
	{ "1", 0, 1 },
	{ "1000", 0, 1000 },
	{ "007", 0, 7 },
	{ "65534", 0, 65534 },
	{ "4294967294", 0, 4294967294UL },	/* the largest id setuid() can take */
	{ "4294967295", -1, 0 },		/* (uid_t)-1 means "leave unchanged" */
	{ "4294967296", -1, 0 },		/* would wrap to 0, root, in a uid_t */
	{ "18446744073709551616", -1, 0 },	/* would wrap an unsigned long */
	{ "99999999999999999999999999", -1, 0 },
	{ "", -1, 0 },
	{ "-1", -1, 0 },
	{ "+1", -1, 0 },
	{ " 1", -1, 0 },
	{ "1 ", -1, 0 },
	{ "0x10", -1, 0 },
	{ "1e3", -1, 0 },
	{ "1.0", -1, 0 },
	{ "root", -1, 0 },
};

static void run_id_cases(void)
{
	char about[96];
	size_t i;

	for (i = 0; i < sizeof id_cases / sizeof id_cases[0]; i++) {
		const struct id_case *c = &id_cases[i];
		unsigned long id = 12345;
		int r = privs_parse_id(c->text, &id);

		snprintf(about, sizeof about, "privs_parse_id('%s')", c->text);
		begin(about);
		if (r != c->ret)
			fail("returned %d, want %d", r, c->ret);
		else if (r == 0 && id != c->id)
			fail("id %lu, want %lu", id, c->id);
		tally();
	}
}

/* ---- privs_parse_passwd_line(), privs_parse_group_line() ----------------- */

struct line_case {
	bool group;		/* a group line, else a passwd line */
	const char *line;
	int ret;
	const char *name;
	unsigned long id;	/* uid, or gid for a group */
	unsigned long gid;	/* passwd: the primary gid; group: the gid again */
	const char *members;	/* group only */
};

static const struct line_case line_cases[] = {
	{ false, "root:x:0:0:root:/root:/bin/bash\n", 0, "root", 0, 0, NULL },
	{ false, "alice:x:1000:1000:Alice:/home/alice:/bin/sh", 0, "alice", 1000, 1000, NULL },
	{ false, "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n", 0, "nobody", 65534,
	  65534, NULL },
	/* Name, password, uid and gid are all we need. */
	{ false, "a:x:1:2", 0, "a", 1, 2, NULL },
	{ false, "a::1:2:::", 0, "a", 1, 2, NULL },
	{ false, "a:x:1:2:g:/h:/s:extra", 0, "a", 1, 2, NULL },
	{ false, "a:x:4294967294:4294967294", 0, "a", 4294967294UL, 4294967294UL, NULL },
	{ false, "a:x:4294967295:1", -1, NULL, 0, 0, NULL },
	{ false, "a:x:1:4294967295", -1, NULL, 0, 0, NULL },
	{ false, "a:x:99999999999999999999:1", -1, NULL, 0, 0, NULL },
	{ false, "a:x:1", -1, NULL, 0, 0, NULL },
	{ false, "a:x", -1, NULL, 0, 0, NULL },
	{ false, "a", -1, NULL, 0, 0, NULL },
	{ false, "", -1, NULL, 0, 0, NULL },
	{ false, "\n", -1, NULL, 0, 0, NULL },
	{ false, ":x:1:2:::", -1, NULL, 0, 0, NULL },
	{ false, "a:x::2:::", -1, NULL, 0, 0, NULL },
	{ false, "a:x:1::::", -1, NULL, 0, 0, NULL },
	{ false, "a:x:-1:2:::", -1, NULL, 0, 0, NULL },
	{ false, "a:x:+1:2", -1, NULL, 0, 0, NULL },
	{ false, "a:x: 1:2", -1, NULL, 0, 0, NULL },
	{ false, "a:x:0x10:2", -1, NULL, 0, 0, NULL },
	{ false, "# a comment", -1, NULL, 0, 0, NULL },
	{ false, "+::::::", -1, NULL, 0, 0, NULL },	/* NIS compat: not an account */
	{ true, "wheel:x:10:alice,bob\n", 0, "wheel", 10, 10, "alice,bob" },
	{ true, "users:x:100:", 0, "users", 100, 100, "" },
	{ true, "users:x:100", 0, "users", 100, 100, "" },
	{ true, "g::5:a", 0, "g", 5, 5, "a" },
	{ true, "nogroup:x:65534:\n", 0, "nogroup", 65534, 65534, "" },
	{ true, "g:x:abc:", -1, NULL, 0, 0, NULL },
	{ true, "g:x::a", -1, NULL, 0, 0, NULL },
	{ true, ":x:1:", -1, NULL, 0, 0, NULL },
	{ true, "g:x", -1, NULL, 0, 0, NULL },
	{ true, "g", -1, NULL, 0, 0, NULL },
	{ true, "", -1, NULL, 0, 0, NULL },
	{ true, "g:x:4294967295:", -1, NULL, 0, 0, NULL },
	{ true, "g:x:-5:", -1, NULL, 0, 0, NULL },
};

static void run_line_cases(void)
{
	char about[160], line[256];
	size_t i;

	for (i = 0; i < sizeof line_cases / sizeof line_cases[0]; i++) {
		const struct line_case *c = &line_cases[i];
		struct id_line e = { 0 };
		int r;

		snprintf(line, sizeof line, "%s", c->line);	/* the parsers cut the line up */
		snprintf(about, sizeof about, "privs_parse_%s_line('%.*s')", c->group ? "group" : "passwd",
			 (int)strcspn(c->line, "\n"), c->line);
		begin(about);
		r = c->group ? privs_parse_group_line(line, &e) : privs_parse_passwd_line(line, &e);
		if (r != c->ret) {
			fail("returned %d, want %d", r, c->ret);
		} else if (r == 0) {
			if (e.name == NULL || strcmp(e.name, c->name) != 0)
				fail("name '%s', want '%s'", e.name ? e.name : "(null)", c->name);
			if (e.id != c->id || e.gid != c->gid)
				fail("id %lu gid %lu, want %lu %lu", e.id, e.gid, c->id, c->gid);
			if (c->group && (e.members == NULL || strcmp(e.members, c->members) != 0))
				fail("members '%s', want '%s'", e.members ? e.members : "(null)",
				     c->members);
		}
		tally();
	}
}

/* ---- privs_resolve() against files --------------------------------------- */

static char dir[] = "/tmp/privs_test.XXXXXX";
static char passwd_path[64], group_path[64], missing_path[64];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
}

/* A line of exactly len bytes (without '\n'): head, then fill up to len - strlen(tail), then tail. */
static void add_line(char *buf, size_t size, const char *head, char fill, size_t len,
		     const char *tail, bool newline)
{
	size_t used = strlen(buf);
	size_t n = len - strlen(head) - strlen(tail);

	if (used + len + 2 > size) {
		fprintf(stderr, "privs_test: file buffer too small\n");
		exit(2);
	}
	strcat(buf, head);
	memset(buf + strlen(buf), fill, n);
	buf[used + strlen(head) + n] = '\0';
	strcat(buf, tail);
	if (newline)
		strcat(buf, "\n");
}

static void write_files(void)
{
	static char passwd[64 * 1024], group[64 * 1024];

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
	snprintf(passwd_path, sizeof passwd_path, "%s/passwd", dir);
	snprintf(group_path, sizeof group_path, "%s/group", dir);
	snprintf(missing_path, sizeof missing_path, "%s/missing", dir);

	strcat(passwd,
	       "root:x:0:0:root:/root:/bin/sh\n"
	       "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n"
	       "bob:x:1001:100::/home/bob:/bin/sh\n"
	       "# a comment is not an entry\n"
	       "\n"
	       "not a passwd line\n"
	       "carol:x:notanumber:5::/:/bin/sh\n"
	       ":x:1005:0::/:/bin/sh\n"		/* no name: misread, uid 1005 would get gid 0 */
	       "dave:x:1002\n"
	       "shadowalice:x:1004:1004::/:/bin/sh\n"
	       "nogroups:x:1006:1006::/:/bin/sh\n"
	       "maxid:x:4294967294:4294967294::/:/bin/sh\n");
	/* An overlong line is skipped to its end. Its head fills privs.c's buffer
	 * exactly, so a reader that stopped there would take the tail for an entry:
	 * "mallory" as uid 0. */
	add_line(passwd, sizeof passwd, "", 'A', ID_LINE_MAX - 1 + strlen("mallory:x:0:0::/:/bin/sh"),
		 "mallory:x:0:0::/:/bin/sh", true);
	add_line(passwd, sizeof passwd, "ghost:x:4000:0:", 'G', 3 * ID_LINE_MAX, ":/:/bin/sh", true);
	/* Long, but it fits: it is read. */
	add_line(passwd, sizeof passwd, "longok:x:4001:4001:", 'g', ID_LINE_MAX - 2, ":/:/bin/sh", true);
	strcat(passwd,
	       "alice:x:9999:9999:a second alice: the first entry wins:/:/bin/sh\n"
	       "last:x:1007:1007::/:/bin/sh");	/* no '\n' at the end of the file */
	write_file(passwd_path, passwd);

	strcat(group,
	       "root:x:0:\n"
	       "users:x:100:alice,carol\n"
	       "wheel:x:10:bob,alice\n"
	       "staff:x:50:alicex,xalice,ALICE,ali\n"	/* whole names only */
	       "dev:x:1000:alice\n"			/* alice's primary group: not twice */
	       "docker:x:999:alice\n"
	       "docker2:x:999:alice\n"			/* the same gid again: not twice */
	       "badgid:x:abc:alice\n"			/* malformed: skipped */
	       ":x:998:alice\n"				/* no name: skipped */
	       "video:x:44:bob\n");
	/* Overlong, and listing alice at its end: skipped, not cut into a wrong entry. */
	add_line(group, sizeof group, "huge:x:777:", ',', 2 * ID_LINE_MAX, "alice", true);
	strcat(group, "audio:x:29:carol,alice");	/* no '\n' at the end of the file */
	write_file(group_path, group);
}

static void remove_files(void)
{
	(void)unlink(passwd_path);
	(void)unlink(group_path);
	(void)rmdir(dir);
}

struct resolve_case {
	const char *spec;
	bool missing_files;	/* both paths name files that do not exist */
	int ret;
	unsigned long uid, gid;
	const char *groups;	/* supplementary groups, in order, as "1000,100" */
	const char *why;	/* PASSWD and GROUP stand for the paths */
};

#define LONG_USER "uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu" \
		  "uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu" \
		  "uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu" \
		  "uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu"	/* 256 */

_Static_assert(sizeof LONG_USER - 1 == 256, "one more than privs.c's user buffer holds");

static const struct resolve_case resolve_cases[] = {
	/* A name: uid and gid from passwd, then every group that lists it. */
	{ "alice", false, 0, 1000, 1000, "1000,100,10,999,29", NULL },
	{ "bob", false, 0, 1001, 100, "100,10,44", NULL },
	{ "root", false, 0, 0, 0, "0", NULL },
	{ "nogroups", false, 0, 1006, 1006, "1006", NULL },
	{ "shadowalice", false, 0, 1004, 1004, "1004", NULL },
	{ "longok", false, 0, 4001, 4001, "4001", NULL },
	{ "last", false, 0, 1007, 1007, "1007", NULL },
	{ "maxid", false, 0, 4294967294UL, 4294967294UL, "4294967294", NULL },
	/* A number with an entry: the entry's gid and groups, as for its name. */
	{ "1000", false, 0, 1000, 1000, "1000,100,10,999,29", NULL },
	{ "0", false, 0, 0, 0, "0", NULL },
	{ "1004", false, 0, 1004, 1004, "1004", NULL },
	/* A number without one: its own gid, never root's group. */
	{ "4242", false, 0, 4242, 4242, "4242", NULL },
	{ "4294967294", false, 0, 4294967294UL, 4294967294UL, "4294967294", NULL },
	{ "1000", true, 0, 1000, 1000, "1000", NULL },
	/* USER:GROUP: that group only, no supplementary ones. */
	{ "alice:wheel", false, 0, 1000, 10, "10", NULL },
	{ "alice:50", false, 0, 1000, 50, "50", NULL },
	{ "bob:users", false, 0, 1001, 100, "100", NULL },
	{ "4242:4343", false, 0, 4242, 4343, "4343", NULL },
	{ "4242:wheel", false, 0, 4242, 10, "10", NULL },
	{ "1000:audio", false, 0, 1000, 29, "29", NULL },	/* the last line, without '\n' */
	{ "4242:4343", true, 0, 4242, 4343, "4343", NULL },
	/* Unknown names. */
	{ "nosuch", false, -1, 0, 0, NULL, "unknown user 'nosuch' (not in PASSWD)" },
	{ "Alice", false, -1, 0, 0, NULL, "unknown user 'Alice' (not in PASSWD)" },
	{ "alice", true, -1, 0, 0, NULL, "unknown user 'alice' (not in PASSWD)" },
	{ "4294967295", false, -1, 0, 0, NULL, "unknown user '4294967295' (not in PASSWD)" },
	{ "alice:nosuch", false, -1, 0, 0, NULL, "unknown group 'nosuch' (not in GROUP)" },
	{ "alice:wheel:x", false, -1, 0, 0, NULL, "unknown group 'wheel:x' (not in GROUP)" },
	{ "4242:wheel", true, -1, 0, 0, NULL, "unknown group 'wheel' (not in GROUP)" },
	/* Skipped lines: malformed, nameless, too short, overlong (and its tail). */
	{ "carol", false, -1, 0, 0, NULL, "unknown user 'carol' (not in PASSWD)" },
	{ "dave", false, -1, 0, 0, NULL, "unknown user 'dave' (not in PASSWD)" },
	{ "mallory", false, -1, 0, 0, NULL, "unknown user 'mallory' (not in PASSWD)" },
	{ "ghost", false, -1, 0, 0, NULL, "unknown user 'ghost' (not in PASSWD)" },
	{ "1005", false, 0, 1005, 1005, "1005", NULL },	/* the nameless line is no entry */
	{ "4000", false, 0, 4000, 4000, "4000", NULL },	/* nor is the overlong one */
	{ "alice:badgid", false, -1, 0, 0, NULL, "unknown group 'badgid' (not in GROUP)" },
	{ "alice:huge", false, -1, 0, 0, NULL, "unknown group 'huge' (not in GROUP)" },
	/* Bad specs. */
	{ "", false, -1, 0, 0, NULL, "bad user ''" },
	{ ":wheel", false, -1, 0, 0, NULL, "bad user ':wheel'" },
	{ "alice:", false, -1, 0, 0, NULL, "bad user 'alice:': empty group" },
	{ LONG_USER, false, -1, 0, 0, NULL, "bad user '" LONG_USER "'" },
};

/* "unknown user 'x' (not in PASSWD)" with the real paths in. */
static void expand_paths(const char *in, const char *pw, const char *gr, char *out, size_t len)
{
	size_t o = 0;

	while (*in && o + 1 < len) {
		if (strncmp(in, "PASSWD", 6) == 0) {
			o += (size_t)snprintf(out + o, len - o, "%s", pw);
			in += 6;
		} else if (strncmp(in, "GROUP", 5) == 0) {
			o += (size_t)snprintf(out + o, len - o, "%s", gr);
			in += 5;
		} else {
			out[o++] = *in++;
		}
		if (o >= len)
			o = len - 1;
	}
	out[o] = '\0';
}

static void format_groups(const struct privs *p, char *buf, size_t len)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < p->ngroups && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%lu", i ? "," : "",
				      (unsigned long)p->groups[i]);
}

static void run_resolve_cases(void)
{
	static struct privs p;	/* 4 KiB of groups: not on the stack */
	char about[128], why[WHY_MAX], want_why[WHY_MAX], groups[WHY_MAX];
	size_t i;

	for (i = 0; i < sizeof resolve_cases / sizeof resolve_cases[0]; i++) {
		const struct resolve_case *c = &resolve_cases[i];
		const char *pw = c->missing_files ? missing_path : passwd_path;
		const char *gr = c->missing_files ? missing_path : group_path;
		int r;

		snprintf(about, sizeof about, "privs_resolve('%.40s'%s)", c->spec,
			 c->missing_files ? ", no files" : "");
		begin(about);
		why[0] = '\0';
		r = privs_resolve(c->spec, pw, gr, &p, why, sizeof why);
		if (r != c->ret) {
			fail("returned %d (%s), want %d", r, why, c->ret);
		} else if (r == 0) {
			format_groups(&p, groups, sizeof groups);
			if ((unsigned long)p.uid != c->uid || (unsigned long)p.gid != c->gid)
				fail("uid %lu gid %lu, want %lu %lu", (unsigned long)p.uid,
				     (unsigned long)p.gid, c->uid, c->gid);
			if (strcmp(groups, c->groups) != 0)
				fail("groups %s, want %s", groups, c->groups);
		} else {
			expand_paths(c->why, pw, gr, want_why, sizeof want_why);
			if (strcmp(why, want_why) != 0)
				fail("why '%s', want '%s'", why, want_why);
		}
		tally();
	}
}

/* privs_resolve() keeps the user's name from the passwd entry to collect the
 * groups. Plain ASan does not see a read from a stack frame that has already
 * returned; with detect_stack_use_after_return it does, but that option is
 * read at start, so this case re-runs the test binary with it set. */
static int resolve_child(void)
{
	static struct privs p;
	char why[WHY_MAX], groups[WHY_MAX];

	if (privs_resolve("1000", passwd_path, group_path, &p, why, sizeof why) < 0)
		return 3;
	format_groups(&p, groups, sizeof groups);
	return strcmp(groups, "1000,100,10,999,29") == 0 ? 0 : 4;
}

static void run_use_after_return_case(void)
{
	char errpath[96], line[512], opts[1024];
	const char *old = getenv("ASAN_OPTIONS");
	bool shown = false;
	FILE *f;
	int status;
	pid_t pid;

	begin("privs_resolve() reads no stack frame after it returned (ASan use-after-return)");
	snprintf(errpath, sizeof errpath, "%s/stderr", dir);
	snprintf(opts, sizeof opts, "%s%sdetect_stack_use_after_return=1", old ? old : "",
		 old ? ":" : "");
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		fail("fork: %s", strerror(errno));
		tally();
		return;
	}
	if (pid == 0) {
		FILE *err = freopen(errpath, "w", stderr);
		if (err == NULL || setenv("ASAN_OPTIONS", opts, 1) < 0)
			_exit(5);
		execl("/proc/self/exe", "privs_test", "--resolve-child", dir, (char *)NULL);
		_exit(6);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fail("the child ended with status %d; its ASan report says:", status);
		f = fopen(errpath, "r");
		while (f != NULL && fgets(line, sizeof line, f) != NULL) {
			/* The error, the first frame in privs.c, and the variable it points into. */
			if (strstr(line, "ERROR: AddressSanitizer") || strstr(line, "<==") ||
			    (!shown && strstr(line, "privs.c:"))) {
				printf("    %s", line);
				shown = shown || strstr(line, "privs.c:") != NULL;
			}
		}
		if (f != NULL)
			(void)fclose(f);
	}
	(void)unlink(errpath);
	tally();
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--resolve-child") == 0) {
		snprintf(passwd_path, sizeof passwd_path, "%s/passwd", argv[2]);
		snprintf(group_path, sizeof group_path, "%s/group", argv[2]);
		return resolve_child();
	}

	run_id_cases();
	run_line_cases();
	write_files();
	run_resolve_cases();
	run_use_after_return_case();
	remove_files();

	return check_summary();
}
