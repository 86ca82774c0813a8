/* relay: which bytes of which instance may go out now, and in which order;
 * see relay.h. It never reads, writes or waits: relayio.c does, and it
 * allocates only in relay_init(). */
#include "relay.h"
#include "fmt.h"
#include "mem.h"

#include <errno.h>
#include <string.h>

size_t relay_bound(size_t nslots)
{
	size_t b = RELAY_MEM_MAX / (2 * nslots + 1);

	return b > RELAY_BOUND_MAX ? RELAY_BOUND_MAX : b < RELAY_BOUND_MIN ? RELAY_BOUND_MIN : b;
}

int relay_init(struct relay *r, size_t nslots, size_t bound, bool prefix)
{
	char *bufs;
	size_t i;

	memset(r, 0, sizeof *r);
	r->nsrc = 2 * nslots + 1;
	r->bound = bound;
	/* Room for a line of the bound and its prefix, and as much again: one
	 * write() takes the lines of several sources. */
	r->stage_cap = 2 * (bound + 1 + RELAY_PREFIX_MAX);
	r->prefix = prefix;
	r->src = mem_alloc(r->nsrc, sizeof *r->src);
	bufs = mem_alloc(r->nsrc, bound + 1);
	r->out[0].buf = mem_alloc(2, r->stage_cap);
	if (r->src == NULL || bufs == NULL || r->out[0].buf == NULL)
		return -ENOMEM;	/* setup dies; the arena is not given back anyway */
	r->out[1].buf = r->out[0].buf + r->stage_cap;
	r->out[0].owner = r->out[1].owner = r->nsrc;
	r->out[0].stall_ms = r->out[1].stall_ms = -1;
	for (i = 0; i < r->nsrc; i++) {
		r->src[i].buf = bufs + i * (bound + 1);
		r->src[i].stream = i == r->nsrc - 1 ? RELAY_STDERR : (enum relay_stream)(i & 1);
	}
	return 0;
}

void relay_free(struct relay *r)
{
	if (r->src != NULL)
		mem_free(r->src[0].buf);
	mem_free(r->src);
	mem_free(r->out[0].buf);
	memset(r, 0, sizeof *r);
}

size_t relay_own(const struct relay *r)
{
	return r->nsrc - 1;
}

void relay_set_index(struct relay *r, size_t i, int index)
{
	r->src[i].prefix_len = (size_t)fmt(r->src[i].prefix, RELAY_PREFIX_MAX, "[%d] ", index);
}

/* Moves what waits to the front when the free room is at the end no more. */
static void compact(struct relay *r, struct relay_src *s)
{
	if (s->head == s->tail) {
		s->head = s->tail = 0;
	} else if (s->head > 0 && s->tail >= r->bound) {
		memmove(s->buf, s->buf + s->head, s->tail - s->head);
		s->tail -= s->head;
		s->head = 0;
	}
}

/* Free bytes before the bound (the byte after it is for relay_end()'s newline). */
static size_t room(const struct relay *r, const struct relay_src *s)
{
	return s->tail < r->bound ? r->bound - s->tail : 0;
}

char *relay_room(struct relay *r, size_t i, size_t *len)
{
	struct relay_src *s = &r->src[i];

	compact(r, s);
	*len = room(r, s);
	/* Not past the end of a gone writer's bytes: its line is ended there, and
	 * what comes after is its successor's. */
	if (s->ending && *len > s->end_after)
		*len = s->end_after;
	return s->buf + s->tail;
}

void relay_got(struct relay *r, size_t i, size_t n)
{
	struct relay_src *s = &r->src[i];

	s->tail += n;
	if (!s->ending)
		return;
	s->end_after -= n < s->end_after ? n : s->end_after;
	if (s->end_after == 0)
		relay_end(r, i);
}

void relay_exit(struct relay *r, size_t i, size_t unread)
{
	struct relay_src *s = &r->src[i];

	/* A second end before the first's bytes are read (a full buffer and a fast
	 * crash loop): the first boundary is kept; the later one's line may join
	 * its successor's first. */
	if (s->ending)
		return;
	if (unread == 0) {
		relay_end(r, i);
		return;
	}
	s->ending = true;
	s->end_after = unread;
}

void relay_end(struct relay *r, size_t i)
{
	struct relay_src *s = &r->src[i];

	s->ending = false;
	if (s->head == s->tail)
		s->head = s->tail = 0;
	/* tail <= bound here: relay_room() never offers the last byte. */
	if (s->tail > s->head ? s->buf[s->tail - 1] != '\n' : s->mid_line)
		s->buf[s->tail++] = '\n';
}

bool relay_put(struct relay *r, size_t i, const char *line, size_t len)
{
	struct relay_src *s = &r->src[i];

	compact(r, s);
	if (room(r, s) < len)
		return false;
	memcpy(s->buf + s->tail, line, len);
	s->tail += len;
	return true;
}

size_t relay_waiting(const struct relay *r, enum relay_stream o)
{
	return r->out[o].tail - r->out[o].head;
}

size_t relay_held(const struct relay *r, size_t i)
{
	return r->src[i].tail - r->src[i].head;
}

/* Stages source i's whole lines while they fit; a line longer than the
 * bound (its buffer is full without a newline) goes as a piece, and i owns
 * the output until the rest of that line has followed. */
static void take(struct relay *r, struct relay_out *out, size_t i)
{
	struct relay_src *s = &r->src[i];

	while (s->head < s->tail) {
		const char *from = s->buf + s->head;
		size_t avail = s->tail - s->head, left = r->stage_cap - out->tail;
		const char *nl = memchr(from, '\n', avail);
		size_t len = nl != NULL ? (size_t)(nl - from) + 1 : avail;
		size_t pre = r->prefix && !s->mid_line ? s->prefix_len : 0;
		/* May be cut: the rest of a long line, or a full buffer without a newline. */
		bool piece = out->owner == i || (nl == NULL && avail >= r->bound);

		if (nl == NULL && !piece)
			return;	/* the rest of this line is still to come */
		if (pre + len > left) {
			if (!piece || left <= pre)
				return;	/* waits for the stage to empty */
			len = left - pre;
			nl = NULL;	/* cut: the rest follows in the next piece */
		}
		memcpy(out->buf + out->tail, s->prefix, pre);
		memcpy(out->buf + out->tail + pre, from, len);
		out->tail += pre + len;
		s->head += len;
		s->mid_line = nl == NULL;
		if (s->mid_line) {
			out->owner = i;
		} else if (out->owner == i) {
			out->owner = r->nsrc;	/* the long line is out: the others' turn */
			return;
		}
	}
}

size_t relay_stage(struct relay *r, enum relay_stream o, const char **p)
{
	struct relay_out *out = &r->out[o];
	size_t k;

	if (out->head == out->tail) {
		out->head = out->tail = 0;
	} else if (out->head > 0 && r->stage_cap - out->tail < r->bound + 1 + RELAY_PREFIX_MAX) {
		memmove(out->buf, out->buf + out->head, out->tail - out->head);
		out->tail -= out->head;
		out->head = 0;
	}
	if (out->owner < r->nsrc) {
		take(r, out, out->owner);
	} else {
		/* Round-robin: each stage starts one source further, so no flood of one
		 * instance keeps another's lines waiting for long. */
		for (k = 0; k < r->nsrc && out->owner == r->nsrc; k++) {
			size_t i = out->next + k < r->nsrc ? out->next + k : out->next + k - r->nsrc;
			if (r->src[i].stream == o)
				take(r, out, i);
		}
		if (++out->next >= r->nsrc)
			out->next = 0;
	}
	*p = out->buf + out->head;
	return out->tail - out->head;
}

void relay_wrote(struct relay *r, enum relay_stream o, size_t n)
{
	r->out[o].head += n;
}

/* Output o is owned by a long line, all of it that came is out, and another
 * source has bytes for o: the owner's writer has paused mid-line, the others
 * wait. Not a slow reader: then the stage is not empty. */
static bool owner_paused(const struct relay *r, enum relay_stream o)
{
	const struct relay_out *out = &r->out[o];
	size_t i, own = out->owner;

	if (own >= r->nsrc || out->head != out->tail || r->src[own].head != r->src[own].tail)
		return false;
	for (i = 0; i < r->nsrc; i++)
		if (i != own && r->src[i].stream == o && r->src[i].tail > r->src[i].head)
			return true;
	return false;
}

bool relay_tick(struct relay *r, enum relay_stream o, int64_t now_ms)
{
	struct relay_out *out = &r->out[o];
	struct relay_src *s;

	if (!owner_paused(r, o)) {
		out->stall_ms = -1;
		return false;
	}
	if (out->stall_ms < 0)
		out->stall_ms = now_ms;
	if (now_ms - out->stall_ms < RELAY_STALL_MS)
		return false;
	/* Its line ends here; the next stage takes the newline and lets the others go. */
	out->stall_ms = -1;
	s = &r->src[out->owner];
	s->head = 0;
	s->tail = 0;
	s->buf[s->tail++] = '\n';
	return true;
}

int64_t relay_due_ms(const struct relay *r, enum relay_stream o)
{
	return r->out[o].stall_ms < 0 ? -1 : r->out[o].stall_ms + RELAY_STALL_MS;
}
