/* metrics_test: what the counters count from real pool steps (restarts, exits
 * by cause, reloads), and the exact text of a snapshot, escaping included.
 * tests/status.bats runs `promtool check metrics` on what a live tinyhold says. */
#include "metrics.h"
#include "check.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#define SLOTS (1 + POOL_SLOTS_EXTRA)

static struct pool p;
static struct pool_slot slots[SLOTS];
static struct counters c;

static void step(int kind, int slot, int arg, int64_t now)
{
	struct pool_ev ev = { .kind = (enum pool_ev_kind)kind, .slot = slot };
	size_t k;

	if (kind == POOL_EV_EXITED)
		ev.exit = (struct sup_event){ .kind = SUP_EV_EXITED, .exit_code = arg > 0 ? arg : 0,
					      .term_signal = arg < 0 ? -arg : 0 };
	pool_step(&p, &ev, now);
	counters_step(&c, &p, &ev);
	for (k = 0; k < SLOTS; k++)
		pool_slot_clear_effects(&slots[k]);
}

static void counting(void)
{
	static const bool remap[REMAP_MAX];
	static int codes[1];
	struct pool_config cfg = {
		.instances = 1, .nslots = SLOTS, .ready_timeout_ms = 30000, .notify = true,
		.sup = { .policy = RESTART_ON_FAILURE, .window_ms = 60000, .stop_timeout_ms = 10000,
			 .watchdog_ms = 1000, .remap = remap },
	};

	pool_init(&p, &cfg, slots, NULL, codes);
	step(POOL_EV_STARTED, 0, 0, 0);
	step(POOL_EV_EXITED, 0, 3, 2000);	/* status 3 */
	step(POOL_EV_GROUP_EMPTY, 0, 0, 2000);
	step(POOL_EV_STARTED, 0, 0, 2000);
	step(POOL_EV_EXITED, 0, -SIGSEGV, 4000);
	step(POOL_EV_GROUP_EMPTY, 0, 0, 4000);
	step(POOL_EV_STARTED, 0, 0, 4000);
	step(POOL_EV_WATCHDOG_TRIGGER, 0, 0, 5000);	/* SIGABRT from us */
	step(POOL_EV_EXITED, 0, -SIGABRT, 5000);
	step(POOL_EV_GROUP_EMPTY, 0, 0, 5000);
	step(POOL_EV_STARTED, 0, 0, 8000);
	step(POOL_EV_RELOAD, -1, 0, 9000);
	step(POOL_EV_STARTED, 1, 0, 9000);
	step(POOL_EV_READY, 1, 0, 9100);	/* replaced */
	step(POOL_EV_EXITED, 0, -SIGTERM, 9200);	/* the old one, told to stop */
	step(POOL_EV_GROUP_EMPTY, 0, 0, 9200);
	step(POOL_EV_RELOAD, -1, 0, 10000);
	step(POOL_EV_STARTED, 0, 0, 10000);
	step(POOL_EV_EXITED, 0, 1, 10100);	/* the new one dies first: kept the old */
	check(c.restarts == 3, "restarts %lu, want 3", c.restarts);
	check(c.exits[CAUSE_EXIT_CODE] == 2, "exits by status %lu, want 2", c.exits[CAUSE_EXIT_CODE]);
	check(c.exits[CAUSE_SIGNAL] == 2, "exits by signal %lu, want 2", c.exits[CAUSE_SIGNAL]);
	check(c.exits[CAUSE_WATCHDOG] == 1, "exits by watchdog %lu, want 1",
	      c.exits[CAUSE_WATCHDOG]);
	check(c.reloads == 1, "reloads %lu, want 1", c.reloads);
	check(c.reload_failures == 1, "reload failures %lu, want 1", c.reload_failures);
}

static const char want[] =
	"# HELP tinyhold_ready 1 when the app can take traffic (GET /ready).\n"
	"# TYPE tinyhold_ready gauge\n"
	"tinyhold_ready 1\n"
	"# HELP tinyhold_live 1 while tinyhold supervises (GET /live).\n"
	"# TYPE tinyhold_live gauge\n"
	"tinyhold_live 1\n"
	"# HELP tinyhold_instance_up 1 while the instance runs.\n"
	"# TYPE tinyhold_instance_up gauge\n"
	"tinyhold_instance_up{instance=\"0\"} 1\n"
	"tinyhold_instance_up{instance=\"1\"} 0\n"
	"# HELP tinyhold_restarts_total Restarts of the app.\n"
	"# TYPE tinyhold_restarts_total counter\n"
	"tinyhold_restarts_total 3\n"
	"# HELP tinyhold_exits_total Ends of the app, by cause.\n"
	"# TYPE tinyhold_exits_total counter\n"
	"tinyhold_exits_total{cause=\"exit_code\"} 2\n"
	"tinyhold_exits_total{cause=\"signal\"} 2\n"
	"tinyhold_exits_total{cause=\"watchdog\"} 1\n"
	"# HELP tinyhold_reloads_total Instances replaced by reloads.\n"
	"# TYPE tinyhold_reloads_total counter\n"
	"tinyhold_reloads_total 1\n"
	"# HELP tinyhold_reload_failures_total Reloads that kept the old instance.\n"
	"# TYPE tinyhold_reload_failures_total counter\n"
	"tinyhold_reload_failures_total 1\n"
	"# HELP tinyhold_log_lines_dropped_total Lines of tinyhold's log dropped.\n"
	"# TYPE tinyhold_log_lines_dropped_total counter\n"
	"tinyhold_log_lines_dropped_total 7\n"
	"# HELP tinyhold_notify_datagrams_dropped_total Notify datagrams dropped.\n"
	"# TYPE tinyhold_notify_datagrams_dropped_total counter\n"
	"tinyhold_notify_datagrams_dropped_total 8\n"
	"# HELP tinyhold_listen_queue Connections in a held listener's accept queue.\n"
	"# TYPE tinyhold_listen_queue gauge\n"
	"tinyhold_listen_queue{name=\"web\",fd=\"3\"} 5\n"
	"tinyhold_listen_queue{name=\"a\\\"b\\\\c\",fd=\"4\"} 0\n"
	"# HELP tinyhold_listen_backlog The held listener's backlog.\n"
	"# TYPE tinyhold_listen_backlog gauge\n"
	"tinyhold_listen_backlog{name=\"web\",fd=\"3\"} 4096\n"
	"tinyhold_listen_backlog{name=\"a\\\"b\\\\c\",fd=\"4\"} 128\n"
	"# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
	"# TYPE process_start_time_seconds gauge\n"
	"process_start_time_seconds 1764990000\n";

static void rendering(void)
{
	static const bool up[] = { true, false };
	static const struct metrics_listener ls[] = { { "web", 3, 5, 4096 }, { "a\"b\\c", 4, 0, 128 } };
	struct metrics_snap m = { .c = &c, .log_dropped = 7, .notify_dropped = 8, .ready = true,
				  .live = true, .up = up, .instances = 2, .listeners = ls,
				  .nlisteners = 2, .start_s = 1764990000 };
	char buf[4096], small[100];
	size_t n = metrics_render(buf, sizeof buf, &m);
	const char *a = buf, *b = want;

	check(n == strlen(want) && strcmp(buf, want) == 0, "render: %zu bytes, want %zu", n,
	      strlen(want));
	for (; *a && *a == *b; a++, b++)
		;
	if (*a != *b)
		printf("  first difference: got \"%.40s\", want \"%.40s\"\n", a, b);
	check(n <= metrics_max(2, 2), "render: %zu bytes, past metrics_max %zu", n, metrics_max(2, 2));
	check(metrics_render(small, sizeof small, &m) == n && strlen(small) == sizeof small - 1 &&
	      strncmp(small, want, sizeof small - 1) == 0, "render into a short buffer: cut, whole length");
}

int main(void)
{
	counting();
	rendering();
	return check_summary();
}
