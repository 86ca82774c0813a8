/* privs: USER[:GROUP] -> uid, gid and supplementary groups, resolved once at
 * start from /etc/passwd and /etc/group (no NSS: a static PID 1 cannot load it). */
#ifndef TINYHOLD_PRIVS_H
#define TINYHOLD_PRIVS_H

#include <stddef.h>
#include <sys/types.h>

#define PRIVS_GROUPS_MAX 1024	/* more supplementary groups than any sane account has */

struct privs {
	uid_t uid;
	gid_t gid;
	gid_t groups[PRIVS_GROUPS_MAX];
	size_t ngroups;
};

/* 0, or -1 with a one-line reason in why. Reads the two files; never logs. */
int privs_resolve(const char *spec, const char *passwd_path, const char *group_path,
		  struct privs *out, char *why, size_t why_len);

/* In the child: setgroups, then setgid, then setuid. 0 or -errno. */
int privs_drop(const struct privs *p);

/* One line of /etc/passwd ("name:x:uid:gid:...") or /etc/group
 * ("name:x:gid:user1,user2"). Pure, for the unit tests and the fuzzer:
 * 0 and the fields, or -1 for a malformed line. The name and member list
 * point into line, which is modified (fields are NUL-terminated). */
struct id_line {
	const char *name;
	unsigned long id;	/* uid or gid */
	unsigned long gid;	/* passwd only */
	const char *members;	/* group only: "a,b,c" */
};
int privs_parse_passwd_line(char *line, struct id_line *out);
int privs_parse_group_line(char *line, struct id_line *out);

/* "1000" -> 0 and *id; anything else -1. Ids above 2^32-2 are refused ((uid_t)-1 means "none"). */
int privs_parse_id(const char *text, unsigned long *id);

#endif
