/* spec_test: every form of the "[NAME=]SPEC" grammar (issue 2's table) with the
 * struct it must give, and many malformed specs with the exact reason the user
 * reads after "bad -p spec '...': ". spec.c is pure, so tables are the test. */
#include "inherit.h"
#include "notify.h"
#include "spec.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int passed, failed;
static bool case_failed;

/* One case is one table row: it passes when every check() in it held. */
static void tally(void)
{
	if (case_failed)
		failed++;
	else
		passed++;
	case_failed = false;
}

__attribute__((format(printf, 3, 4)))
static void check(int ok, const char *input, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return;
	case_failed = true;
	printf("FAIL spec '%.60s%s': ", input, strlen(input) > 60 ? "..." : "");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* IPv6 bytes are written out, not computed with inet_pton(): the test must not
 * share the code under test's only dependency. */
#define ANY6 { 0 }
#define LOOP6 { [15] = 1 }

struct good {
	const char *text;
	const char *name;
	enum spec_family family;
	bool datagram;
	bool v6only;
	uint8_t addr[16];
	uint16_t port;
	const char *path;	/* SPEC_UNIX only */
	const char *formatted;	/* spec_format(), as the log lines show it */
};

struct bad {
	const char *text;
	const char *why;
};

/* Specs at the length limits, built in main(). */
#define LONG_BUF 512	/* room for any spec below, so snprintf never cuts one */
static char name255[SPEC_NAME_MAX + 1], name255_spec[LONG_BUF], name256_spec[LONG_BUF];
static char path107[SPEC_PATH_MAX], path107_spec[LONG_BUF], path108_spec[LONG_BUF];
static char abstract108[SPEC_PATH_MAX + 1], abstract108_spec[LONG_BUF], abstract109_spec[LONG_BUF];
static char unix107_formatted[LONG_BUF], abstract108_formatted[LONG_BUF];
static char name_spec_longest[2 * LONG_BUF];

static void build_long_specs(void)
{
	memset(name255, 'n', SPEC_NAME_MAX);
	snprintf(name255_spec, sizeof name255_spec, "%s=80", name255);
	snprintf(name256_spec, sizeof name256_spec, "n%s=80", name255);

	/* A file path needs its NUL in sun_path: 107 bytes fit, 108 do not. */
	path107[0] = '/';
	memset(path107 + 1, 'p', 106);
	snprintf(path107_spec, sizeof path107_spec, "unix:%s", path107);
	snprintf(path108_spec, sizeof path108_spec, "unix:%sp", path107);
	snprintf(unix107_formatted, sizeof unix107_formatted, "unix:%s", path107);

	/* An abstract name has no NUL: all 108 bytes are usable, 109 are not. */
	abstract108[0] = '@';
	memset(abstract108 + 1, 'a', 107);
	snprintf(abstract108_spec, sizeof abstract108_spec, "unix:%s", abstract108);
	snprintf(abstract109_spec, sizeof abstract109_spec, "unix:%sa", abstract108);
	snprintf(abstract108_formatted, sizeof abstract108_formatted, "unix:%s", abstract108);

	/* The longest valid spec of all: opts.c sizes its word buffer for it. */
	snprintf(name_spec_longest, sizeof name_spec_longest, "%s=%s", name255, abstract108_spec);
}

static void check_good(const struct good *g)
{
	struct sockspec s;
	const char *why = NULL;
	char buf[512];
	size_t path_len = g->path ? strlen(g->path) : 0;
	int r;

	memset(&s, 0x5a, sizeof s);	/* spec_parse must set every field, not inherit junk */
	r = spec_parse(g->text, &s, &why);
	check(r == 0, g->text, "returned %d (%s), want 0", r, why ? why : "no reason");
	if (r != 0)
		return;
	check(strcmp(s.name, g->name) == 0, g->text, "name '%.40s', want '%.40s'", s.name, g->name);
	check(s.family == g->family, g->text, "family %d, want %d", (int)s.family, (int)g->family);
	check(s.datagram == g->datagram, g->text, "datagram %d, want %d", s.datagram, g->datagram);
	check(s.v6only == g->v6only, g->text, "v6only %d, want %d", s.v6only, g->v6only);
	if (g->family == SPEC_UNIX) {
		check(s.path_len == path_len && memcmp(s.path, g->path, path_len) == 0, g->text,
		      "path '%.*s' (%zu bytes), want '%s'", (int)s.path_len, s.path, s.path_len,
		      g->path);
		check(s.port == 0, g->text, "port %u on a unix socket", s.port);
	} else {
		check(memcmp(s.addr, g->addr, sizeof s.addr) == 0, g->text, "address bytes differ");
		check(s.port == g->port, g->text, "port %u, want %u", s.port, g->port);
		check(s.path_len == 0, g->text, "path_len %zu on an IP socket", s.path_len);
	}
	spec_format(&s, buf, sizeof buf);
	check(strcmp(buf, g->formatted) == 0, g->text, "formatted '%.40s', want '%.40s'", buf,
	      g->formatted);
}

static void check_bad(const struct bad *b)
{
	struct sockspec s;
	const char *why = NULL;
	int r = spec_parse(b->text, &s, &why);

	check(r == -1, b->text, "returned %d, want -1", r);
	check(why != NULL && strcmp(why, b->why) == 0, b->text, "why '%s', want '%s'",
	      why ? why : "(null)", b->why);
}

/* Any prefix of a valid spec is what a user gets from a cut-off line: it must
 * parse or give a reason, never crash (ASan watches the reads). */
static void check_prefixes(const char *text)
{
	char cut[512];
	size_t n, len = strlen(text);

	for (n = 0; n < len && n < sizeof cut; n++) {
		struct sockspec s;
		const char *why = NULL;
		int r;

		memcpy(cut, text, n);
		cut[n] = '\0';
		r = spec_parse(cut, &s, &why);
		check(r == 0 || (r == -1 && why != NULL && *why != '\0'), cut,
		      "returned %d without a reason", r);
	}
}

/* spec_format into a short buffer: cut and NUL-terminated, never overrun. */
static void check_format_truncates(void)
{
	struct sockspec s;
	const char *why;
	char buf[8];

	if (spec_parse("8080", &s, &why) < 0) {
		check(0, "8080", "did not parse");
		return;
	}
	memset(buf, 'x', sizeof buf);
	spec_format(&s, buf, sizeof buf);
	check(strcmp(buf, "[::]:80") == 0, "8080", "formatted into 8 bytes: '%.8s'", buf);
}

/* The one rule for an fd name (spec_name_valid), and its three users agree
 * with it: a -p NAME=, an inherited LISTEN_FDNAMES entry, an FDNAME=. */
static void check_name_rule(void)
{
	static char n255[SPEC_NAME_MAX + 1], n256[SPEC_NAME_MAX + 2];
	const struct {
		const char *text;
		const char *why;	/* NULL: valid */
	} rows[] = {
		{ "web", NULL },
		{ "a-b_c.d@e", NULL },
		{ n255, NULL },
		{ "", "empty name" },
		{ n256, "name longer than 255 characters" },
		{ "a:b", "name cannot contain ':'" },
		{ "a b", "name must be printable ASCII without spaces" },
		{ "a\tb", "name must be printable ASCII without spaces" },
		{ "\x7f", "name must be printable ASCII without spaces" },
		{ "caf\xc3\xa9", "name must be printable ASCII without spaces" },
	};
	char spec[SPEC_NAME_MAX + 16], dgram[SPEC_NAME_MAX + 16], inherited[SPEC_NAME_MAX + 1];
	struct sockspec s;
	struct notify_msg m;
	const char *why, *ignored;
	size_t i, len;
	bool ok;

	memset(n255, 'n', SPEC_NAME_MAX);
	memset(n256, 'n', SPEC_NAME_MAX + 1);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		len = strlen(rows[i].text);
		why = NULL;
		ok = spec_name_valid(rows[i].text, len, &why);
		check(ok == (rows[i].why == NULL), rows[i].text, "spec_name_valid() says %d", ok);
		check(rows[i].why == NULL ? why == NULL : why != NULL && strcmp(why, rows[i].why) == 0,
		      rows[i].text, "reason '%s', want '%s'", why ? why : "(none)",
		      rows[i].why ? rows[i].why : "(none)");
		check(spec_name_valid(rows[i].text, len, NULL) == ok, rows[i].text, "why NULL changes it");
		/* -p NAME=80 (an empty name has its own message there). */
		snprintf(spec, sizeof spec, "%s=80", rows[i].text);
		check((spec_parse(spec, &s, &ignored) == 0) == ok, spec, "-p disagrees with the rule");
		/* FDNAME= in a datagram. */
		len = (size_t)snprintf(dgram, sizeof dgram, "FDNAME=%s", rows[i].text);
		check(notify_parse(dgram, len, &m, &ignored) == 0 && m.fdname_bad == !ok, dgram,
		      "FDNAME= disagrees with the rule");
		/* LISTEN_FDNAMES: a name without ':' is one entry; an invalid one is "unknown". */
		if (strchr(rows[i].text, ':') == NULL) {
			inherit_name(rows[i].text, 0, inherited, sizeof inherited);
			check(strcmp(inherited, ok ? rows[i].text : SPEC_DEFAULT_NAME) == 0, rows[i].text,
			      "LISTEN_FDNAMES gives '%.40s'", inherited);
		}
		tally();
	}
}

int main(void)
{
	build_long_specs();

	const struct good good[] = {
		/* Wildcard: dual-stack [::] with IPV6_V6ONLY=0; sock.c falls back to 0.0.0.0. */
		{ "8080", "unknown", SPEC_DUAL, false, false, ANY6, 8080, NULL, "[::]:8080" },
		{ "*:8080", "unknown", SPEC_DUAL, false, false, ANY6, 8080, NULL, "[::]:8080" },
		{ "tcp:8080", "unknown", SPEC_DUAL, false, false, ANY6, 8080, NULL, "[::]:8080" },
		{ "tcp:*:8080", "unknown", SPEC_DUAL, false, false, ANY6, 8080, NULL, "[::]:8080" },
		{ "1", "unknown", SPEC_DUAL, false, false, ANY6, 1, NULL, "[::]:1" },
		{ "65535", "unknown", SPEC_DUAL, false, false, ANY6, 65535, NULL, "[::]:65535" },
		/* Leading zeros are still decimal, not octal. */
		{ "08080", "unknown", SPEC_DUAL, false, false, ANY6, 8080, NULL, "[::]:8080" },
		/* IPv4 literals: IPv4 only. */
		{ "0.0.0.0:8080", "unknown", SPEC_INET, false, false, { 0, 0, 0, 0 }, 8080, NULL,
		  "0.0.0.0:8080" },
		{ "127.0.0.1:8080", "unknown", SPEC_INET, false, false, { 127, 0, 0, 1 }, 8080, NULL,
		  "127.0.0.1:8080" },
		{ "127.0.0.1:80", "unknown", SPEC_INET, false, false, { 127, 0, 0, 1 }, 80, NULL,
		  "127.0.0.1:80" },
		{ "255.255.255.255:1", "unknown", SPEC_INET, false, false, { 255, 255, 255, 255 }, 1,
		  NULL, "255.255.255.255:1" },
		{ "tcp:10.1.2.3:443", "unknown", SPEC_INET, false, false, { 10, 1, 2, 3 }, 443, NULL,
		  "10.1.2.3:443" },
		/* [::] without a family prefix is the same dual-stack socket as a bare port
		 * (Linux's own default, bindv6only=0); only tcp6:/udp6: make it IPv6-only. */
		{ "[::]:8080", "unknown", SPEC_DUAL, false, false, ANY6, 8080, NULL, "[::]:8080" },
		{ "[::1]:8080", "unknown", SPEC_INET6, false, true, LOOP6, 8080, NULL, "[::1]:8080" },
		{ "[fe80::1]:80", "unknown", SPEC_INET6, false, true, { 0xfe, 0x80, [15] = 1 }, 80,
		  NULL, "[fe80::1]:80" },
		{ "[::ffff:127.0.0.1]:80", "unknown", SPEC_INET6, false, true,
		  { [10] = 0xff, [11] = 0xff, 127, 0, 0, 1 }, 80, NULL, "[::ffff:127.0.0.1]:80" },
		/* RFC 5952 in the log: lower case, no leading zeros, the first longest
		 * zero run as "::", never one zero group alone. */
		{ "[2001:0DB8:0:0:1:0:0:1]:80", "unknown", SPEC_INET6, false, true,
		  { 0x20, 0x01, 0x0d, 0xb8, [9] = 1, [15] = 1 }, 80, NULL, "[2001:db8::1:0:0:1]:80" },
		{ "[1:0:3:4:5:6:7:8]:80", "unknown", SPEC_INET6, false, true,
		  { 0, 1, 0, 0, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8 }, 80, NULL, "[1:0:3:4:5:6:7:8]:80" },
		{ "[1::]:80", "unknown", SPEC_INET6, false, true, { 0, 1 }, 80, NULL, "[1::]:80" },
		{ "[1:2:3:4:5:6:0:0]:80", "unknown", SPEC_INET6, false, true,
		  { 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6 }, 80, NULL, "[1:2:3:4:5:6::]:80" },
		{ "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:80", "unknown", SPEC_INET6, false, true,
		  { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		    0xff, 0xff }, 80, NULL, "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:80" },
		{ "[::1.2.3.4]:80", "unknown", SPEC_INET6, false, true, { [12] = 1, 2, 3, 4 }, 80,
		  NULL, "[::102:304]:80" },
		/* tcp4: forces IPv4: the wildcard is 0.0.0.0. */
		{ "tcp4:8080", "unknown", SPEC_INET, false, false, { 0 }, 8080, NULL, "0.0.0.0:8080" },
		{ "tcp4:*:8080", "unknown", SPEC_INET, false, false, { 0 }, 8080, NULL, "0.0.0.0:8080" },
		{ "tcp4:127.0.0.1:80", "unknown", SPEC_INET, false, false, { 127, 0, 0, 1 }, 80, NULL,
		  "127.0.0.1:80" },
		/* tcp6: forces IPv6 only: IPV6_V6ONLY=1 on the wildcard. */
		{ "tcp6:8080", "unknown", SPEC_INET6, false, true, ANY6, 8080, NULL, "[::]:8080" },
		{ "tcp6:*:8080", "unknown", SPEC_INET6, false, true, ANY6, 8080, NULL, "[::]:8080" },
		{ "tcp6:[::]:8080", "unknown", SPEC_INET6, false, true, ANY6, 8080, NULL, "[::]:8080" },
		{ "tcp6:[::1]:80", "unknown", SPEC_INET6, false, true, LOOP6, 80, NULL, "[::1]:80" },
		/* udp: the same forms, as datagram sockets. */
		{ "udp:53", "unknown", SPEC_DUAL, true, false, ANY6, 53, NULL, "udp:[::]:53" },
		{ "udp:*:53", "unknown", SPEC_DUAL, true, false, ANY6, 53, NULL, "udp:[::]:53" },
		{ "udp:127.0.0.1:53", "unknown", SPEC_INET, true, false, { 127, 0, 0, 1 }, 53, NULL,
		  "udp:127.0.0.1:53" },
		{ "udp:[::1]:53", "unknown", SPEC_INET6, true, true, LOOP6, 53, NULL, "udp:[::1]:53" },
		{ "udp:[::]:53", "unknown", SPEC_DUAL, true, false, ANY6, 53, NULL, "udp:[::]:53" },
		{ "udp4:53", "unknown", SPEC_INET, true, false, { 0 }, 53, NULL, "udp:0.0.0.0:53" },
		{ "udp4:10.0.0.1:53", "unknown", SPEC_INET, true, false, { 10, 0, 0, 1 }, 53, NULL,
		  "udp:10.0.0.1:53" },
		{ "udp6:53", "unknown", SPEC_INET6, true, true, ANY6, 53, NULL, "udp:[::]:53" },
		{ "udp6:[::1]:53", "unknown", SPEC_INET6, true, true, LOOP6, 53, NULL, "udp:[::1]:53" },
		/* unix: a path, or '@' for the abstract namespace. */
		{ "unix:/run/x.sock", "unknown", SPEC_UNIX, false, false, { 0 }, 0, "/run/x.sock",
		  "unix:/run/x.sock" },
		{ "unix:@abstract", "unknown", SPEC_UNIX, false, false, { 0 }, 0, "@abstract",
		  "unix:@abstract" },
		{ "unix:/a=b", "unknown", SPEC_UNIX, false, false, { 0 }, 0, "/a=b", "unix:/a=b" },
		/* A path may hold ':' too: only the first "unix:" is the protocol. */
		{ "unix:/tmp/a:b", "unknown", SPEC_UNIX, false, false, { 0 }, 0, "/tmp/a:b",
		  "unix:/tmp/a:b" },
		{ path107_spec, "unknown", SPEC_UNIX, false, false, { 0 }, 0, path107,
		  unix107_formatted },
		{ abstract108_spec, "unknown", SPEC_UNIX, false, false, { 0 }, 0, abstract108,
		  abstract108_formatted },
		/* NAME=SPEC: the name goes to LISTEN_FDNAMES. */
		{ "web=8080", "web", SPEC_DUAL, false, false, ANY6, 8080, NULL, "[::]:8080" },
		{ "dns=udp:53", "dns", SPEC_DUAL, true, false, ANY6, 53, NULL, "udp:[::]:53" },
		{ "api=127.0.0.1:80", "api", SPEC_INET, false, false, { 127, 0, 0, 1 }, 80, NULL,
		  "127.0.0.1:80" },
		{ "v6=[::1]:80", "v6", SPEC_INET6, false, true, LOOP6, 80, NULL, "[::1]:80" },
		{ "ctl=unix:/run/ctl", "ctl", SPEC_UNIX, false, false, { 0 }, 0, "/run/ctl",
		  "unix:/run/ctl" },
		/* The first '=' ends the name; the path keeps the rest. */
		{ "web=unix:/a=b", "web", SPEC_UNIX, false, false, { 0 }, 0, "/a=b", "unix:/a=b" },
		/* A name that looks like a protocol is still a name: "unix=" is not "unix:". */
		{ "unix=80", "unix", SPEC_DUAL, false, false, ANY6, 80, NULL, "[::]:80" },
		{ "a.b-c_d+e@f=80", "a.b-c_d+e@f", SPEC_DUAL, false, false, ANY6, 80, NULL, "[::]:80" },
		{ name255_spec, name255, SPEC_DUAL, false, false, ANY6, 80, NULL, "[::]:80" },
		{ name_spec_longest, name255, SPEC_UNIX, false, false, { 0 }, 0, abstract108,
		  abstract108_formatted },
	};

	const struct bad bad[] = {
		/* Ports: 1..65535, decimal digits only. */
		{ "99999", "port out of range (1-65535)" },
		{ "65536", "port out of range (1-65535)" },
		{ "0", "port out of range (1-65535)" },
		{ "00", "port out of range (1-65535)" },
		{ "99999999999999999999999", "port out of range (1-65535)" },
		{ "abc", "port is not a number" },
		{ "+80", "port is not a number" },
		{ "-80", "port is not a number" },
		{ " 80", "port is not a number" },
		{ "80 ", "port is not a number" },
		{ "0x50", "port is not a number" },
		{ "8080\n", "port is not a number" },
		{ "*:*", "port is not a number" },
		{ "127.0.0.1:http", "port is not a number" },
		{ "[::1]:80x", "port is not a number" },
		{ "[::1]:80:", "port is not a number" },
		{ "[::1]:0", "port out of range (1-65535)" },
		{ "127.0.0.1:65536", "port out of range (1-65535)" },
		/* Missing parts. */
		{ "", "empty spec" },
		{ "web=", "empty spec" },
		{ "*:", "missing port" },
		{ "tcp:", "missing port" },
		{ "udp6:", "missing port" },
		{ "127.0.0.1:", "missing port" },
		{ "[::1]", "missing port" },
		{ "[::1]:", "missing port" },
		{ ":80", "missing address before ':'" },
		{ "tcp::80", "missing address before ':'" },
		/* Brackets. */
		{ "[::1:80", "missing ']'" },
		{ "[", "missing ']'" },
		{ "udp:[::1:53", "missing ']'" },
		{ "[::1]80", "expected ':' after ']'" },
		{ "[::1] :80", "expected ':' after ']'" },
		{ "[]:80", "bad IPv6 address" },
		{ "[::g]:80", "bad IPv6 address" },
		{ "[1.2.3.4]:80", "bad IPv6 address" },
		{ "[0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000]:80",
		  "bad IPv6 address" },
		{ "[fe80::1%eth0]:80", "IPv6 scope ids are not supported" },
		{ "::1:80", "IPv6 address needs brackets, as in [::1]:80" },
		{ "::80", "IPv6 address needs brackets, as in [::1]:80" },
		/* Hosts are IP literals: no names, no shorthand forms. */
		{ "1.2.3.4.5:80", "bad IPv4 address (hosts are IP literals)" },
		{ "01.2.3.4:80", "bad IPv4 address (hosts are IP literals)" },
		{ "256.0.0.1:80", "bad IPv4 address (hosts are IP literals)" },
		{ "127.1:80", "bad IPv4 address (hosts are IP literals)" },
		{ "localhost:80", "bad IPv4 address (hosts are IP literals)" },
		{ "**:80", "bad IPv4 address (hosts are IP literals)" },
		{ " 127.0.0.1:80", "bad IPv4 address (hosts are IP literals)" },
		{ "1111111111111111111111111111111111111111111111111111111111111111111111:80",
		  "bad IPv4 address (hosts are IP literals)" },
		/* Unknown or misspelt protocols fall through to the address grammar. */
		{ "sctp:80", "bad IPv4 address (hosts are IP literals)" },
		{ "TCP:80", "bad IPv4 address (hosts are IP literals)" },
		{ "tcp:unix:/x", "bad IPv4 address (hosts are IP literals)" },
		/* A protocol that fixes the family refuses the other family's literal. */
		{ "tcp4:[::1]:80", "IPv6 address with an IPv4-only protocol" },
		{ "tcp4:[::]:80", "IPv6 address with an IPv4-only protocol" },
		{ "udp4:[::1]:53", "IPv6 address with an IPv4-only protocol" },
		{ "tcp6:127.0.0.1:80", "IPv4 address with an IPv6-only protocol" },
		{ "tcp6:0.0.0.0:80", "IPv4 address with an IPv6-only protocol" },
		{ "udp6:127.0.0.1:53", "IPv4 address with an IPv6-only protocol" },
		/* unix paths. */
		{ "unix:", "missing unix socket path" },
		{ "unix:@", "missing unix socket path" },
		{ "web=unix:", "missing unix socket path" },
		{ path108_spec, "unix socket path too long (107 bytes at most)" },
		{ abstract109_spec, "abstract unix socket name too long (108 bytes at most, with the '@')" },
		/* Names: ':' separates LISTEN_FDNAMES, systemd wants printable ASCII. */
		{ "a:b=80", "name cannot contain ':'" },
		{ "web:x=unix:/a", "name cannot contain ':'" },
		{ "=80", "empty name before '='" },
		{ "=unix:/x", "empty name before '='" },
		{ "=", "empty name before '='" },
		{ "my web=80", "name must be printable ASCII without spaces" },
		{ " web=80", "name must be printable ASCII without spaces" },
		{ "web\t=80", "name must be printable ASCII without spaces" },
		{ "w\x7f" "b=80", "name must be printable ASCII without spaces" },
		{ "caf\xc3\xa9=80", "name must be printable ASCII without spaces" },
		{ name256_spec, "name longer than 255 characters" },
		/* A protocol first means no name: the '=' is then part of the address. */
		{ "tcp:web=80", "port is not a number" },
		{ "a=b=80", "port is not a number" },
	};
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		check_good(&good[i]);
		tally();
		check_prefixes(good[i].text);
		tally();
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		check_bad(&bad[i]);
		tally();
	}
	check_format_truncates();
	tally();
	check_name_rule();

	printf("%zu valid specs (each also cut at every length), %zu malformed specs\n",
	       sizeof good / sizeof good[0], sizeof bad / sizeof bad[0]);
	printf("%d passed, %d failed\n", passed, failed);
	return failed > 0;
}
