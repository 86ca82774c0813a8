/* heard: what the app's instances say on their notify sockets. It reads a
 * slot's datagrams only while its instance's closers have room for their fds,
 * checks who sent each (sender_in_tree), keeps what FDSTORE=1 hands over,
 * drops the rest, and steps the pool with READY=1 and the like. */
#include "heard.h"
#include "closer.h"
#include "deadline.h"
#include "instances.h"
#include "log.h"
#include "pgroup.h"

#include <errno.h>
#include <unistd.h>

#define NOTIFY_WARN_EVERY_MS 1000	/* a flood of bad datagrams costs one log line a second */

/* A bad datagram is dropped whole; a flood of them costs a log line a second,
 * per slot: one instance's flood does not silence what another's drops say. */
static void notify_drop(struct tinyhold *t, int k, pid_t pid, const char *why)
{
	struct slot *s = &t->slots[k];
	int64_t now = deadline_now_ms();

	s->dropped++;
	if (s->drop_warned_ms > 0 && now - s->drop_warned_ms < NOTIFY_WARN_EVERY_MS)
		return;
	log_slot(t, LOG_WARN, 0, k, "dropped a notify datagram from pid %d: %s (%lu dropped so far)",
		 (int)pid, why, s->dropped);
	s->drop_warned_ms = now;
}

#define TREE_DEPTH_MAX 64	/* a deeper chain of parents is not worth following */

/* Who may speak for an instance: a process of its tree, alive when its
 * datagram is read (SCM_CREDENTIALS names the sender; it is looked up then).
 * That is its main process; a descendant of it; or an orphan of it that the
 * kernel gave to us (subreaper, or PID 1) and that is still in its process
 * group (a daemonizing worker). A sender that is gone cannot be placed and is
 * not heard: the real short-lived client, systemd-notify --ready, waits with
 * BARRIER=1 until we have read it. Nothing else: not a process of the same
 * uid elsewhere, not another instance's. SECURITY.md says the same. */
static bool sender_in_tree(struct tinyhold *t, int k, pid_t pid)
{
	const struct slot *in = &t->slots[k];
	pid_t at = pid, ppid, pgrp, sender_pgrp = 0;
	int depth;

	if (pid <= 0 || in->pid <= 0 || in->reaped)
		return false;
	if (pid == in->pid)
		return true;
	for (depth = 0; depth < TREE_DEPTH_MAX; depth++) {
		if (!pgroup_stat(at, &ppid, &pgrp))
			return false;
		if (depth == 0)
			sender_pgrp = pgrp;
		if (ppid == in->pid)
			return true;
		if (ppid == t->self)	/* at is our child: an orphan, or another slot's */
			return inst_of_pid(t, at) < 0 && sender_pgrp == in->pgid;
		if (ppid <= 1)
			return false;
		at = ppid;
	}
	return false;
}

static void drop_fds(struct notify_datagram *d, int owner)
{
	size_t i;

	for (i = 0; i < d->nfds; i++)
		closer_drop(owner, d->fds[i]);
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
			closer_add(store->owner, d->fds[i]);
		kept += r == 1;
		full += r == -ENOSPC;
		unfit += r == -E2BIG;
	}
	d->nfds = 0;
	if (full > 0 && store->max == (size_t)t->cfg.fdstore_max)
		log_warn("fd store full (--fdstore-max %ld): closed %zu fd(s)", t->cfg.fdstore_max, full);
	else if (full > 0)
		log_warn("fd store full (%zu fds, this instance's share of the fd limit): closed %zu fd(s)",
			 store->max, full);
	if (unfit > 0)
		log_warn("fd store: closed %zu fd(s) that would not fit into the next start "
			 "(fd limit %llu, LISTEN_FDNAMES at most %zu bytes)", unfit,
			 (unsigned long long)t->fd_limit, (size_t)HELD_NAMES_MAX);
	if (kept > 0)
		log_debug("stored %zu fd(s) as %s (%zu in the store)", kept,
			  fdstore_name(m->fdname), store->n);
}

static void on_notify(struct tinyhold *t, int k)
{
	const struct pool_slot *ps = &t->pool.slots[k];
	struct notify_datagram *d = &t->dgram;
	struct fdstore *store = &t->stores[ps->index];
	struct notify_msg m;
	const char *why = "";
	bool listening = ps->role == POOL_SERVING || ps->role == POOL_NEW;

	if (!listening || d->truncated || !sender_in_tree(t, k, d->pid) ||
	    notify_parse(d->buf, d->len, &m, &why) < 0) {
		if (!listening)
			why = "its instance is not listened to any more";
		else if (d->truncated)
			why = "longer than 4096 bytes or too many fds";
		else if (why[0] == '\0')
			why = "not from the app";
		drop_fds(d, store->owner);
		notify_drop(t, k, d->pid, why);
		return;
	}
	if (m.status != NULL)
		log_slot(t, LOG_INFO, 0, k, "pid %d status: %.*s", (int)d->pid,
			 (int)(m.status_len < NOTIFY_STATUS_MAX ? m.status_len : NOTIFY_STATUS_MAX),
			 m.status);
	if (m.fdstore_remove && m.fdname[0])
		log_debug("removed %zu fd(s) named %s from the store",
			  fdstore_remove(store, m.fdname), m.fdname);
	if (m.fdstore && m.fdname_bad)
		log_warn("pid %d stored fds with a bad FDNAME; storing them as %s", (int)d->pid,
			 FDSTORE_DEFAULT_NAME);
	if (m.fdstore)
		store_fds(t, store, &m);
	/* fds that came without FDSTORE=1 (BARRIER=1's among them: closing it tells
	 * sd_notify_barrier() that everything before it has been read). */
	drop_fds(d, store->owner);

	inst_heard(t, k, &m);
}

bool heard_readable(const struct tinyhold *t, int k)
{
	return closer_room(t->stores[t->pool.slots[k].index].owner) >= t->notify_room;
}

/* At most this many datagrams of one slot in one pass: a flood on one socket
 * waits for the next pass, and the others are read in between. */
#define READS_PER_PASS 1024

static void drain_one(struct tinyhold *t, int k)
{
	struct slot *s = &t->slots[k];
	int r = 1, reads;

	for (reads = 0; reads < READS_PER_PASS && s->notifyfd >= 0 && heard_readable(t, k); reads++) {
		r = notify_recv(s->notifyfd, &t->dgram);
		if (r <= 0)
			break;
		on_notify(t, k);
	}
	if (r < 0) {
		log_slot(t, LOG_WARN, -r, k, "cannot read the notify socket");
		t->pass.fault = true;
	}
}

/* The serving instances' datagrams before a new one's: their last words
 * before a READY=1 retires them. */
void heard_drain(struct tinyhold *t)
{
	size_t k;

	for (k = 0; k < t->nslots; k++)
		if (t->pool.slots[k].role != POOL_NEW)
			drain_one(t, (int)k);
	for (k = 0; k < t->nslots; k++)
		if (t->pool.slots[k].role == POOL_NEW)
			drain_one(t, (int)k);
}
