/* relay_fuzz: libFuzzer entry point for relay.c. The input is a script of
 * reads, writer ends, log lines, (partial) writes and the clock on a relay of three
 * slots with a small bound and the prefix on. Source s writes only its own
 * letter and newlines, so every line that comes out must be "[slot] " and
 * one letter (or tinyhold's 'T' line): a line cut by another's bytes shows.
 * At the end everything is ended and written, and each source's letters and
 * newlines must all be there: nothing lost. Aborts on a broken promise. */
#include "relay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 3
#define NSRC (2 * SLOTS + 1)
#define BOUND 16
#define OUT_MAX (1 << 16)

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define require(cond)                                                                    \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "relay_fuzz: %s:%d: broken: %s\n", __FILE__,     \
				__LINE__, #cond);                                        \
			abort();                                                         \
		}                                                                        \
	} while (0)

static char out[2][OUT_MAX];
static size_t outlen[2];
static size_t fed_letters[NSRC], fed_lines[NSRC];
static bool open_line[NSRC];	/* the model: its last byte fed was not a newline */
static size_t end_after[NSRC];	/* the model of relay_exit(): 0, or bytes to the end */

static char letter(size_t i)
{
	return i == NSRC - 1 ? 'T' : (char)('a' + i);
}

static void model_end(size_t i)
{
	if (open_line[i])
		fed_lines[i]++;
	open_line[i] = false;
}

static void drain(struct relay *r, enum relay_stream o, size_t max)
{
	const char *p;
	size_t len;

	while ((len = relay_stage(r, o, &p)) > 0) {
		size_t n = max < len ? max : len;
		if (outlen[o] + n > OUT_MAX)
			n = OUT_MAX - outlen[o];
		require(n > 0);	/* the script is short: OUT_MAX is never reached */
		memcpy(out[o] + outlen[o], p, n);
		outlen[o] += n;
		relay_wrote(r, o, n);
		if (n < len)
			return;
	}
}

/* Every line of output o is one source's, with its prefix; counts them up. */
static void check_output(enum relay_stream o, size_t *letters, size_t *lines)
{
	size_t at = 0;

	while (at < outlen[o]) {
		const char *line = out[o] + at, *nl = memchr(line, '\n', outlen[o] - at);
		size_t len, k, i;

		require(nl != NULL);	/* all was ended: the output ends with a newline */
		len = (size_t)(nl - line);
		if (line[0] == 'T') {
			i = NSRC - 1;
			k = 0;
		} else {
			require(len >= 4 && line[0] == '[' && line[2] == ']' && line[3] == ' ');
			i = (size_t)(line[1] - '0') * 2 + (size_t)o;
			require(line[1] >= '0' && line[1] < '0' + SLOTS);
			k = 4;
		}
		require(i == NSRC - 1 ? o == RELAY_STDERR : i % 2 == (size_t)o);
		for (; k < len; k++) {
			require(line[k] == letter(i));
			letters[i]++;
		}
		lines[i]++;
		at += len + 1;
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct relay r;
	size_t letters[NSRC] = { 0 }, lines[NSRC] = { 0 }, i, k;

	int64_t now = 0;

	if (size > 2048)
		return 0;
	memset(fed_letters, 0, sizeof fed_letters);
	memset(fed_lines, 0, sizeof fed_lines);
	memset(open_line, 0, sizeof open_line);
	memset(end_after, 0, sizeof end_after);
	outlen[0] = outlen[1] = 0;
	require(relay_init(&r, SLOTS, BOUND, true) == 0);
	for (i = 0; i < 2 * SLOTS; i++)
		relay_set_index(&r, i, (int)(i / 2));
	for (k = 0; k + 1 < size; k += 2) {
		unsigned op = data[k] % 8, arg = data[k + 1];
		size_t s = (data[k] / 8) % (2 * SLOTS), room, n;
		char *to, line[BOUND];
		switch (op) {
		case 0:
		case 1:
		case 2:	/* a read: arg's low bits the length, a newline where bit 7 says */
			to = relay_room(&r, s, &room);
			n = (arg & 31) < room ? (arg & 31) : room;
			memset(to, letter(s), n);
			if (n > 0 && (arg & 128))
				to[n / 2] = '\n';
			relay_got(&r, s, n);
			fed_letters[s] += n - (n > 0 && (arg & 128));
			if (n > 0 && (arg & 128))
				fed_lines[s]++;
			if (n > 0)
				open_line[s] = !(arg & 128) || n / 2 != n - 1 ? true : false;
			if (n > 0 && (arg & 128) && n / 2 == n - 1)
				open_line[s] = false;
			if (end_after[s] > 0) {
				end_after[s] -= n;
				if (end_after[s] == 0)
					model_end(s);
			}
			break;
		case 3:	/* the writer is gone */
			if (end_after[s] > 0)
				break;	/* relay_exit() keeps the first boundary */
			n = arg % 4 == 0 ? 0 : arg % 40;
			relay_exit(&r, s, n);
			if (n == 0)
				model_end(s);
			else
				end_after[s] = n;
			break;
		case 4:
		case 5:	/* a write of all, or of arg bytes */
			drain(&r, (enum relay_stream)(arg & 1), op == 4 ? (size_t)-1 : (size_t)arg / 2 + 1);
			break;
		case 6:	/* a log line */
			n = arg % (BOUND - 2) + 1;	/* "T...": at least one letter */
			memset(line, 'T', n);
			line[n] = '\n';
			if (relay_put(&r, NSRC - 1, line, n + 1)) {
				fed_letters[NSRC - 1] += n;
				fed_lines[NSRC - 1]++;
			}
			break;
		case 7:	/* the clock goes on (arg / 2 times 10 ms): a paused long line may be ended */
			now += (int64_t)(arg / 2) * 10;
			n = r.out[arg & 1].owner;
			if (relay_tick(&r, (enum relay_stream)(arg & 1), now))
				model_end(n);
			break;
		default:
			break;
		}
	}
	/* tinyhold exits: the pipes are empty, every writer is gone (relayio_finish). */
	for (k = 0; k < 4 * NSRC; k++) {
		for (i = 0; i < 2 * SLOTS; i++) {
			relay_end(&r, i);
			model_end(i);
		}
		drain(&r, RELAY_STDOUT, (size_t)-1);
		drain(&r, RELAY_STDERR, (size_t)-1);
	}
	for (i = 0; i < NSRC; i++)
		require(relay_held(&r, i) == 0);
	check_output(RELAY_STDOUT, letters, lines);
	check_output(RELAY_STDERR, letters, lines);
	for (i = 0; i < NSRC; i++) {
		require(letters[i] == fed_letters[i]);
		require(lines[i] == fed_lines[i]);
	}
	relay_free(&r);
	return 0;
}
