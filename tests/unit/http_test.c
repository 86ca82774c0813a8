/* http_test: request heads as curl, Prometheus, a load balancer and an attacker
 * send them, each with what http_parse() must say of it, of every prefix of it
 * (HTTP_MORE until the end of the head, so a client that sends byte by byte is
 * heard the same), and the method and path it must find. */
#include "http.h"
#include "check.h"

#include <stdio.h>
#include <string.h>

struct row {
	const char *about;
	const char *text;
	enum http_result want;
	enum http_method method;	/* DONE only */
	const char *path;		/* DONE only */
};

static const struct row rows[] = {
	{ "curl", "GET /ready HTTP/1.1\r\nHost: 127.0.0.1:9090\r\nUser-Agent: curl/7.88.1\r\n"
		  "Accept: */*\r\n\r\n", HTTP_DONE, HTTP_GET, "/ready" },
	{ "Prometheus", "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: application/openmetrics-text;"
			"version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1\r\n"
			"Accept-Encoding: gzip\r\nX-Prometheus-Scrape-Timeout-Seconds: 10\r\n\r\n",
	  HTTP_DONE, HTTP_GET, "/metrics" },
	{ "HEAD, HTTP/1.0, no headers", "HEAD /live HTTP/1.0\r\n\r\n", HTTP_DONE, HTTP_HEAD, "/live" },
	{ "bare LF line ends", "GET /ready HTTP/1.1\nHost: a\n\n", HTTP_DONE, HTTP_GET, "/ready" },
	{ "the query is not the path", "GET /metrics?x=1?y HTTP/1.1\r\n\r\n", HTTP_DONE, HTTP_GET,
	  "/metrics" },
	{ "an empty query", "GET /? HTTP/1.1\r\n\r\n", HTTP_DONE, HTTP_GET, "/" },
	{ "root", "GET / HTTP/1.1\r\n\r\n", HTTP_DONE, HTTP_GET, "/" },
	{ "other method", "POST /ready HTTP/1.1\r\nContent-Length: 0\r\n\r\n", HTTP_DONE,
	  HTTP_OTHER, "/ready" },
	{ "lower-case get is another method", "get /ready HTTP/1.1\r\n\r\n", HTTP_DONE, HTTP_OTHER,
	  "/ready" },
	{ "GETX", "GETX / HTTP/1.1\r\n\r\n", HTTP_DONE, HTTP_OTHER, "/" },
	{ "empty value, tab in value", "GET / HTTP/1.1\r\nA:\r\nB: x\ty\r\n\r\n", HTTP_DONE, HTTP_GET,
	  "/" },
	{ "obs-text in a value", "GET / HTTP/1.1\r\nA: \xc3\xa9\r\n\r\n", HTTP_DONE, HTTP_GET, "/" },
	{ "a body after the head is not read", "GET / HTTP/1.1\r\n\r\nxyz", HTTP_DONE, HTTP_GET, "/" },
	{ "half a request line", "GET /rea", HTTP_MORE, 0, NULL },
	{ "no empty line yet", "GET / HTTP/1.1\r\nHost: a\r\n", HTTP_MORE, 0, NULL },
	{ "nothing", "", HTTP_MORE, 0, NULL },
	{ "leading space", " GET / HTTP/1.1\r\n\r\n", HTTP_BAD, 0, NULL },
	{ "leading CRLF", "\r\nGET / HTTP/1.1\r\n\r\n", HTTP_BAD, 0, NULL },
	{ "two spaces", "GET  / HTTP/1.1\r\n\r\n", HTTP_BAD, 0, NULL },
	{ "absolute URI", "GET http://a/ready HTTP/1.1\r\n\r\n", HTTP_BAD, 0, NULL },
	{ "asterisk", "OPTIONS * HTTP/1.1\r\n\r\n", HTTP_BAD, 0, NULL },
	{ "HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", HTTP_BAD, 0, NULL },
	{ "HTTP/0.9", "GET /ready\r\n\r\n", HTTP_BAD, 0, NULL },
	{ "HTTP/1.10", "GET / HTTP/1.10\r\n\r\n", HTTP_BAD, 0, NULL },
	{ "http/1.1", "GET / http/1.1\r\n\r\n", HTTP_BAD, 0, NULL },
	{ "HTTP/2.0", "GET / HTTP/2.0\r\n\r\n", HTTP_BAD, 0, NULL },
	{ "a control byte in the target", "GET /re\x01" "dy HTTP/1.1\r\n\r\n", HTTP_BAD, 0, NULL },
	{ "a NUL in the target", "GET /\0 HTTP/1.1\r\n\r\n", HTTP_BAD, 0, NULL },
	{ "a high byte in the target", "GET /\xff HTTP/1.1\r\n\r\n", HTTP_BAD, 0, NULL },
	{ "CR alone", "GET / HTTP/1.1\rHost: a\r\n\r\n", HTTP_BAD, 0, NULL },
	{ "space before the colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", HTTP_BAD, 0, NULL },
	{ "no colon", "GET / HTTP/1.1\r\nHost\r\n\r\n", HTTP_BAD, 0, NULL },
	{ "folded line", "GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", HTTP_BAD, 0, NULL },
	{ "NUL in a value", "GET / HTTP/1.1\r\nA: \0\r\n\r\n", HTTP_BAD, 0, NULL },
	{ "TLS client hello", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", HTTP_BAD, 0, NULL },
	{ "method of 16 bytes", "ABCDEFGHIJKLMNOP / HTTP/1.1\r\n\r\n", HTTP_BAD, 0, NULL },
	{ "method of 15 bytes", "ABCDEFGHIJKLMNO / HTTP/1.1\r\n\r\n", HTTP_DONE, HTTP_OTHER, "/" },
};

/* The length of a row's text: the NUL-bearing rows are cut by strlen(), so
 * they say it themselves by ending right after it. */
static size_t row_len(const struct row *r)
{
	size_t n = strlen(r->text);

	return strstr(r->about, "NUL") ? n + 1 + strlen(r->text + n + 1) : n;
}

static void run_row(const struct row *r)
{
	struct http_req req;
	size_t len = row_len(r), i;
	enum http_result got = http_parse(r->text, len, &req), part;

	begin(r->about);
	if (got != r->want)
		fail("got %d, want %d", got, r->want);
	if (got == HTTP_DONE && r->want == HTTP_DONE) {
		if (req.method != r->method)
			fail("method %d, want %d", req.method, r->method);
		if (req.path_len != strlen(r->path) || memcmp(req.path, r->path, req.path_len) != 0)
			fail("path '%.*s', want '%s'", (int)req.path_len, req.path, r->path);
	}
	/* Every prefix: MORE before the verdict, and the same verdict after it. */
	for (i = 0; i < len; i++) {
		part = http_parse(r->text, i, &req);
		if (part != HTTP_MORE && part != r->want)
			fail("prefix of %zu bytes: %d", i, part);
	}
	tally();
}

/* Long heads: one byte under the limit is heard, at the limit it is refused. */
static void run_limits(void)
{
	static char buf[HTTP_HEAD_MAX + 64];
	const char *line = "GET /metrics HTTP/1.1\r\nX: ";
	struct http_req req;
	size_t n = strlen(line);

	memcpy(buf, line, n);
	memset(buf + n, 'a', sizeof buf - n);
	memcpy(buf + HTTP_HEAD_MAX - 4, "\r\n\r\n", 4);
	check(http_parse(buf, HTTP_HEAD_MAX, &req) == HTTP_DONE, "a head of HTTP_HEAD_MAX bytes");
	memcpy(buf + HTTP_HEAD_MAX - 4, "aa\r\n\r\n", 6);
	check(http_parse(buf, HTTP_HEAD_MAX - 1, &req) == HTTP_MORE, "1 byte short: read on");
	check(http_parse(buf, HTTP_HEAD_MAX, &req) == HTTP_BAD, "no end in HTTP_HEAD_MAX bytes");
	check(http_parse(buf, sizeof buf, &req) == HTTP_BAD, "more than HTTP_HEAD_MAX bytes");
}

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		run_row(&rows[i]);
	run_limits();
	return check_summary();
}
