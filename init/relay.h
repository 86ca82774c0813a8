/* relay: the line keeping of -n's output relay, pure (no syscalls; memory
 * only from relay_init()). Each source is one instance slot's stdout or
 * stderr pipe, or tinyhold's own log lines; its bytes wait in its buffer
 * until relay_stage() moves them to the stage of their output (stdout or
 * stderr), whole lines only, each with its prefix. What relayio.c writes
 * from a stage is therefore never cut by another source's bytes.
 *
 * A line longer than the bound goes out in pieces: its source then owns its
 * output until the line's newline (or its writer's end), and nobody else's
 * bytes come in between, as long as its writer goes on: one that pauses in
 * the middle of it for RELAY_STALL_MS while others have bytes for that output
 * (a progress bar, a hung app) has the line ended there with a newline, and
 * its rest comes as a line of its own. A writer that ends in the middle of a
 * line has that line ended with a newline. Tested by tests/unit/relay_test.c, fuzzed by
 * tests/fuzz/relay_fuzz.c. */
#ifndef TINYHOLD_RELAY_H
#define TINYHOLD_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RELAY_BOUND_MAX 65536	/* a longer line goes out in pieces (issue 15: "say 64 KiB") */
#define RELAY_BOUND_MIN 4096	/* even 1024 instances get a page per pipe */
#define RELAY_MEM_MAX (16u << 20)	/* all sources' buffers together, whatever -n is */
#define RELAY_PREFIX_MAX 16	/* "[1023] " and room */
#define RELAY_STALL_MS 500	/* how long a long line's paused writer may keep the others waiting */

enum relay_stream { RELAY_STDOUT, RELAY_STDERR };

struct relay_src {
	char *buf;		/* bound + 1 bytes: the last one for a newline at the writer's end */
	size_t head, tail;	/* buf[head, tail) waits */
	enum relay_stream stream;
	bool mid_line;		/* part of a line went out: no prefix before the rest */
	bool ending;		/* its writer is gone; end_after bytes of it are still unread */
	size_t end_after;
	char prefix[RELAY_PREFIX_MAX];
	size_t prefix_len;
};

struct relay_out {
	char *buf;		/* the stage: whole lines, or the piece of a long one */
	size_t head, tail;	/* buf[head, tail) waits to be written */
	size_t owner;		/* the source a long line of is out in part, or nsrc */
	size_t next;		/* round-robin: the source looked at first by the next stage */
	int64_t stall_ms;	/* since when the owner has paused while others wait, or -1 */
};

struct relay {
	struct relay_src *src;	/* 2 per slot (slot i: 2i stdout, 2i+1 stderr), then tinyhold's own */
	size_t nsrc;
	size_t bound;		/* a source's buffer; longer lines go out in pieces */
	size_t stage_cap;
	struct relay_out out[2];	/* by enum relay_stream */
	bool prefix;		/* --log-prefix */
};

/* The bound for nslots slots: RELAY_BOUND_MAX, less when RELAY_MEM_MAX asks. */
size_t relay_bound(size_t nslots);

/* 0, or -ENOMEM (what was allocated stays: tinyhold's setup dies then).
 * Sources 0 .. 2 nslots - 1 are the slots', source 2 nslots tinyhold's own
 * (stderr). relay_free() is for the tests: tinyhold's relay lives until exit. */
int relay_init(struct relay *r, size_t nslots, size_t bound, bool prefix);
void relay_free(struct relay *r);

/* The index of tinyhold's own source, for relay_put(). */
size_t relay_own(const struct relay *r);

/* Source i's lines are now instance index's (the prefix "[index] "). */
void relay_set_index(struct relay *r, size_t i, int index);

/* Where bytes for source i may be read to, and how many (0: it is full, do
 * not read: back-pressure); then relay_got() says how many came. */
char *relay_room(struct relay *r, size_t i, size_t *len);
void relay_got(struct relay *r, size_t i, size_t n);

/* Source i's writer is gone, with unread bytes of it still in the pipe: once
 * they are read, a line it left unended is ended with a newline. */
void relay_exit(struct relay *r, size_t i, size_t unread);

/* Source i's writer is gone and nothing of it is left unread: end its line now. */
void relay_end(struct relay *r, size_t i);

/* Copies a whole line (ending in '\n') into source i; false if it has no room. */
bool relay_put(struct relay *r, size_t i, const char *line, size_t len);

/* Moves what may go out now into output o's stage: returns the bytes waiting
 * there, at *p. */
size_t relay_stage(struct relay *r, enum relay_stream o, const char **p);

/* n bytes of output o's stage went out (or were dropped). */
void relay_wrote(struct relay *r, enum relay_stream o, size_t n);

/* The clock, after the writes of a pass: notes when output o's owner paused
 * while others wait, and once it has for RELAY_STALL_MS, ends its line. True
 * if it did (relay_stage() has something again). */
bool relay_tick(struct relay *r, enum relay_stream o, int64_t now_ms);

/* When relay_tick() must be called next for output o, or -1: not for time's sake. */
int64_t relay_due_ms(const struct relay *r, enum relay_stream o);

/* Bytes in output o's stage, waiting to be written. */
size_t relay_waiting(const struct relay *r, enum relay_stream o);

/* Bytes in source i's buffer, not yet staged. */
size_t relay_held(const struct relay *r, size_t i);

#endif
