/* http_fuzz: libFuzzer entry point for http_parse(). Whatever anyone who can
 * reach --status sends reaches it, so any byte string must keep http.h's
 * promises: a path inside the buffer that is origin-form and stops at '?' or
 * a space; a verdict that only grows (MORE for every prefix before DONE, and
 * BAD stays BAD); and a status.c that reads in pieces hears the same as one
 * that reads it whole. Aborts on a broken promise. */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define require(cond)                                                                    \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "http_fuzz: %s:%d: broken: %s\n", __FILE__,      \
				__LINE__, #cond);                                        \
			abort();                                                         \
		}                                                                        \
	} while (0)

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct http_req req, part;
	enum http_result r, p;
	char *buf;
	size_t cut;

	if (size > 2 * HTTP_HEAD_MAX)
		return -1;	/* past the limit all is BAD: nothing new to learn */
	/* An exact-size copy, so ASan sees any read past what the client sent. */
	buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	r = http_parse(buf, size, &req);
	require(r == HTTP_MORE || r == HTTP_DONE || r == HTTP_BAD);
	if (size >= HTTP_HEAD_MAX)
		require(r != HTTP_MORE);
	if (r == HTTP_DONE) {
		require(req.method == HTTP_GET || req.method == HTTP_HEAD || req.method == HTTP_OTHER);
		require(req.path >= buf && req.path + req.path_len <= buf + size);
		require(req.path_len >= 1 && req.path[0] == '/');
		require(memchr(req.path, '?', req.path_len) == NULL);
		require(memchr(req.path, ' ', req.path_len) == NULL);
		require(req.method != HTTP_GET || memcmp(buf, "GET ", 4) == 0);
		require(req.method != HTTP_HEAD || memcmp(buf, "HEAD ", 5) == 0);
	}
	/* Any prefix: MORE, or already the final verdict. */
	cut = size > 0 ? data[0] % (size + 1) : 0;
	p = http_parse(buf, cut, &part);
	require(p == HTTP_MORE || p == r);
	if (p == HTTP_DONE) {
		require(part.method == req.method && part.path == req.path &&
			part.path_len == req.path_len);
	}
	free(buf);
	return 0;
}
