/* spec: the socket-spec grammar, and nothing else.
 *
 *   SPEC  := [NAME "="] [PROTO ":"] ADDR
 *   PROTO := tcp | tcp4 | tcp6 | udp | udp4 | udp6 | unix
 *   ADDR  := PORT | "*:" PORT | IPV4 ":" PORT | "[" IPV6 "]:" PORT | PATH (unix only)
 *
 * Hosts are IP literals: a static PID 1 has no resolver it could trust. */
#include "spec.h"
#include "fmt.h"
#include "num.h"

#include <arpa/inet.h>
#include <string.h>

struct proto {
	const char *prefix;
	bool datagram;
	enum spec_family family;	/* SPEC_DUAL: decided by the address */
	bool unix_path;
};

static const struct proto protos[] = {
	{ "tcp:", false, SPEC_DUAL, false },
	{ "tcp4:", false, SPEC_INET, false },
	{ "tcp6:", false, SPEC_INET6, false },
	{ "udp:", true, SPEC_DUAL, false },
	{ "udp4:", true, SPEC_INET, false },
	{ "udp6:", true, SPEC_INET6, false },
	{ "unix:", false, SPEC_UNIX, true },
};

static const struct proto *proto_prefix(const char *text)
{
	size_t i;

	for (i = 0; i < sizeof protos / sizeof protos[0]; i++)
		if (strncmp(text, protos[i].prefix, strlen(protos[i].prefix)) == 0)
			return &protos[i];
	return NULL;
}

/* Decimal 1..65535, digits only: "08080" is fine, "+80", " 80" and "0x50" are not. */
static int parse_port(const char *text, uint16_t *port, const char **why)
{
	unsigned long v = 0;

	switch (num_parse(text, 65535, &v)) {
	case NUM_NOT_A_NUMBER:
		*why = *text == '\0' ? "missing port" : "port is not a number";
		return -1;
	case NUM_TOO_BIG:
		*why = "port out of range (1-65535)";
		return -1;
	case NUM_OK:
		break;
	}
	if (v == 0) {
		*why = "port out of range (1-65535)";
		return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

bool spec_name_valid(const char *s, size_t len, const char **why)
{
	const char *reason = NULL;
	size_t i;

	if (len == 0)
		reason = "empty name";
	else if (len > SPEC_NAME_MAX)
		reason = "name longer than 255 characters";
	for (i = 0; reason == NULL && i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		/* ':' separates LISTEN_FDNAMES (sd_listen_fds(3)); systemd also wants printable ASCII. */
		if (c == ':')
			reason = "name cannot contain ':'";
		else if (c <= ' ' || c >= 0x7f)
			reason = "name must be printable ASCII without spaces";
	}
	if (reason != NULL && why != NULL)
		*why = reason;
	return reason == NULL;
}

static int parse_name(const char *text, size_t len, char *name, const char **why)
{
	if (len == 0) {
		*why = "empty name before '='";
		return -1;
	}
	if (!spec_name_valid(text, len, why))
		return -1;
	memcpy(name, text, len);
	name[len] = '\0';
	return 0;
}

static int parse_unix(const char *path, struct sockspec *out, const char **why)
{
	size_t len = strlen(path);

	if (len == 0 || (path[0] == '@' && len == 1)) {
		*why = "missing unix socket path";
		return -1;
	}
	/* A filesystem path needs its NUL inside sun_path; an abstract name does not. */
	if (path[0] == '@' && len > SPEC_PATH_MAX) {
		*why = "abstract unix socket name too long (108 bytes at most, with the '@')";
		return -1;
	}
	if (path[0] != '@' && len > SPEC_PATH_MAX - 1) {
		*why = "unix socket path too long (107 bytes at most)";
		return -1;
	}
	memcpy(out->path, path, len);
	if (len < SPEC_PATH_MAX)
		out->path[len] = '\0';
	out->path_len = len;
	return 0;
}

/* ADDR for tcp and udp. family is SPEC_DUAL unless the prefix fixed it. */
static int parse_inet(const char *text, enum spec_family family, struct sockspec *out,
		      const char **why)
{
	char host[64];	/* longer than any IP literal; longer input is an error, not cut */
	const char *port;
	size_t hlen;

	if (text[0] == '[') {
		const char *end = strchr(text, ']');
		if (end == NULL) {
			*why = "missing ']'";
			return -1;
		}
		if (end[1] != ':') {
			*why = end[1] == '\0' ? "missing port" : "expected ':' after ']'";
			return -1;
		}
		hlen = (size_t)(end - text - 1);
		if (hlen >= sizeof host) {
			*why = "bad IPv6 address";
			return -1;
		}
		memcpy(host, text + 1, hlen);
		host[hlen] = '\0';
		if (strchr(host, '%') != NULL) {
			*why = "IPv6 scope ids are not supported";
			return -1;
		}
		if (family == SPEC_INET) {
			*why = "IPv6 address with an IPv4-only protocol";
			return -1;
		}
		if (inet_pton(AF_INET6, host, out->addr) != 1) {
			*why = "bad IPv6 address";
			return -1;
		}
		out->family = SPEC_INET6;
		/* [::]:P is "IPv6 only" only when the user asked for tcp6/udp6. */
		if (memcmp(out->addr, &in6addr_any, 16) == 0 && family == SPEC_DUAL)
			out->family = SPEC_DUAL;
		out->v6only = out->family == SPEC_INET6;
		return parse_port(end + 2, &out->port, why);
	}

	port = strrchr(text, ':');
	if (port == NULL) {
		/* A bare port. */
		if (parse_port(text, &out->port, why) < 0)
			return -1;
		out->family = family;
		out->v6only = family == SPEC_INET6;
		return 0;
	}
	hlen = (size_t)(port - text);
	if (memchr(text, ':', hlen) != NULL) {
		*why = "IPv6 address needs brackets, as in [::1]:80";
		return -1;
	}
	if (hlen == 1 && text[0] == '*') {
		out->family = family;
		out->v6only = family == SPEC_INET6;
		return parse_port(port + 1, &out->port, why);
	}
	if (hlen == 0) {
		*why = "missing address before ':'";
		return -1;
	}
	if (hlen >= sizeof host || (memcpy(host, text, hlen), host[hlen] = '\0',
				    inet_pton(AF_INET, host, out->addr) != 1)) {
		*why = "bad IPv4 address (hosts are IP literals)";
		return -1;
	}
	if (family == SPEC_INET6) {
		*why = "IPv4 address with an IPv6-only protocol";
		return -1;
	}
	out->family = SPEC_INET;
	return parse_port(port + 1, &out->port, why);
}

int spec_parse(const char *text, struct sockspec *out, const char **why)
{
	const struct proto *proto;
	const char *eq;

	memset(out, 0, sizeof *out);
	strcpy(out->name, SPEC_DEFAULT_NAME);

	/* A NAME= prefix, unless the text starts with a protocol: "unix:/a=b" is a path. */
	proto = proto_prefix(text);
	eq = proto == NULL ? strchr(text, '=') : NULL;
	if (eq != NULL) {
		if (parse_name(text, (size_t)(eq - text), out->name, why) < 0)
			return -1;
		text = eq + 1;
		proto = proto_prefix(text);
	}
	if (*text == '\0') {
		*why = "empty spec";
		return -1;
	}
	if (proto == NULL)
		return parse_inet(text, SPEC_DUAL, out, why);
	text += strlen(proto->prefix);
	out->datagram = proto->datagram;
	if (proto->unix_path) {
		out->family = SPEC_UNIX;
		return parse_unix(text, out, why);
	}
	return parse_inet(text, proto->family, out, why);
}

/* An IPv4 address as a.b.c.d, into at least 16 bytes. */
static void format_in4(const unsigned char *a, char *out)
{
	fmt(out, 16, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

/* An IPv6 address as RFC 5952 writes it, into at least 46 bytes: lower-case
 * hex without leading zeros, the longest run of two or more zero groups (the
 * first of equals) as "::", and ::ffff:a.b.c.d for an IPv4-mapped one. Ours
 * rather than inet_ntop(): musl's brings the whole printf. */
static void format_in6(const unsigned char *a, char *out)
{
	static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };
	size_t best = 0, best_len = 0, i, n = 0;

	if (memcmp(a, mapped, sizeof mapped) == 0) {
		memcpy(out, "::ffff:", 7);
		format_in4(a + 12, out + 7);
		return;
	}
	for (i = 0; i < 8;) {
		size_t run = 0;
		while (i + run < 8 && a[2 * (i + run)] == 0 && a[2 * (i + run) + 1] == 0)
			run++;
		if (run > best_len) {
			best = i;
			best_len = run;
		}
		i += run > 0 ? run : 1;
	}
	if (best_len < 2)
		best_len = 0;
	for (i = 0; i < 8; i++) {
		if (best_len > 0 && i == best) {
			out[n++] = ':';
			if (i == 0)
				out[n++] = ':';
			i += best_len - 1;
			continue;
		}
		n += (size_t)fmt(out + n, 6, "%x", (unsigned)(a[2 * i] << 8 | a[2 * i + 1]));
		if (i < 7)
			out[n++] = ':';
	}
	out[n] = '\0';
}

void spec_format(const struct sockspec *s, char *buf, size_t len)
{
	char host[46];	/* INET6_ADDRSTRLEN */
	const char *proto = s->datagram ? "udp:" : "";

	switch (s->family) {
	case SPEC_UNIX:
		fmt(buf, len, "unix:%.*s", (int)s->path_len, s->path);
		return;
	case SPEC_INET:
		format_in4(s->addr, host);
		fmt(buf, len, "%s%s:%u", proto, host, s->port);
		return;
	case SPEC_INET6:
	case SPEC_DUAL:
		format_in6(s->addr, host);
		fmt(buf, len, "%s[%s]:%u", proto, host, s->port);
		return;
	}
}
