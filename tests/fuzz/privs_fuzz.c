/* privs_fuzz: libFuzzer entry point for what privs.c reads from outside: lines
 * of /etc/passwd and /etc/group (an image's files, not ours), the ids in them
 * and in -u, and privs_resolve() over whole files. The first input byte picks
 * the parser; the rest is its input:
 *   0  privs_parse_passwd_line()    2  privs_parse_id(), checked against a reference
 *   1  privs_parse_group_line()     3  privs_resolve(): "SPEC\0PASSWD\0GROUP", the
 *                                      files read through memfds, as tinyhold reads them */
#include "privs.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define FUZZ_INPUT_MAX 65536	/* several ID_LINE_MAX (4096) lines: the skip of an overlong one */
#define ID_MAX 4294967294UL	/* privs.c's: (uid_t)-1 means "unchanged" to setuid */

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define require(cond)                                                                    \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "privs_fuzz: %s:%d: broken: %s\n", __FILE__,     \
				__LINE__, #cond);                                        \
			abort();                                                         \
		}                                                                        \
	} while (0)

/* The reference: digits only, not empty, at most ID_MAX, leading zeros allowed. */
static bool id_reference(const char *text, unsigned long *id)
{
	unsigned long long v = 0;

	if (*text == '\0')
		return false;
	for (; *text; text++) {
		if (*text < '0' || *text > '9')
			return false;
		v = v * 10 + (unsigned long long)(*text - '0');
		if (v > ID_MAX)
			return false;
	}
	*id = (unsigned long)v;
	return true;
}

static bool inside(const char *p, const char *buf, size_t len)
{
	return p >= buf && p <= buf + len;
}

static void fuzz_line(char *line, size_t len, bool group)
{
	struct id_line e;
	int r;

	memset(&e, 0x5a, sizeof e);
	r = group ? privs_parse_group_line(line, &e) : privs_parse_passwd_line(line, &e);
	require(r == 0 || r == -1);
	if (r < 0)
		return;
	require(inside(e.name, line, len) && e.name[0] != '\0');
	require(strchr(e.name, ':') == NULL && strchr(e.name, '\n') == NULL);
	require(e.id <= ID_MAX && e.gid <= ID_MAX);
	if (group) {
		require(e.gid == e.id);
		require(e.members != NULL);
		require(e.members[0] == '\0' || inside(e.members, line, len));
		require(strchr(e.members, '\n') == NULL);
	}
}

static void fuzz_id(const char *text)
{
	unsigned long got = 12345, want = 0;
	bool ok = id_reference(text, &want);
	int r = privs_parse_id(text, &got);

	require(r == (ok ? 0 : -1));
	require(!ok || got == want);
	require(ok || got == 12345);	/* a refused id leaves *id alone */
}

/* A file with these bytes, by a path privs_resolve() can fopen(). */
static int memfd_path(const char *bytes, size_t len, char *path, size_t path_len)
{
	int fd = memfd_create("privs_fuzz", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (len > 0 && write(fd, bytes, len) != (ssize_t)len) {
		(void)close(fd);
		return -1;
	}
	snprintf(path, path_len, "/proc/self/fd/%d", fd);
	return fd;
}

static void fuzz_resolve(const char *in, size_t len)
{
	const char *end = in + len, *spec_end, *passwd, *passwd_end, *group;
	char why[256], ppath[64], gpath[64];
	struct privs *p = NULL;
	int pfd = -1, gfd = -1, r;
	size_t i, j;

	/* "SPEC\0PASSWD\0GROUP": a missing file is empty; a SPEC needs its NUL. */
	spec_end = memchr(in, '\0', len);
	if (spec_end == NULL)
		return;
	passwd = spec_end + 1;
	passwd_end = memchr(passwd, '\0', (size_t)(end - passwd));
	if (passwd_end == NULL)
		passwd_end = end;
	group = passwd_end < end ? passwd_end + 1 : end;

	p = malloc(sizeof *p);
	pfd = memfd_path(passwd, (size_t)(passwd_end - passwd), ppath, sizeof ppath);
	gfd = memfd_path(group, (size_t)(end - group), gpath, sizeof gpath);
	if (p == NULL || pfd < 0 || gfd < 0)
		goto out;

	memset(why, 0x5a, sizeof why);
	r = privs_resolve(in, ppath, gpath, p, why, sizeof why);
	require(r == 0 || r == -1);
	if (r < 0) {
		require(strnlen(why, sizeof why) < sizeof why && why[0] != '\0');
		goto out;
	}
	require(p->uid <= ID_MAX && p->gid <= ID_MAX);
	require(p->ngroups >= 1 && p->ngroups <= PRIVS_GROUPS_MAX);
	require(p->groups[0] == p->gid);	/* setgroups() gets the primary gid too */
	for (i = 0; i < p->ngroups; i++)
		for (j = i + 1; j < p->ngroups; j++)
			require(p->groups[i] != p->groups[j]);
out:
	if (pfd >= 0)
		(void)close(pfd);
	if (gfd >= 0)
		(void)close(gfd);
	free(p);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *text;
	size_t len;

	if (size < 1 || size > FUZZ_INPUT_MAX)
		return -1;
	len = size - 1;
	text = malloc(len + 1);	/* exactly the input and a NUL: ASan sees any overread */
	if (text == NULL)
		return 0;
	memcpy(text, data + 1, len);
	text[len] = '\0';
	switch (data[0] % 4) {
	case 0:
		fuzz_line(text, strlen(text), false);
		break;
	case 1:
		fuzz_line(text, strlen(text), true);
		break;
	case 2:
		fuzz_id(text);
		break;
	case 3:
		fuzz_resolve(text, len);
		break;
	}
	free(text);
	return 0;
}
