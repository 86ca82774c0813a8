/* spec: "[NAME=]SPEC" -> struct sockspec. Pure: no syscalls, no allocation,
 * so it is unit-tested with tables and fuzzed. Binding is sock.c's job. */
#ifndef TINYHOLD_SPEC_H
#define TINYHOLD_SPEC_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#define SPEC_NAME_MAX 255	/* systemd's FileDescriptorName= limit */
#define SPEC_PATH_MAX 108	/* sizeof sun_path on Linux */
#define SPEC_DEFAULT_NAME "unknown"	/* what sd_listen_fds_with_names() reports for an unnamed fd */

enum spec_family {
	SPEC_DUAL,	/* [::] with IPV6_V6ONLY=0; 0.0.0.0 if the kernel has no IPv6 */
	SPEC_INET,
	SPEC_INET6,
	SPEC_UNIX,
};

struct sockspec {
	char name[SPEC_NAME_MAX + 1];	/* for LISTEN_FDNAMES; never empty, never ':' */
	enum spec_family family;
	bool datagram;			/* udp: rather than tcp: */
	bool v6only;			/* tcp6:/udp6: wildcard: IPv6 only */
	uint8_t addr[16];		/* network order; 4 bytes used for SPEC_INET */
	uint16_t port;			/* host order, 1..65535 */
	char path[SPEC_PATH_MAX];	/* SPEC_UNIX; a leading '@' means the abstract namespace */
	size_t path_len;		/* without a terminating NUL */
};

/* The one rule for an fd name, wherever it comes from (a -p NAME=, an
 * inherited LISTEN_FDNAMES entry, an FDNAME= of the fd store): 1 to
 * SPEC_NAME_MAX bytes of printable ASCII without spaces, and no ':' (it
 * separates LISTEN_FDNAMES). false with *why set (if why is not NULL) to a
 * static reason. */
bool spec_name_valid(const char *s, size_t len, const char **why);

/* 0 and *out filled, or -1 and *why set to a static reason. text is not kept. */
int spec_parse(const char *text, struct sockspec *out, const char **why);

/* "[::]:8080", "127.0.0.1:80", "udp:[::1]:53", "unix:/run/x.sock": for log lines. */
void spec_format(const struct sockspec *s, char *buf, size_t len);

#endif
