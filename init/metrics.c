/* metrics: counting and rendering; see metrics.h. The names, types and help
 * texts follow Prometheus' conventions (counters end in _total, base units),
 * so `promtool check metrics` is silent; tests/status.bats runs it. */
#include "metrics.h"
#include "fmt.h"
#include "spec.h"

#include <stdarg.h>

#define METRICS_FIXED_MAX 2048	/* the HELP and TYPE lines and single values: 1.5 KB */
#define METRICS_INSTANCE_MAX 48	/* tinyhold_instance_up{instance="1023"} 1 */
#define METRICS_LISTENER_MAX ((size_t)2 * (40 + 2 * SPEC_NAME_MAX + 24))	/* escaped name, twice */

void counters_step(struct counters *c, const struct pool *p, const struct pool_ev *ev)
{
	size_t k;

	for (k = 0; k < p->cfg.nslots; k++)
		c->restarts += p->slots[k].note == SUP_NOTE_RESTART;
	for (k = 0; k < p->nnotes; k++) {
		enum pool_note_kind n = p->notes[k].kind;
		c->reloads += n == POOL_NOTE_REPLACED || n == POOL_NOTE_TOOK_OVER;
		c->reload_failures += n == POOL_NOTE_NOT_READY || n == POOL_NOTE_DIED ||
				      n == POOL_NOTE_SPAWN_FAILED;
	}
	/* The watchdog's SIGABRT is its cause, not a signal of the app's own. */
	if (ev->kind == POOL_EV_EXITED)
		c->exits[sup_watchdog_fired(&p->slots[ev->slot].sup) ? CAUSE_WATCHDOG :
			 ev->exit.term_signal ? CAUSE_SIGNAL : CAUSE_EXIT_CODE]++;
}

size_t metrics_max(size_t instances, size_t listeners)
{
	return METRICS_FIXED_MAX + instances * METRICS_INSTANCE_MAX + listeners * METRICS_LISTENER_MAX;
}

struct out {
	char *buf;
	size_t len, used;
};

__attribute__((format(printf, 2, 3)))
static void put(struct out *o, const char *format, ...)
{
	va_list ap;
	int n;

	va_start(ap, format);
	n = fmt_v(o->buf + (o->used < o->len ? o->used : o->len),
		  o->used < o->len ? o->len - o->used : 0, format, ap);
	va_end(ap);
	o->used += n > 0 ? (size_t)n : 0;
}

static void head(struct out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void one(struct out *o, const char *name, const char *type, const char *help,
		unsigned long long v)
{
	head(o, name, type, help);
	put(o, "%s %llu\n", name, v);
}

/* A label value: '\' and '"' escaped (an fd name has no newline: spec_name_valid). */
static void listener(struct out *o, const char *metric, const struct metrics_listener *l,
		     unsigned v)
{
	const char *c;

	put(o, "%s{name=\"", metric);
	for (c = l->name; *c; c++)
		put(o, "%s%c", *c == '\\' || *c == '"' ? "\\" : "", *c);
	put(o, "\",fd=\"%d\"} %u\n", l->fd, v);
}

size_t metrics_render(char *buf, size_t len, const struct metrics_snap *m)
{
	static const char *const causes[CAUSES] = { "exit_code", "signal", "watchdog" };
	struct out o = { buf, len, 0 };
	size_t i;

	if (len > 0)
		buf[0] = '\0';
	one(&o, "tinyhold_ready", "gauge",
	    "1 when the app can take traffic (GET /ready).", m->ready);
	one(&o, "tinyhold_live", "gauge",
	    "1 while tinyhold supervises (GET /live).", m->live);
	head(&o, "tinyhold_instance_up", "gauge", "1 while the instance runs.");
	for (i = 0; i < m->instances; i++)
		put(&o, "tinyhold_instance_up{instance=\"%zu\"} %d\n", i, m->up[i]);
	one(&o, "tinyhold_restarts_total", "counter", "Restarts of the app.",
	    m->c->restarts);
	head(&o, "tinyhold_exits_total", "counter",
	     "Ends of the app, by cause.");
	for (i = 0; i < CAUSES; i++)
		put(&o, "tinyhold_exits_total{cause=\"%s\"} %lu\n", causes[i], m->c->exits[i]);
	one(&o, "tinyhold_reloads_total", "counter", "Instances replaced by reloads.",
	    m->c->reloads);
	one(&o, "tinyhold_reload_failures_total", "counter",
	    "Reloads that kept the old instance.",
	    m->c->reload_failures);
	one(&o, "tinyhold_log_lines_dropped_total", "counter",
	    "Lines of tinyhold's log dropped.",
	    m->log_dropped);
	one(&o, "tinyhold_notify_datagrams_dropped_total", "counter",
	    "Notify datagrams dropped.",
	    m->notify_dropped);
	head(&o, "tinyhold_listen_queue", "gauge",
	     "Connections in a held listener's accept queue.");
	for (i = 0; i < m->nlisteners; i++)
		listener(&o, "tinyhold_listen_queue", &m->listeners[i], m->listeners[i].queue);
	head(&o, "tinyhold_listen_backlog", "gauge",
	     "The held listener's backlog.");
	for (i = 0; i < m->nlisteners; i++)
		listener(&o, "tinyhold_listen_backlog", &m->listeners[i], m->listeners[i].backlog);
	one(&o, "process_start_time_seconds", "gauge",
	    "Start time of the process since unix epoch in seconds.", (unsigned long long)m->start_s);
	return o.used;
}
