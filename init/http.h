/* http: the head of an HTTP/1.x request (RFC 9112), parsed where it lies.
 * Pure: no syscalls, no allocation, nothing kept between calls, so
 * tests/unit/http_test.c tables it and tests/fuzz/http_fuzz.c fuzzes it.
 * status.c feeds it what a client has sent so far; it never sees a body. */
#ifndef TINYHOLD_HTTP_H
#define TINYHOLD_HTTP_H

#include <stddef.h>

#define HTTP_HEAD_MAX 1024	/* curl's or Prometheus' GET with its headers is ~250 bytes */
#define HTTP_METHOD_MAX 16	/* longer than any method in the registry: not one */

enum http_method { HTTP_GET, HTTP_HEAD, HTTP_OTHER };

enum http_result {
	HTTP_MORE,	/* no end of the head yet, nothing wrong so far: read on */
	HTTP_DONE,	/* a whole head: req is filled */
	HTTP_BAD,	/* not a request (400), or no end within HTTP_HEAD_MAX bytes */
};

struct http_req {
	enum http_method method;
	const char *path;	/* into the buffer: the target up to its '?' */
	size_t path_len;
};

/* buf[0, len): what the client sent so far. Once a prefix is HTTP_BAD, every
 * longer input is; a request line must be origin-form ("/..."); lines may end
 * in CRLF or a bare LF (RFC 9112 2.2); header lines are "token:value", and an
 * obsolete folded line is refused (RFC 9112 5.2). */
enum http_result http_parse(const char *buf, size_t len, struct http_req *req);

#endif
