/* heard: what the app's instances say on their notify sockets. It reads
 * datagrams only while closer.c has room for their fds, checks who sent each
 * (sender_of), keeps what FDSTORE=1 hands over, drops the rest, and passes
 * READY=1 and the like to instances.c. */
#include "heard.h"
#include "closer.h"
#include "deadline.h"
#include "instances.h"
#include "log.h"

#include <errno.h>
#include <unistd.h>

#define NOTIFY_WARN_EVERY_MS 1000	/* a flood of bad datagrams costs one log line a second */

/* A bad datagram is dropped whole; a flood of them costs a log line a second. */
static void notify_drop(struct tinyhold *t, pid_t pid, const char *why)
{
	int64_t now = deadline_now_ms();

	t->notify_dropped++;
	if (t->notify_warned_ms > 0 && now - t->notify_warned_ms < NOTIFY_WARN_EVERY_MS)
		return;
	log_warn("dropped a notify datagram from pid %d: %s (%lu dropped so far)", (int)pid, why,
		 t->notify_dropped);
	t->notify_warned_ms = now;
}

/* Who may speak for an instance: its main process and its process group, as
 * SCM_CREDENTIALS names them. A sender that is gone by the time we read (in
 * sh -c 'systemd-notify --ready; exec server', sh has reaped it already)
 * cannot be looked up. It is heard if it was in our pid namespace (for one
 * outside it the kernel gives pid 0) and had the app's uid, since it wrote to
 * the address only this instance was given; its fds are not taken. */
enum sender { SENDER_APP, SENDER_GONE, SENDER_STRANGER };

static enum sender sender_of(const struct tinyhold *t, const struct slot *in,
			     const struct notify_datagram *d)
{
	pid_t pgid;

	if (d->pid <= 0 || in->pid <= 0)
		return SENDER_STRANGER;
	if (d->pid == in->pid)
		return SENDER_APP;
	pgid = getpgid(d->pid);
	if (pgid >= 0)
		return pgid == in->pgid ? SENDER_APP : SENDER_STRANGER;
	return errno == ESRCH && d->uid == t->app_uid ? SENDER_GONE : SENDER_STRANGER;
}

static void drop_fds(struct notify_datagram *d)
{
	size_t i;

	for (i = 0; i < d->nfds; i++)
		closer_drop(d->fds[i]);
	d->nfds = 0;
}

static void store_fds(struct tinyhold *t, struct fdstore *store, const struct notify_msg *m)
{
	struct notify_datagram *d = &t->dgram;
	size_t i, kept = 0, full = 0, unfit = 0;

	for (i = 0; i < d->nfds; i++) {
		int r = -ENOSPC;
		if (store->max > 0 && !held_store_fits(&t->held, store, m->fdname))
			r = -E2BIG;	/* the next start could not pass it: refuse it now */
		else if (store->max > 0)
			r = fdstore_add(store, d->fds[i], m->fdname);
		if (r == -E2BIG || (r == -ENOSPC && store->max == 0))
			closer_add(d->fds[i]);
		kept += r == 1;
		full += r == -ENOSPC;
		unfit += r == -E2BIG;
	}
	d->nfds = 0;
	if (full > 0)
		log_warn("fd store full (--fdstore-max %ld): closed %zu fd(s)", t->cfg.fdstore_max, full);
	if (unfit > 0)
		log_warn("fd store: closed %zu fd(s) that would not fit into the next start "
			 "(fd limit %llu, LISTEN_FDNAMES at most %zu bytes)", unfit,
			 (unsigned long long)t->fd_limit, (size_t)HELD_NAMES_MAX);
	if (kept > 0)
		log_debug("stored %zu fd(s) as %s (%zu in the store)", kept,
			  m->fdname[0] ? m->fdname : FDSTORE_DEFAULT_NAME, store->n);
}

static void on_notify(struct tinyhold *t, struct slot *s)
{
	struct notify_datagram *d = &t->dgram;
	enum sender who = sender_of(t, s, d);
	struct notify_msg m;
	const char *why = "";

	if (d->truncated || who == SENDER_STRANGER || notify_parse(d->buf, d->len, &m, &why) < 0) {
		if (d->truncated)
			why = "longer than 4096 bytes or too many fds";
		else if (who == SENDER_STRANGER)
			why = "not from the app";
		drop_fds(d);
		notify_drop(t, d->pid, why);
		return;
	}
	if (who == SENDER_GONE) {
		log_debug("heard pid %d, which has exited; not taking its fds", (int)d->pid);
		drop_fds(d);
		m.fdstore = m.fdstore_remove = false;
	}
	if (m.status != NULL)
		log_info("%spid %d status: %.*s", inst_prefix(t, s), (int)d->pid,
			 (int)(m.status_len < NOTIFY_STATUS_MAX ? m.status_len : NOTIFY_STATUS_MAX),
			 m.status);
	if (m.fdstore_remove && m.fdname[0])
		log_debug("removed %zu fd(s) named %s from the store",
			  fdstore_remove(&t->stores[s->index], m.fdname), m.fdname);
	if (m.fdstore && m.fdname_bad)
		log_warn("pid %d stored fds with a bad FDNAME; storing them as %s", (int)d->pid,
			 FDSTORE_DEFAULT_NAME);
	if (m.fdstore)
		store_fds(t, &t->stores[s->index], &m);
	/* fds that came without FDSTORE=1 (BARRIER=1's among them: closing it tells
	 * sd_notify_barrier() that everything before it has been read). */
	drop_fds(d);

	inst_heard(t, s, &m);
}

/* Whether a datagram may be read now: closer.c must have room for its fds and
 * for a FDSTOREREMOVE of the whole store. Without it the socket waits. */
bool heard_readable(const struct tinyhold *t)
{
	return closer_room() >= t->notify_room;
}

static void drain_one(struct tinyhold *t, struct slot *s)
{
	int r = 1;

	while (s->notifyfd >= 0 && heard_readable(t) &&
	       (r = notify_recv(s->notifyfd, &t->dgram)) > 0)
		on_notify(t, s);
	if (r < 0)
		log_msg(LOG_WARN, -r, "cannot read the notify socket");
}

/* The app's datagrams before a new instance's: its last words before a READY=1 retires it. */
void heard_drain(struct tinyhold *t)
{
	size_t i;

	for (i = 0; i < t->nslots; i++)
		if (t->slots[i].role == SLOT_SERVING)
			drain_one(t, &t->slots[i]);
	for (i = 0; i < t->nslots; i++)
		if (t->slots[i].role == SLOT_NEW)
			drain_one(t, &t->slots[i]);
}
