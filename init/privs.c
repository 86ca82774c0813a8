/* privs: reads passwd and group files line by line with bounded buffers.
 * Resolution happens before any socket is handed out, so a typo in -u is a
 * setup error (125), never a restart loop. */
#include "privs.h"
#include "fmt.h"
#include "io.h"
#include "num.h"
#include "words.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ID_LINE_MAX 4096	/* longer lines are skipped, not cut into a wrong entry */
#define ID_MAX 4294967294UL	/* (uid_t)-1 is "unchanged" to setuid */

int privs_parse_id(const char *text, unsigned long *id)
{
	return num_parse(text, ID_MAX, id) == NUM_OK ? 0 : -1;
}

/* Splits line at ':' into at most max fields; returns how many. */
static size_t split_fields(char *line, char **fields, size_t max)
{
	size_t n = 0;
	char *p = line;

	line[strcspn(line, "\n")] = '\0';
	while (n < max) {
		fields[n++] = p;
		p = strchr(p, ':');
		if (p == NULL)
			break;
		*p++ = '\0';
	}
	return n;
}

int privs_parse_passwd_line(char *line, struct id_line *out)
{
	char *f[7];

	if (split_fields(line, f, 7) < 4 || f[0][0] == '\0')
		return -1;
	if (privs_parse_id(f[2], &out->id) < 0 || privs_parse_id(f[3], &out->gid) < 0)
		return -1;
	out->name = f[0];
	out->members = NULL;
	return 0;
}

int privs_parse_group_line(char *line, struct id_line *out)
{
	char *f[4];
	size_t n = split_fields(line, f, 4);

	if (n < 3 || f[0][0] == '\0')
		return -1;
	if (privs_parse_id(f[2], &out->id) < 0)
		return -1;
	out->name = f[0];
	out->gid = out->id;
	out->members = n == 4 ? f[3] : "";
	return 0;
}

typedef bool (*line_match)(const struct id_line *e, void *ctx);

/* What scan_file() found, copied out of its line buffer. */
struct id_entry {
	char name[256];
	unsigned long id;
	unsigned long gid;
};

/* Calls match for every well-formed line until it returns true. 1 found, 0 not, -errno. */
static int scan_file(const char *path, bool is_group, line_match match, void *ctx,
		     struct id_entry *found)
{
	char buf[ID_LINE_MAX];
	struct io_lines lines;
	char *line;
	int r = io_lines_open(&lines, path, buf, sizeof buf);

	if (r < 0)
		return r == -ENOENT ? 0 : r;
	r = 0;
	while ((line = io_lines_next(&lines)) != NULL) {
		struct id_line e;
		if ((is_group ? privs_parse_group_line(line, &e) : privs_parse_passwd_line(line, &e)) < 0)
			continue;
		if (match(&e, ctx)) {
			fmt(found->name, sizeof found->name, "%s", e.name);
			found->id = e.id;
			found->gid = e.gid;
			r = 1;
			break;
		}
	}
	io_lines_close(&lines);
	return r;
}

struct by_key {
	const char *name;	/* match by name, or else by id */
	unsigned long id;
};

static bool match_key(const struct id_line *e, void *ctx)
{
	const struct by_key *k = ctx;

	return k->name != NULL ? strcmp(e->name, k->name) == 0 : e->id == k->id;
}

struct collect {
	struct privs *p;
	const char *user;
};

static bool collect_groups(const struct id_line *e, void *ctx)
{
	struct collect *c = ctx;
	size_t i;

	if (!words_has(e->members, c->user))
		return false;
	for (i = 0; i < c->p->ngroups; i++)
		if (c->p->groups[i] == (gid_t)e->id)
			return false;
	if (c->p->ngroups < PRIVS_GROUPS_MAX)
		c->p->groups[c->p->ngroups++] = (gid_t)e->id;
	return false;	/* keep scanning: we want every group */
}

int privs_resolve(const char *spec, const char *passwd_path, const char *group_path,
		  struct privs *out, char *why, size_t why_len)
{
	char user[256], name_buf[256];
	const char *group = NULL, *colon = strchr(spec, ':');
	size_t ulen = colon ? (size_t)(colon - spec) : strlen(spec);
	struct id_entry e;
	struct by_key key;
	unsigned long id = 0;
	bool user_known;
	int r;

	memset(out, 0, sizeof *out);
	if (ulen == 0 || ulen >= sizeof user) {
		fmt(why, why_len, "bad user '%s'", spec);
		return -1;
	}
	memcpy(user, spec, ulen);
	user[ulen] = '\0';
	if (colon != NULL) {
		group = colon + 1;
		if (*group == '\0') {
			fmt(why, why_len, "bad user '%s': empty group", spec);
			return -1;
		}
	}

	/* The user: a name must exist; a number may (then we learn its name and gid). */
	key.name = privs_parse_id(user, &id) == 0 ? NULL : user;
	key.id = id;
	r = scan_file(passwd_path, false, match_key, &key, &e);
	if (r < 0) {
		fmt(why, why_len, "cannot read %s: %s", passwd_path, strerror(-r));
		return -1;
	}
	user_known = r == 1;
	if (!user_known && key.name != NULL) {
		fmt(why, why_len, "unknown user '%s' (not in %s)", user, passwd_path);
		return -1;
	}
	if (user_known) {
		/* scan_file() returns 1 only after it filled e; clang-analyzer 14 loses
		 * that -errno < 0 on its open() error path and guesses it could be 1. */
		out->uid = (uid_t)e.id;	/* NOLINT(clang-analyzer-core.uninitialized.Assign) */
		out->gid = (gid_t)e.gid;
		fmt(name_buf, sizeof name_buf, "%s", e.name);
	} else {
		/* A bare uid with no entry: its own gid, never root's group by default. */
		out->uid = (uid_t)id;
		out->gid = (gid_t)id;
		name_buf[0] = '\0';
	}

	if (group != NULL) {
		key.name = privs_parse_id(group, &id) == 0 ? NULL : group;
		key.id = id;
		if (key.name == NULL) {
			out->gid = (gid_t)id;
		} else {
			r = scan_file(group_path, true, match_key, &key, &e);
			if (r < 0) {
				fmt(why, why_len, "cannot read %s: %s", group_path, strerror(-r));
				return -1;
			}
			if (r == 0) {
				fmt(why, why_len, "unknown group '%s' (not in %s)", group, group_path);
				return -1;
			}
			out->gid = (gid_t)e.id;
		}
	}

	/* Supplementary groups: the primary gid, plus (without an explicit
	 * GROUP) every group that lists the user, as login(1) would set them. */
	out->groups[0] = out->gid;
	out->ngroups = 1;
	if (group == NULL && name_buf[0] != '\0') {
		struct collect c = { out, name_buf };
		r = scan_file(group_path, true, collect_groups, &c, &e);
		if (r < 0) {
			fmt(why, why_len, "cannot read %s: %s", group_path, strerror(-r));
			return -1;
		}
	}
	return 0;
}

/* The system calls themselves: privs_drop() runs in the child between fork
 * and exec, where only one thread exists, so the C library's setuid() that
 * changes every thread's ids (musl's __synccall: 2 KB of locks and
 * semaphores) has nothing to do. The 32-bit ABIs that keep the old 16-bit
 * calls name the full-width ones *32. */
#ifdef SYS_setuid32
#define SYS_SETGROUPS SYS_setgroups32
#define SYS_SETGID SYS_setgid32
#define SYS_SETUID SYS_setuid32
#else
#define SYS_SETGROUPS SYS_setgroups
#define SYS_SETGID SYS_setgid
#define SYS_SETUID SYS_setuid
#endif

int privs_drop(const struct privs *p)
{
	/* Groups first: after setuid() we could no longer change them. */
	if (syscall(SYS_SETGROUPS, p->ngroups, p->groups) < 0)
		return -errno;
	if (syscall(SYS_SETGID, p->gid) < 0)
		return -errno;
	if (syscall(SYS_SETUID, p->uid) < 0)
		return -errno;
	return 0;
}
