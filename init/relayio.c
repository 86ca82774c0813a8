/* relayio: pipes in, whole lines out, never waiting; see relayio.h.
 *
 * Back-pressure: a pipe is read only while its source has room in relay.c;
 * when an output is full (a slow log reader) its stage stays full, the
 * sources fill, their pipes are no longer read and fill too, and the app
 * blocks in its own write(), as it would on a slow reader without us.
 * Nothing is dropped but on EPIPE: a reader that is gone does not come back,
 * so from then on that output's lines are dropped and the pipes still read,
 * or the apps would block forever. SIGPIPE is blocked in tinyhold; the one
 * our write raises is ignored (instances.c: raised by tinyhold itself), and
 * outfd.c writes no more to an output once it said EPIPE. */
#include "relayio.h"
#include "deadline.h"
#include "io.h"
#include "log.h"
#include "mem.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

static struct relayio *active;	/* for log.c's put() and flush(), which take no argument */

static bool put_line(const char *line, size_t len)
{
	return relay_put(&active->lines, relay_own(&active->lines), line, len);
}

static void flush_all(void)
{
	relayio_finish(active);
}

int relayio_init(struct relayio *ri, size_t nslots, bool prefix, int64_t grace_ms)
{
	size_t i, own;
	int r = relay_init(&ri->lines, nslots, relay_bound(nslots), prefix);

	if (r < 0)
		return r;
	own = relay_own(&ri->lines);
	ri->rfds = mem_alloc(own + 1, sizeof *ri->rfds);
	ri->wfds = mem_alloc(own + 1, sizeof *ri->wfds);
	if (ri->rfds == NULL || ri->wfds == NULL)
		return -ENOMEM;
	ri->rfds[own] = ri->wfds[own] = -1;
	for (i = 0; i < own; i++) {
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0 || fcntl(p[0], F_SETFL, O_NONBLOCK) < 0)
			return -errno;	/* setup dies: the fds go with us */
		ri->rfds[i] = p[0];
		ri->wfds[i] = p[1];
	}
	outfd_open(&ri->out[RELAY_STDOUT], STDOUT_FILENO);
	outfd_open(&ri->out[RELAY_STDERR], STDERR_FILENO);
	ri->grace_ms = grace_ms;
	ri->stop_by_ms = -1;
	ri->on = true;
	active = ri;
	log_divert(put_line, flush_all);
	return 0;
}

/* The prefix is the index the slot starts with: bytes its earlier process
 * left unstaged get the new one's number. A restart keeps the number; only a
 * slot that pool.c freed (its group drained) and gave to another instance's
 * reload could still hold a few bytes of its last one. */
const int *relayio_child_fds(struct relayio *ri, size_t slot, int index)
{
	if (!ri->on)
		return NULL;
	relay_set_index(&ri->lines, 2 * slot, index);
	relay_set_index(&ri->lines, 2 * slot + 1, index);
	return &ri->wfds[2 * slot];
}

size_t relayio_npfd(const struct relayio *ri)
{
	return ri->on ? relayio_npipes(ri) + 2 : 0;	/* the pipes, stdout and stderr */
}

size_t relayio_npipes(const struct relayio *ri)
{
	return ri->on ? relay_own(&ri->lines) : 0;	/* not tinyhold's own: no pipe */
}

int relayio_pipe_fd(const struct relayio *ri, size_t i)
{
	return relay_held(&ri->lines, i) < ri->lines.bound ? ri->rfds[i] : -1;	/* back-pressure */
}

int relayio_out_fd(const struct relayio *ri, enum relay_stream o)
{
	return ri->on && relay_waiting(&ri->lines, o) > 0 ? ri->out[o].fd : -1;
}

/* One read into source i: bytes, 0 if it has no room, or -errno (-EAGAIN: empty). */
static ssize_t read_once(struct relayio *ri, size_t i)
{
	size_t len;
	char *p = relay_room(&ri->lines, i, &len);
	ssize_t n = len > 0 ? io_read(ri->rfds[i], p, len) : 0;

	if (n > 0)
		relay_got(&ri->lines, i, (size_t)n);
	return n;
}

/* One read per pipe per pass, at most the bound: a flood of one instance
 * waits its turn behind the others' lines. */
void relayio_read(struct relayio *ri, size_t i)
{
	(void)read_once(ri, i);	/* an error is the pipe's next POLLIN's to tell */
}

void relayio_exited(struct relayio *ri, size_t slot)
{
	size_t i;

	/* All it wrote is in the pipe by now: the end is that many bytes on. */
	for (i = 2 * slot; ri->on && i < 2 * slot + 2; i++) {
		int unread = 0;
		(void)ioctl(ri->rfds[i], FIONREAD, &unread);
		relay_exit(&ri->lines, i, unread > 0 ? (size_t)unread : 0);
	}
}

/* Writes what output o may take now: false once it takes no more (POLLOUT next). */
static bool write_out(struct relayio *ri, enum relay_stream o)
{
	const char *p;
	size_t len;

	while ((len = relay_stage(&ri->lines, o, &p)) > 0) {
		ssize_t n = outfd_write(&ri->out[o], p, len);	/* -EPIPE once gone */
		if (n == -EAGAIN)
			return false;
		/* Any other error drops what is staged: waiting would block the apps. */
		relay_wrote(&ri->lines, o, n > 0 ? (size_t)n : len);
		if (n > 0 && (size_t)n < len)
			return false;	/* full: the rest on POLLOUT */
	}
	return true;
}

void relayio_write(struct relayio *ri)
{
	int64_t now = deadline_now_ms();
	int o;

	/* Then the clock: a long line whose writer paused mid-line too long is
	 * ended, and what the others had waiting goes out at once. */
	for (o = 0; ri->on && o < 2; o++)
		while (write_out(ri, (enum relay_stream)o) &&
		       relay_tick(&ri->lines, (enum relay_stream)o, now))
			;
}

int64_t relayio_due_ms(const struct relayio *ri)
{
	return ri->on ? deadline_min(relay_due_ms(&ri->lines, RELAY_STDOUT),
				     relay_due_ms(&ri->lines, RELAY_STDERR)) : -1;
}

void relayio_stopping(struct relayio *ri, int64_t now_ms)
{
	if (ri->stop_by_ms < 0)
		ri->stop_by_ms = now_ms + ri->grace_ms;
}

void relayio_finish(struct relayio *ri)
{
	int64_t now = deadline_now_ms(), until;
	size_t i, own;

	if (ri == NULL || !ri->on)
		return;
	until = ri->stop_by_ms >= 0 ? ri->stop_by_ms : now + ri->grace_ms;
	if (until < now + RELAYIO_FINISH_MIN_MS)
		until = now + RELAYIO_FINISH_MIN_MS;
	own = relay_own(&ri->lines);
	for (;;) {
		struct pollfd pfd[2];
		nfds_t n = 0;
		bool more = false;
		int o;

		for (i = 0; i < own; i++) {
			ssize_t got = read_once(ri, i);
			if (got == -EAGAIN)
				relay_end(&ri->lines, i);	/* all read: its writers are gone */
			more = more || got > 0 || relay_held(&ri->lines, i) > 0;
		}
		relayio_write(ri);
		for (o = 0; o < 2; o++)
			if (relay_waiting(&ri->lines, (enum relay_stream)o) > 0)
				pfd[n++] = (struct pollfd){ .fd = ri->out[o].fd, .events = POLLOUT };
		now = deadline_now_ms();
		if ((!more && n == 0) || now >= until)
			return;
		if (n > 0)
			(void)poll(pfd, n, deadline_left_ms(until, now));
	}
}
