/* relayio: the output relay's reads and writes (issue 15). With -n 2 and
 * more each slot's app writes its stdout and stderr into pipes of its own;
 * this reads them and writes what relay.c lets go out, whole lines, to
 * tinyhold's own stdout and stderr. It then owns those two outputs: log.c's
 * lines come through it too (log_divert). With -n 1 it is off and costs
 * nothing: the app writes to tinyhold's fds as it always did. It never
 * blocks, never allocates after relayio_init() and never logs. */
#ifndef TINYHOLD_RELAYIO_H
#define TINYHOLD_RELAYIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "outfd.h"
#include "relay.h"

#define RELAYIO_FINISH_MIN_MS 250	/* the last flush's least time, even after a whole -t */
#define RELAYIO_SLOT_FDS 4	/* each slot's stdout and stderr pipes, both ends, kept open */

struct relayio {
	bool on;		/* -n 2 and more */
	struct relay lines;
	int *rfds;		/* per source: the pipe's read end (O_NONBLOCK), or -1 */
	int *wfds;		/* per source: the write end, the child's fd 1 or 2 (blocking:
				 * a full pipe holds the app, as a slow reader would) */
	struct outfd out[2];	/* tinyhold's stdout and stderr, by enum relay_stream */
	int64_t grace_ms;	/* --stop-timeout: how long the last flush may wait */
	int64_t stop_by_ms;	/* the first stop signal's deadline, or -1 */
};

/* Pipes for nslots slots, the buffers, and tinyhold's stdout and stderr
 * opened for writing without blocking; from here on log.c's lines come
 * here. 0 or -errno. */
int relayio_init(struct relayio *ri, size_t nslots, bool prefix, int64_t grace_ms);

/* The fds a start in slot (instance index) gets as its 1 and 2, or NULL: off. */
const int *relayio_child_fds(struct relayio *ri, size_t slot, int index);

/* The loop's poll set: at most relayio_npfd() entries. Source i's pipe
 * (slot k's stdout is 2k, its stderr 2k+1; relayio_npipes() of them) is
 * polled while its buffer has room, output o while something waits for it;
 * -1: not now. */
size_t relayio_npfd(const struct relayio *ri);
size_t relayio_npipes(const struct relayio *ri);
int relayio_pipe_fd(const struct relayio *ri, size_t i);
int relayio_out_fd(const struct relayio *ri, enum relay_stream o);

/* Collect: one read from source i's pipe, which poll() found readable. */
void relayio_read(struct relayio *ri, size_t i);

/* Collect: slot's process was reaped; a line it left unended is ended. */
void relayio_exited(struct relayio *ri, size_t slot);

/* Act: writes what may go out now, as far as the outputs take it. */
void relayio_write(struct relayio *ri);

/* When relayio_write() must run again for time's sake (a long line's writer
 * that paused while others wait: relay.h), or -1. */
int64_t relayio_due_ms(const struct relayio *ri);

/* The stop for good began (after any --drain): the last flush ends by its deadline, -t on. */
void relayio_stopping(struct relayio *ri, int64_t now_ms);

/* tinyhold exits: what the instances wrote goes out, until the stop's
 * deadline at the latest (at least RELAYIO_FINISH_MIN_MS from now). */
void relayio_finish(struct relayio *ri);

#endif
