/* http: one pass over the bytes with a small state machine; see http.h. Each
 * byte is judged as it comes, so garbage is refused at its first bad byte,
 * not at the deadline. */
#include "http.h"

#include <stdbool.h>
#include <string.h>

/* RFC 9110 5.6.2: the characters of a method or a header name. */
static bool tchar(unsigned char c)
{
	return c > ' ' && c < 0x7f && strchr("\"(),/:;<=>?@[\\]{}", c) == NULL;
}

static enum http_method method_of(const char *m, size_t len)
{
	if (len == 3 && memcmp(m, "GET", 3) == 0)
		return HTTP_GET;
	if (len == 4 && memcmp(m, "HEAD", 4) == 0)
		return HTTP_HEAD;
	return HTTP_OTHER;	/* methods are case-sensitive (RFC 9110 9.1) */
}

enum http_result http_parse(const char *buf, size_t len, struct http_req *req)
{
	enum { METHOD, TARGET, VERSION, LINE, NAME, VALUE, LF } st = METHOD;
	bool blank = false;	/* the line the awaited LF ends is empty: the head ends */
	size_t i, at = 0;	/* where the part under way began */

	memset(req, 0, sizeof *req);
	for (i = 0; i < len && i < HTTP_HEAD_MAX; i++) {
		unsigned char c = (unsigned char)buf[i];
		switch (st) {
		case METHOD:
			if (i >= HTTP_METHOD_MAX)
				return HTTP_BAD;
			if (c == ' ' && i > 0) {
				req->method = method_of(buf, i);
				st = TARGET;
				at = i + 1;
			} else if (!tchar(c)) {
				return HTTP_BAD;
			}
			break;
		case TARGET:
			if (i == at && c != '/')
				return HTTP_BAD;	/* origin-form only: no "*", no absolute URI */
			if (c == ' ' || c == '?') {
				if (req->path == NULL) {
					req->path = buf + at;
					req->path_len = i - at;
				}
				if (c == ' ') {
					st = VERSION;
					at = i + 1;
				}
			} else if (c < ' ' || c >= 0x7f) {
				return HTTP_BAD;
			}
			break;
		case VERSION:
			if (i - at == 8 && (c == '\r' || c == '\n')) {
				st = c == '\r' ? LF : LINE;
				blank = false;
			} else if (i - at < 7 ? c != (unsigned char)"HTTP/1."[i - at] :
				   i - at > 7 || c < '0' || c > '9') {
				return HTTP_BAD;
			}
			break;
		case LINE:	/* a header line begins, or the empty line that ends the head */
			if (c == '\n')
				return HTTP_DONE;
			if (c == '\r') {
				st = LF;
				blank = true;
			} else if (!tchar(c)) {
				return HTTP_BAD;	/* a folded line (SP, HT) too */
			} else {
				st = NAME;
			}
			break;
		case NAME:
			if (c == ':')
				st = VALUE;
			else if (!tchar(c))
				return HTTP_BAD;	/* no space before the colon (RFC 9112 5.1) */
			break;
		case VALUE:
			if (c == '\r' || c == '\n') {
				st = c == '\r' ? LF : LINE;
				blank = false;
			} else if ((c < ' ' && c != '\t') || c == 0x7f) {
				return HTTP_BAD;
			}
			break;
		case LF:
			if (c != '\n')
				return HTTP_BAD;	/* a CR alone */
			if (blank)
				return HTTP_DONE;
			st = LINE;
			break;
		}
	}
	return i < HTTP_HEAD_MAX ? HTTP_MORE : HTTP_BAD;
}
