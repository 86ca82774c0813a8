/* io_test: io_lines over real files, with a buffer small enough that lines
 * straddle reads and some do not fit; io_read_file's cut and NUL. */
#include "io.h"
#include "check.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct {
	const char *text;
	size_t buf;		/* the line buffer's size */
	const char *want;	/* the lines io_lines_next gave, each followed by '|' */
} rows[] = {
	{ "", 8, "" },
	{ "a\nb\n", 8, "a|b|" },
	{ "a\nb", 8, "a|b|" },				/* the last line needs no newline */
	{ "\n\nx\n", 8, "||x|" },			/* empty lines are lines */
	{ "1234567\nab\n", 8, "1234567|ab|" },		/* exactly size - 1 bytes fits */
	{ "12345678\nab\n", 8, "ab|" },			/* one more is skipped whole */
	{ "123456789012345678901234\nab\ncd", 8, "ab|cd|" },	/* over several reads */
	{ "ab\n12345678901234567890", 8, "ab|" },	/* a long last line without newline */
	{ "ab\n1234567", 8, "ab|1234567|" },		/* size - 1 without newline fits */
	{ "ab\n12345678", 8, "ab|" },			/* size without newline does not */
	{ "abc\ndef\nghi\njkl\n", 5, "abc|def|ghi|jkl|" },	/* lines straddle the reads */
	{ "root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n", 4096,
	  "root:x:0:0::/root:/bin/sh|nobody:x:65534:65534::/:/bin/false|" },
};

static char *temp_file(const char *text)
{
	static char path[] = "/tmp/io_test.XXXXXX";
	int fd;

	strcpy(path, "/tmp/io_test.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || io_write_all(fd, text, strlen(text)) < 0)
		abort();
	(void)close(fd);
	return path;
}

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char buf[4096], got[512] = "", *line, *path = temp_file(rows[i].text);
		struct io_lines r;

		begin(rows[i].text);
		if (io_lines_open(&r, path, buf, rows[i].buf) < 0) {
			fail("cannot open %s", path);
		} else {
			while ((line = io_lines_next(&r)) != NULL) {
				strcat(got, line);
				strcat(got, "|");
			}
			io_lines_close(&r);
		}
		if (strcmp(got, rows[i].want) != 0)
			fail("lines '%s', want '%s' (buffer %zu)", got, rows[i].want, rows[i].buf);
		(void)unlink(path);
		tally();
	}
	{
		struct io_lines r;
		char buf[8];
		check(io_lines_open(&r, "/nonexistent/file", buf, sizeof buf) < 0, "a missing file: -errno");
	}
	{
		char buf[6], *path = temp_file("0123456789");
		ssize_t n = io_read_file(path, buf, sizeof buf);
		check(n == 5 && strcmp(buf, "01234") == 0, "io_read_file cuts at len - 1 and ends with NUL: %zd '%s'", n, buf);
		(void)unlink(path);
		check(io_read_file("/nonexistent/file", buf, sizeof buf) < 0, "io_read_file of a missing file: -errno");
	}
	return check_summary();
}
