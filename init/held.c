/* held: an array of (fd, name), the budget of a start, and the reset of the
 * shared sockets before each start, which is what systemd does for the fds it
 * passes (it clears O_NONBLOCK before every exec). */
#include "held.h"
#include "fmt.h"
#include "mem.h"
#include "notify.h"
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int held_init(struct held *h, size_t cap, int backlog, rlim_t fd_limit)
{
	memset(h, 0, sizeof *h);
	h->fds = mem_alloc(cap ? cap : 1, sizeof *h->fds);
	h->names = mem_alloc(cap ? cap : 1, sizeof *h->names);
	h->cap = cap;
	h->backlog = backlog;
	h->fd_limit = fd_limit;
	return h->fds == NULL || h->names == NULL ? -ENOMEM : 0;
}

void held_add(struct held *h, int fd, const char *name)
{
	if (h->n >= h->cap)
		return;	/* cannot happen: sized from the specs and LISTEN_FDS */
	h->fds[h->n] = fd;
	fmt(h->names[h->n], sizeof h->names[0], "%s", name);
	h->names_len += (h->n > 0) + strlen(h->names[h->n]);
	h->n++;
}

/* A start with nfds fds named in names_len bytes: does it fit? */
static int fits(const struct held *h, size_t nfds, size_t names_len)
{
	if (names_len > HELD_NAMES_MAX)
		return -E2BIG;
	if (LISTEN_FDS_START + nfds + SPAWN_SPARE_FDS + HELD_OWN_FDS > h->fd_limit)
		return -EMFILE;
	return 0;
}

int held_check(const struct held *h)
{
	return fits(h, h->n, h->names_len);
}

size_t held_store_quota(const struct held *h, size_t max, size_t instances, size_t slots,
			size_t slot_fds)
{
	unsigned long long limit = h->fd_limit, reserved, share;

	reserved = LISTEN_FDS_START + HELD_OWN_FDS + h->n + (unsigned long long)slots * slot_fds +
		   (unsigned long long)instances * NOTIFY_FDS_MAX;
	if (instances == 0 || limit <= reserved)
		return 0;
	share = (limit - reserved) / instances;
	return share < max ? (size_t)share : max;
}

bool held_store_fits(const struct held *h, const struct fdstore *st, const char *name)
{
	size_t len = h->names_len, i;

	for (i = 0; i < st->n; i++)
		len += 1 + strlen(st->entries[i].name);
	len += (h->n + st->n > 0) + strlen(fdstore_name(name));
	return fits(h, h->n + st->n + 1, len) == 0;
}

void held_reset(const struct held *h, bool others_run)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		int fd = h->fds[i], flags = fcntl(fd, F_GETFL), type = 0, on = 0;
		socklen_t len = sizeof type;

		if (flags >= 0 && (flags & O_NONBLOCK) && !others_run)
			(void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM)
			continue;
		len = sizeof on;
		/* listen() again revives a socket that shutdown() took down: it keeps its
		 * address (bound explicitly), only the queue was flushed. */
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 && !on)
			(void)listen(fd, h->backlog);
	}
}

size_t held_release(struct held *h)
{
	size_t i, n = 0;

	for (i = 0; i < h->n; i++) {
		int fd = h->fds[i], type = 0, on = 0;
		socklen_t len = sizeof type;

		if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
			continue;
		len = sizeof on;
		/* A listener's or a datagram socket's close() never waits; a connected
		 * stream's could linger (an inherited one that held_reset() could not
		 * make listen): that one stays open until tinyhold exits. */
		if (type == SOCK_STREAM &&
		    (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) < 0 || !on))
			continue;
		(void)close(fd);	/* EINTR or not, the fd is gone (Linux) */
		h->fds[i] = -1;
		n++;
	}
	return n;
}

static size_t append(char *names, size_t used, size_t count, const char *name)
{
	size_t len = strlen(name);

	if (count > 0)
		names[used++] = ':';
	memcpy(names + used, name, len);
	names[used + len] = '\0';
	return used + len;
}

size_t held_pass(const struct held *h, const struct fdstore *st, int *fds, char *names)
{
	size_t n = 0, used = 0, i;

	names[0] = '\0';
	for (i = 0; i < h->n; i++, n++) {
		fds[n] = h->fds[i];
		used = append(names, used, n, h->names[i]);
	}
	for (i = 0; i < st->n; i++, n++) {
		fds[n] = st->entries[i].fd;
		used = append(names, used, n, st->entries[i].name);
	}
	return n;
}
