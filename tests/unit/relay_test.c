/* relay_test: relay.c's line keeping, as tables of steps on a relay of two
 * slots (sources 0 and 2 write to stdout, 1 and 3 to stderr, 4 is
 * tinyhold's own) with a bound of 8 bytes, and what came out. */
#include "relay.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

#define BOUND 8

/* Steps, separated by '|':
 *   S+TEXT  source S reads TEXT (as much as it has room for; the rest is an error)
 *   S!N     source S's writer is gone with N bytes unread      S.  ... with none
 *   p+TEXT  a log line of tinyhold's own
 *   o / e   stdout / stderr writes all it may       oN / eN  ... only N bytes once
 *   tN      the clock is N ms: relay_tick() on both outputs, as after a pass's writes */
static const struct {
	const char *about;
	bool prefix;
	const char *steps;
	const char *out, *err;
} rows[] = {
	{ "whole lines go out", false, "0+a\n|2+b\n|o", "a\nb\n", "" },
	{ "a partial line waits for its end", false, "0+ab|2+cd\n|o|0+c\n|o", "cd\nabc\n", "" },
	{ "stdout and stderr apart", false, "0+o\n|1+e\n|3+f\n|o|e", "o\n", "e\nf\n" },
	{ "a crashed writer's line is ended", false, "0+ab|0.|o", "ab\n", "" },
	{ "ended once, not twice", false, "0+ab\n|0.|0.|o", "ab\n", "" },
	{ "nothing to end", false, "0.|o", "", "" },
	{ "the end waits for the unread bytes", false, "0+ab|0!2|0+cdef\n|o", "abcd\nef\n", "" },
	{ "longer than the bound: in pieces, nobody in between", false,
	  "0+12345678|o|2+xy\n|o|0+9\n|o", "123456789\nxy\n", "" },
	{ "a long line's writer crashes", false, "0+12345678|o|2+z\n|0.|o", "12345678\nz\n", "" },
	{ "a long line of exactly the bound", false, "0+1234567\n|o", "1234567\n", "" },
	{ "a partial write finishes before the next line", false,
	  "0+aaa\n|o2|2+bb\n|o", "aaa\nbb\n", "" },
	{ "tinyhold's lines on stderr, whole", false, "1+x|p+T1\n|e|1+y\n|e", "", "T1\nxy\n" },
	{ "tinyhold's lines wait for a long line", false,
	  "1+12345678|e|p+T\n|e|1+9\n|e", "", "123456789\nT\n" },
	{ "the prefix, before each line", true, "0+a\nb\n|2+c\n|o", "[0] a\n[0] b\n[1] c\n", "" },
	{ "the prefix once for a line in pieces", true, "0+12345678|o|0+9\n|o", "[0] 123456789\n",
	  "" },
	{ "no prefix on tinyhold's own", true, "p+T\n|e", "", "T\n" },
	{ "a partial line's prefix once", true, "0+ab|o|0+c\n|o", "[0] abc\n", "" },
	/* Found by review: a long line's writer that paused mid-line held the
	 * others' lines (and tinyhold's own) for ever, and their writers blocked. */
	{ "a long line's writer pauses while others wait: after 500 ms its line is ended", false,
	  "0+12345678|o|2+xy\n|t0|o|t499|o|t500|o|0+9\n|o", "12345678\nxy\n9\n", "" },
	{ "a long line's writer pauses while nobody waits: it keeps the output", false,
	  "0+12345678|o|t0|t10000|o|0+9\n|o", "123456789\n", "" },
	{ "a long line's writer that goes on in time is not cut", false,
	  "0+12345678|o|2+xy\n|t0|0+9\n|t499|o|t1000|o", "123456789\nxy\n", "" },
	{ "a slow reader is not a pause: nothing is cut while the stage waits", false,
	  "0+12345678|o4|2+xy\n|t0|t1000|o|0+9\n|o", "123456789\nxy\n", "" },
	{ "the rest of a line ended for a pause is a line of its own, with its prefix", true,
	  "0+12345678|o|2+xy\n|t0|t500|o|0+9\n|o", "[0] 12345678\n[1] xy\n[0] 9\n", "" },
	{ "tinyhold's own lines wait at most 500 ms for a paused long line", false,
	  "1+12345678|e|p+T\n|t0|e|t500|e|1+9\n|e", "", "12345678\nT\n9\n" },
};

_Static_assert(RELAY_STALL_MS == 500, "the rows above say 500 ms");

static void emit(struct relay *r, enum relay_stream o, char *got, size_t max)
{
	const char *p;
	size_t len;

	while ((len = relay_stage(r, o, &p)) > 0) {
		size_t n = max < len ? max : len;
		strncat(got, p, n);
		relay_wrote(r, o, n);
		if (n < len)
			return;
	}
}

static void run(struct relay *r, const char *steps, char *out, char *err)
{
	char buf[256], *step, *save = NULL;

	strcpy(buf, steps);
	for (step = strtok_r(buf, "|", &save); step != NULL; step = strtok_r(NULL, "|", &save)) {
		size_t i = (size_t)(step[0] - '0'), len, room;
		const char *text = step + 2;
		if (step[0] == 't') {
			(void)relay_tick(r, RELAY_STDOUT, atoi(step + 1));
			(void)relay_tick(r, RELAY_STDERR, atoi(step + 1));
		} else if (step[0] == 'o' || step[0] == 'e') {
			emit(r, step[0] == 'o' ? RELAY_STDOUT : RELAY_STDERR, step[0] == 'o' ? out : err,
			     step[1] ? (size_t)atoi(step + 1) : (size_t)-1);
		} else if (step[0] == 'p') {
			if (!relay_put(r, relay_own(r), text, strlen(text)))
				fail("no room for '%s'", text);
		} else if (step[1] == '.') {
			relay_end(r, i);
		} else if (step[1] == '!') {
			relay_exit(r, i, (size_t)atoi(text));
		} else {
			for (len = strlen(text); len > 0; len -= room, text += room) {
				char *to = relay_room(r, i, &room);
				if (room == 0) {
					fail("no room in %zu for '%s'", i, text);
					break;
				}
				if (room > len)
					room = len;
				memcpy(to, text, room);
				relay_got(r, i, room);
			}
		}
	}
}

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct relay r;
		char out[512] = "", err[512] = "";

		begin(rows[i].about);
		if (relay_init(&r, 2, BOUND, rows[i].prefix) < 0) {
			fail("relay_init");
			tally();
			continue;
		}
		relay_set_index(&r, 0, 0);
		relay_set_index(&r, 1, 0);
		relay_set_index(&r, 2, 1);
		relay_set_index(&r, 3, 1);
		run(&r, rows[i].steps, out, err);
		if (strcmp(out, rows[i].out) != 0)
			fail("stdout '%s', want '%s'", out, rows[i].out);
		if (strcmp(err, rows[i].err) != 0)
			fail("stderr '%s', want '%s'", err, rows[i].err);
		relay_free(&r);
		tally();
	}
	check(relay_bound(1) == RELAY_BOUND_MAX, "the bound for one slot: %zu", relay_bound(1));
	check(relay_bound(1030) * 2061 <= RELAY_MEM_MAX, "1030 slots fit RELAY_MEM_MAX: %zu",
	      relay_bound(1030));
	check(relay_bound(100000) == RELAY_BOUND_MIN, "never below the minimum");
	return check_summary();
}
