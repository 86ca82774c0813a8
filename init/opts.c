/* opts: the command line and its TINYHOLD_* twins. It never prints and never
 * exits: main() turns OPTS_ERROR into one line and exit status 2. */
#include "opts.h"
#include "fmt.h"
#include "mem.h"
#include "num.h"
#include "sig.h"

#include <ctype.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_BACKOFF_MAX_MS 10000	/* a crash loop costs at most one start per 10 s */
#define DEFAULT_RESTART_WINDOW_MS 60000
#define DEFAULT_STOP_TIMEOUT_MS 10000	/* Docker's and Kubernetes' own grace period */
#define DURATION_MAX_MS (1000LL * 1000 * 1000)	/* ~11 days: beyond any sane timeout */
#define BACKLOG_MAX 1000000
#define MAX_RESTARTS_MAX 1000000
#define DEFAULT_READY_TIMEOUT_MS 30000	/* a reload that is not READY in 30 s keeps the old app */
#define FDSTORE_MAX_MAX 4096	/* fds an app may park with us: far below RLIMIT_NOFILE */

const char opts_usage[] =
	"usage: tinyhold [OPTIONS] [--] COMMAND [ARG...]\n"
	"\n"
	"Binds sockets once, runs COMMAND with them (systemd socket activation:\n"
	"LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES, fds from 3), restarts it with the same\n"
	"sockets when it fails, reaps zombies and forwards signals as PID 1.\n"
	"\n"
	"Sockets:\n"
	"  -p, --listen [NAME=]SPEC   8080, *:8080 (dual-stack), 0.0.0.0:8080, [::1]:8080,\n"
	"                             tcp4: tcp6: udp: udp4: udp6: prefixes, unix:/path,\n"
	"                             unix:@abstract; repeatable, fds in this order\n"
	"  -b, --backlog N            listen backlog (default: net.core.somaxconn)\n"
	"Supervision:\n"
	"  -r, --restart POLICY       on-failure (default), always, never\n"
	"      --backoff-max SECS     longest delay between fast restarts (default 10, 0: none)\n"
	"      --max-restarts N       give up after N restarts within the window (default: never)\n"
	"      --restart-window SECS  the window of --max-restarts (default 60)\n"
	"  -t, --stop-timeout SECS    SIGKILL the app this long after a stop signal (default 10)\n"
	"      --stop-signal SIG      what the app gets when tinyhold stops it (default TERM)\n"
	"      --drain SECS           on SIGTERM, serve on (not ready) SECS before stopping\n"
	"  -e, --remap-exit CODE      exit 0 when the app's status is CODE; repeatable\n"
	"  -g, --process-group        forward signals to the app's whole process group\n"
	"  -u, --user USER[:GROUP]    run the app as USER (names or ids); needs root\n"
	"  -n, --instances N|auto     run N instances on the same sockets (default 1;\n"
	"                             auto: the CPUs this container may use)\n"
	"Readiness (sd_notify):\n"
	"      --notify               give the app NOTIFY_SOCKET; log READY=1 and STATUS=\n"
	"      --watchdog SECS        restart the app if it sends no WATCHDOG=1 for SECS\n"
	"      --fdstore-max N        keep up to N fds the app stores (FDSTORE=1) across restarts\n"
	"      --reload-signal SIG    on SIG, start a new app, wait for READY=1, stop the old\n"
	"      --ready-timeout SECS   how long a reload waits for READY=1 (default 30)\n"
	"Status (HTTP on its own socket, never a held one):\n"
	"      --status ADDR          serve GET /ready, /live and /metrics (Prometheus) at\n"
	"                             ADDR, in -p's grammar: 9090, 127.0.0.1:9090, unix:/path\n"
	"      --probe [ready|live]   ask the tinyhold at --status (TINYHOLD_STATUS) instead of\n"
	"                             running a command; exit 0 on 200, else 1, within 1 s\n"
	"Output:\n"
	"  -q, --quiet                errors only\n"
	"  -v, --verbose              also forwarded signals and reaped orphans\n"
	"      --log-prefix           with -n 2 and more: \"[I] \" before each line of instance I\n"
	"  -h, --help                 this text\n"
	"  -V, --version              the version\n"
	"\n"
	"Each option also reads TINYHOLD_<LONG NAME> (e.g. TINYHOLD_LISTEN=\"web=8080 udp:53\",\n"
	"TINYHOLD_RESTART=always); the command line wins.\n"
	"Exit status: the app's, 128+N if it died of signal N, 2 bad usage, 124 the app\n"
	"outlived --stop-timeout, 125 setup failed, 126 command not executable, 127\n"
	"command not found; --probe: 0 the answer was 200, 1 anything else or none.\n";

enum opt_id {
	OPT_LISTEN, OPT_BACKLOG, OPT_RESTART, OPT_BACKOFF_MAX, OPT_MAX_RESTARTS,
	OPT_RESTART_WINDOW, OPT_STOP_TIMEOUT, OPT_REMAP_EXIT, OPT_PROCESS_GROUP,
	OPT_USER, OPT_QUIET, OPT_VERBOSE, OPT_NOTIFY, OPT_WATCHDOG, OPT_FDSTORE_MAX,
	OPT_RELOAD_SIGNAL, OPT_READY_TIMEOUT, OPT_INSTANCES, OPT_LOG_PREFIX, OPT_STOP_SIGNAL,
	OPT_DRAIN, OPT_STATUS, OPT_PROBE, OPT_HELP, OPT_VERSION,
};

struct opt {
	enum opt_id id;
	char short_name;	/* 0: long only */
	const char *long_name;
	const char *env_name;	/* NULL: not configurable by environment */
	bool takes_value;
};

static const struct opt opt_table[] = {
	{ OPT_LISTEN, 'p', "listen", "TINYHOLD_LISTEN", true },
	{ OPT_BACKLOG, 'b', "backlog", "TINYHOLD_BACKLOG", true },
	{ OPT_RESTART, 'r', "restart", "TINYHOLD_RESTART", true },
	{ OPT_BACKOFF_MAX, 0, "backoff-max", "TINYHOLD_BACKOFF_MAX", true },
	{ OPT_MAX_RESTARTS, 0, "max-restarts", "TINYHOLD_MAX_RESTARTS", true },
	{ OPT_RESTART_WINDOW, 0, "restart-window", "TINYHOLD_RESTART_WINDOW", true },
	{ OPT_STOP_TIMEOUT, 't', "stop-timeout", "TINYHOLD_STOP_TIMEOUT", true },
	{ OPT_REMAP_EXIT, 'e', "remap-exit", "TINYHOLD_REMAP_EXIT", true },
	{ OPT_PROCESS_GROUP, 'g', "process-group", "TINYHOLD_PROCESS_GROUP", false },
	{ OPT_USER, 'u', "user", "TINYHOLD_USER", true },
	{ OPT_QUIET, 'q', "quiet", "TINYHOLD_QUIET", false },
	{ OPT_VERBOSE, 'v', "verbose", "TINYHOLD_VERBOSE", false },
	{ OPT_NOTIFY, 0, "notify", "TINYHOLD_NOTIFY", false },
	{ OPT_WATCHDOG, 0, "watchdog", "TINYHOLD_WATCHDOG", true },
	{ OPT_FDSTORE_MAX, 0, "fdstore-max", "TINYHOLD_FDSTORE_MAX", true },
	{ OPT_RELOAD_SIGNAL, 0, "reload-signal", "TINYHOLD_RELOAD_SIGNAL", true },
	{ OPT_READY_TIMEOUT, 0, "ready-timeout", "TINYHOLD_READY_TIMEOUT", true },
	{ OPT_INSTANCES, 'n', "instances", "TINYHOLD_INSTANCES", true },
	{ OPT_LOG_PREFIX, 0, "log-prefix", "TINYHOLD_LOG_PREFIX", false },
	{ OPT_STOP_SIGNAL, 0, "stop-signal", "TINYHOLD_STOP_SIGNAL", true },
	{ OPT_DRAIN, 0, "drain", "TINYHOLD_DRAIN", true },
	{ OPT_STATUS, 0, "status", "TINYHOLD_STATUS", true },
	{ OPT_PROBE, 0, "probe", NULL, true },	/* its value is optional: parse_argv() */
	{ OPT_HELP, 'h', "help", NULL, false },
	{ OPT_VERSION, 'V', "version", NULL, false },
};
#define NOPTS (sizeof opt_table / sizeof opt_table[0])

/* Where a value came from, for the error line: "-p", "--listen" or "TINYHOLD_LISTEN". */
struct origin {
	const char *label;
	bool from_env;
};

struct parser {
	struct config *cfg;
	size_t specs_cap;
	bool on_cli[OPT_VERSION + 1];	/* by opt_id: set on the command line: its TINYHOLD_* twin is not read */
};

__attribute__((format(printf, 2, 3)))
static int fail(struct config *cfg, const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	fmt_v(cfg->error, sizeof cfg->error, format, ap);
	va_end(ap);
	return -1;
}

/* "10", "0.5", "2.250": seconds with at most millisecond precision. */
static int parse_duration_ms(const char *text, int64_t *out_ms)
{
	int64_t whole = 0, frac = 0;
	int frac_digits = 0;
	const char *p = text;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		whole = whole * 10 + (*p - '0');
		if (whole * 1000 > DURATION_MAX_MS)
			return -1;
	}
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		for (; isdigit((unsigned char)*p); p++) {
			if (frac_digits == 3)
				return -1;	/* finer than a millisecond means nothing here */
			frac = frac * 10 + (*p - '0');
			frac_digits++;
		}
		for (; frac_digits < 3; frac_digits++)
			frac *= 10;
	}
	if (*p != '\0' || whole * 1000 + frac > DURATION_MAX_MS)
		return -1;
	*out_ms = whole * 1000 + frac;
	return 0;
}

static int parse_long(const char *text, long min, long max, long *out)
{
	unsigned long v;

	if (num_parse(text, (unsigned long)max, &v) != NUM_OK || v < (unsigned long)min)
		return -1;
	*out = (long)v;
	return 0;
}

static int parse_bool(const char *text, bool *out)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "", "0", "false", "no", "off" };
	size_t i;

	for (i = 0; i < sizeof yes / sizeof yes[0]; i++)
		if (strcmp(text, yes[i]) == 0)
			return *out = true, 0;
	for (i = 0; i < sizeof no / sizeof no[0]; i++)
		if (strcmp(text, no[i]) == 0)
			return *out = false, 0;
	return -1;
}

static int add_spec(struct parser *ps, const char *text, const struct origin *o)
{
	struct config *cfg = ps->cfg;
	const char *why = "";

	if (cfg->nspecs == ps->specs_cap)
		return fail(cfg, "too many sockets");	/* cannot happen: sized from argc and env */
	if (spec_parse(text, &cfg->specs[cfg->nspecs], &why) < 0)
		return fail(cfg, "bad %s spec '%s': %s", o->label, text, why);
	cfg->nspecs++;
	return 0;
}

/* Splits a TINYHOLD_LISTEN or TINYHOLD_REMAP_EXIT value on blanks and commas. */
static int for_each_word(struct parser *ps, const char *list, const struct origin *o,
			 int (*fn)(struct parser *, const char *, const struct origin *))
{
	char word[SPEC_NAME_MAX + 2 + 16 + SPEC_PATH_MAX];	/* the longest valid spec fits */

	while (*list) {
		size_t len = strcspn(list, " \t\n,");
		if (len >= sizeof word)
			return fail(ps->cfg, "bad %s value: '%.40s...' is too long", o->label, list);
		if (len > 0) {
			memcpy(word, list, len);
			word[len] = '\0';
			if (fn(ps, word, o) < 0)
				return -1;
		}
		list += len;
		if (*list)
			list++;
	}
	return 0;
}

static int add_remap(struct parser *ps, const char *text, const struct origin *o)
{
	long code;

	if (parse_long(text, 0, 255, &code) < 0)
		return fail(ps->cfg, "bad %s '%s': not an exit status (0-255)", o->label, text);
	ps->cfg->remap[code] = true;
	return 0;
}

static int apply(struct parser *ps, const struct opt *opt, const char *value, const struct origin *o)
{
	struct config *cfg = ps->cfg;
	long n;
	bool b;

	/* A flag on the command line comes with NULL; only options with a value read
	 * it, but the analyzers cannot see that (cppcheck ctunullpointer, clang-analyzer). */
	if (value == NULL)
		value = "";
	if (!o->from_env)
		ps->on_cli[opt->id] = true;
	switch (opt->id) {
	case OPT_LISTEN:
		return o->from_env ? for_each_word(ps, value, o, add_spec) : add_spec(ps, value, o);
	case OPT_REMAP_EXIT:
		return o->from_env ? for_each_word(ps, value, o, add_remap) : add_remap(ps, value, o);
	case OPT_BACKLOG:
		if (parse_long(value, 1, BACKLOG_MAX, &n) < 0)
			return fail(cfg, "bad %s '%s': not a number from 1 to %d", o->label, value,
				    BACKLOG_MAX);
		cfg->backlog = (int)n;
		return 0;
	case OPT_RESTART:
		if (strcmp(value, "on-failure") == 0)
			cfg->restart = RESTART_ON_FAILURE;
		else if (strcmp(value, "always") == 0)
			cfg->restart = RESTART_ALWAYS;
		else if (strcmp(value, "never") == 0)
			cfg->restart = RESTART_NEVER;
		else
			return fail(cfg, "bad %s '%s': expected on-failure, always or never",
				    o->label, value);
		return 0;
	case OPT_BACKOFF_MAX:
	case OPT_RESTART_WINDOW:
	case OPT_STOP_TIMEOUT:
	case OPT_WATCHDOG:
	case OPT_DRAIN:
	case OPT_READY_TIMEOUT: {
		int64_t ms;
		if (parse_duration_ms(value, &ms) < 0)
			return fail(cfg, "bad %s '%s': not a number of seconds", o->label, value);
		if (opt->id == OPT_BACKOFF_MAX)
			cfg->backoff_max_ms = ms;
		else if (opt->id == OPT_WATCHDOG)
			cfg->watchdog_ms = ms;	/* 0 turns it off */
		else if (opt->id == OPT_DRAIN)
			cfg->drain_ms = ms;	/* 0 turns it off */
		else if (opt->id == OPT_READY_TIMEOUT && ms == 0)
			return fail(cfg, "bad %s '%s': must be longer than 0", o->label, value);
		else if (opt->id == OPT_READY_TIMEOUT)
			cfg->ready_timeout_ms = ms;
		else if (opt->id == OPT_STOP_TIMEOUT)
			cfg->stop_timeout_ms = ms;
		else if (ms == 0)
			return fail(cfg, "bad %s '%s': the window must be longer than 0", o->label,
				    value);
		else
			cfg->restart_window_ms = ms;
		return 0;
	}
	case OPT_MAX_RESTARTS:
		if (parse_long(value, 0, MAX_RESTARTS_MAX, &n) < 0)
			return fail(cfg, "bad %s '%s': not a number from 0 to %d", o->label, value,
				    MAX_RESTARTS_MAX);
		cfg->max_restarts = n;
		return 0;
	case OPT_FDSTORE_MAX:
		if (parse_long(value, 0, FDSTORE_MAX_MAX, &n) < 0)
			return fail(cfg, "bad %s '%s': not a number from 0 to %d", o->label, value,
				    FDSTORE_MAX_MAX);
		cfg->fdstore_max = n;
		return 0;
	case OPT_RELOAD_SIGNAL: {
		int sig = sig_parse(value);
		/* Stop signals, SIGCHLD and what cannot be caught or means a fault are taken. */
		if (!sig_can_reload(sig))
			return fail(cfg, "bad %s '%s': not a signal tinyhold can use for reloads",
				    o->label, value);
		cfg->reload_signal = sig;
		return 0;
	}
	case OPT_STOP_SIGNAL: {
		int sig = sig_parse(value);
		if (!sig_can_stop(sig))
			return fail(cfg, "bad %s '%s': not a signal that ends a process", o->label,
				    value);
		cfg->stop_signal = sig;
		return 0;
	}
	case OPT_INSTANCES:
		if (strcmp(value, "auto") == 0) {
			cfg->instances = 0;
			return 0;
		}
		if (parse_long(value, 1, OPTS_INSTANCES_MAX, &n) < 0)
			return fail(cfg, "bad %s '%s': expected a number from 1 to %d, or auto",
				    o->label, value, OPTS_INSTANCES_MAX);
		cfg->instances = (int)n;
		return 0;
	case OPT_STATUS: {
		const char *why = "";
		if (spec_parse(value, &cfg->status, &why) < 0)
			return fail(cfg, "bad %s '%s': %s", o->label, value, why);
		if (cfg->status.datagram)
			return fail(cfg, "bad %s '%s': HTTP needs a stream socket", o->label, value);
		cfg->status_on = true;
		return 0;
	}
	case OPT_PROBE:
		if (strcmp(value, "ready") != 0 && strcmp(value, "live") != 0)
			return fail(cfg, "bad %s '%s': expected ready or live", o->label, value);
		cfg->probe = value;
		return 0;
	case OPT_USER:
		if (*value == '\0' || *value == ':' || value[strlen(value) - 1] == ':')
			return fail(cfg, "bad %s '%s': expected USER[:GROUP]", o->label, value);
		cfg->user = value;
		return 0;
	case OPT_NOTIFY:
	case OPT_LOG_PREFIX:
	case OPT_PROCESS_GROUP:
	case OPT_QUIET:
	case OPT_VERBOSE:
		b = true;
		if (o->from_env && parse_bool(value, &b) < 0)
			return fail(cfg, "bad %s '%s': expected 1 or 0", o->label, value);
		if (opt->id == OPT_PROCESS_GROUP)
			cfg->process_group = b;
		else if (opt->id == OPT_NOTIFY)
			cfg->notify = b;
		else if (opt->id == OPT_LOG_PREFIX)
			cfg->log_prefix = b;
		else if (b)
			cfg->verbosity = opt->id == OPT_QUIET ? -1 : 1;
		return 0;
	case OPT_HELP:
	case OPT_VERSION:
		return 0;	/* handled by the caller: they end parsing */
	}
	return 0;
}

static const char *env_value(char **envp, const char *name)
{
	size_t len = strlen(name);

	for (; envp != NULL && *envp != NULL; envp++)
		if (strncmp(*envp, name, len) == 0 && (*envp)[len] == '=')
			return *envp + len + 1;
	return NULL;
}

static size_t count_words(const char *s)
{
	size_t n = 0;
	bool in_word = false;

	for (; s != NULL && *s; s++) {
		bool sep = strchr(" \t\n,", *s) != NULL;
		if (!sep && !in_word)
			n++;
		in_word = !sep;
	}
	return n;
}

static const struct opt *find_long(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < NOPTS; i++)
		if (strlen(opt_table[i].long_name) == len &&
		    strncmp(opt_table[i].long_name, name, len) == 0)
			return &opt_table[i];
	return NULL;
}

static const struct opt *find_short(char c)
{
	size_t i;

	for (i = 0; i < NOPTS; i++)
		if (opt_table[i].short_name == c)
			return &opt_table[i];
	return NULL;
}

static void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->backlog = -1;
	cfg->restart = RESTART_ON_FAILURE;
	cfg->backoff_max_ms = DEFAULT_BACKOFF_MAX_MS;
	cfg->restart_window_ms = DEFAULT_RESTART_WINDOW_MS;
	cfg->stop_timeout_ms = DEFAULT_STOP_TIMEOUT_MS;
	cfg->ready_timeout_ms = DEFAULT_READY_TIMEOUT_MS;
	cfg->stop_signal = SIGTERM;
	cfg->instances = 1;
}

/* The options after argv[0], up to the command. Returns the index of the
 * command, or -1 on error, or -2 / -3 for --help / --version. */
static int parse_argv(struct parser *ps, int argc, char **argv)
{
	struct config *cfg = ps->cfg;
	int i;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const struct opt *opt;
		const char *value = NULL;
		char label[64];

		if (strcmp(arg, "--") == 0)
			return i + 1;
		if (arg[0] != '-' || arg[1] == '\0')
			return i;	/* the command; options after it are the command's */
		if (arg[1] == '-') {
			const char *eq = strchr(arg + 2, '=');
			size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
			opt = find_long(arg + 2, len);
			if (opt == NULL)
				return fail(cfg, "unknown option '%.*s'", (int)(len + 2), arg);
			fmt(label, sizeof label, "--%s", opt->long_name);
			if (eq != NULL && !opt->takes_value)
				return fail(cfg, "option '%s' takes no value", label);
			if (eq != NULL)
				value = eq + 1;
		} else {
			/* Short options bundle: -qg, -p8080, -qp 8080. */
			const char *c;
			for (c = arg + 1; *c; c++) {
				opt = find_short(*c);
				if (opt == NULL)
					return fail(cfg, "unknown option '-%c'", *c);
				if (opt->takes_value)
					break;
				if (opt->id == OPT_HELP)
					return -2;
				if (opt->id == OPT_VERSION)
					return -3;
				fmt(label, sizeof label, "-%c", *c);
				if (apply(ps, opt, NULL, &(struct origin){ label, false }) < 0)
					return -1;
			}
			if (*c == '\0')
				continue;
			fmt(label, sizeof label, "-%c", *c);
			if (c[1] != '\0')
				value = c + 1;
		}
		if (opt->id == OPT_HELP)
			return -2;
		if (opt->id == OPT_VERSION)
			return -3;
		/* --probe's value is optional: the next word, if it is one of its two. */
		if (opt->id == OPT_PROBE && value == NULL)
			value = i + 1 < argc && (strcmp(argv[i + 1], "ready") == 0 ||
						 strcmp(argv[i + 1], "live") == 0) ? argv[++i] : "ready";
		if (opt->takes_value && value == NULL) {
			if (i + 1 >= argc)
				return fail(cfg, "option '%s' needs a value", label);
			value = argv[++i];
		}
		if (apply(ps, opt, value, &(struct origin){ label, false }) < 0)
			return -1;
	}
	return argc;
}

enum opts_result opts_parse(int argc, char **argv, char **envp, struct config *cfg)
{
	struct parser ps = { .cfg = cfg };
	const char *listen_env;
	size_t i;
	int cmd;

	config_defaults(cfg);
	listen_env = env_value(envp, "TINYHOLD_LISTEN");
	ps.specs_cap = (size_t)(argc > 0 ? argc : 0) + count_words(listen_env);
	cfg->specs = mem_alloc(ps.specs_cap ? ps.specs_cap : 1, sizeof *cfg->specs);
	if (cfg->specs == NULL) {
		fail(cfg, "out of memory");
		return OPTS_ERROR;
	}

	/* The command line first: --help works and -p wins whatever the environment holds. */
	cmd = parse_argv(&ps, argc, argv);
	if (cmd == -2)
		return OPTS_HELP;
	if (cmd == -3)
		return OPTS_VERSION;
	if (cmd < 0)
		return OPTS_ERROR;
	/* -q and -v set one thing: either on the command line hides both twins. */
	if (ps.on_cli[OPT_QUIET] || ps.on_cli[OPT_VERBOSE])
		ps.on_cli[OPT_QUIET] = ps.on_cli[OPT_VERBOSE] = true;
	for (i = 0; i < NOPTS; i++) {
		const struct opt *opt = &opt_table[i];
		const char *value = opt->env_name ? env_value(envp, opt->env_name) : NULL;
		if (value != NULL && !ps.on_cli[opt->id] &&
		    apply(&ps, opt, value, &(struct origin){ opt->env_name, true }) < 0)
			return OPTS_ERROR;
	}
	if (cfg->probe != NULL) {
		if (!cfg->status_on) {
			fail(cfg, "--probe needs --status ADDR or TINYHOLD_STATUS");
			return OPTS_ERROR;
		}
		return OPTS_PROBE;
	}
	if (cmd >= argc) {
		fail(cfg, "missing command: tinyhold [OPTIONS] [--] COMMAND [ARG...]");
		return OPTS_ERROR;
	}
	if (argv[cmd][0] == '\0') {
		fail(cfg, "empty command");
		return OPTS_ERROR;
	}
	/* Readiness, the watchdog, the fd store and reloads all speak over NOTIFY_SOCKET. */
	if (cfg->watchdog_ms > 0 || cfg->fdstore_max > 0 || cfg->reload_signal > 0)
		cfg->notify = true;
	cfg->argv = argv + cmd;
	return OPTS_RUN;
}
