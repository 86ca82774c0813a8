/* opts_test: the command line and its TINYHOLD_* twins -> struct config, or the
 * exact error line main() prints after "tinyhold: ". Each row is one argv and
 * one environment; the config is dumped as "key=value" words, and a row names
 * the words it expects, so a row shows only what the case is about. */
#include "mem.h"
#include "opts.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ARGS_MAX 16
#define ENV_MAX 8
#define DUMP_MAX 4096

struct opts_case {
	const char *about;
	char *argv[ARGS_MAX];	/* argv[0] is tinyhold's name; NULL-terminated */
	char *env[ENV_MAX];	/* NULL-terminated, as environ */
	enum opts_result result;
	/* OPTS_RUN: words that must all appear in dump(); OPTS_ERROR: cfg.error exactly. */
	const char *want;
};

static int passed, failed;
static bool case_failed;

__attribute__((format(printf, 2, 3)))
static void fail_case(const struct opts_case *c, const char *fmt, ...)
{
	va_list ap;

	case_failed = true;
	printf("FAIL %s: ", c->about);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

__attribute__((format(printf, 3, 4)))
static void append(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

static const char *restart_name(enum restart_policy p)
{
	switch (p) {
	case RESTART_ON_FAILURE:
		return "on-failure";
	case RESTART_ALWAYS:
		return "always";
	case RESTART_NEVER:
		return "never";
	}
	return "?";
}

/* Every field of the config as space-separated words; lists use ','. */
static void dump(const struct config *cfg, char *buf, size_t len)
{
	char where[512];
	size_t i;
	int code;
	const char *sep = "";

	buf[0] = '\0';
	append(buf, len, "backlog=%d restart=%s backoff_max=%lld max_restarts=%ld window=%lld"
	       " stop_timeout=%lld process_group=%d verbosity=%d user=%s", cfg->backlog,
	       restart_name(cfg->restart), (long long)cfg->backoff_max_ms, cfg->max_restarts,
	       (long long)cfg->restart_window_ms, (long long)cfg->stop_timeout_ms,
	       cfg->process_group, cfg->verbosity, cfg->user ? cfg->user : "(none)");
	append(buf, len, " notify=%d watchdog=%lld fdstore_max=%ld reload_signal=%d ready_timeout=%lld",
	       cfg->notify, (long long)cfg->watchdog_ms, cfg->fdstore_max, cfg->reload_signal,
	       (long long)cfg->ready_timeout_ms);
	append(buf, len, " instances=%d log_prefix=%d stop_signal=%d drain=%lld", cfg->instances,
	       cfg->log_prefix, cfg->stop_signal, (long long)cfg->drain_ms);
	if (cfg->status_on)
		spec_format(&cfg->status, where, sizeof where);
	append(buf, len, " status=%s probe=%s", cfg->status_on ? where : "(none)",
	       cfg->probe ? cfg->probe : "(none)");
	append(buf, len, " remap=");
	for (code = 0; code < REMAP_MAX; code++)
		if (cfg->remap[code]) {
			append(buf, len, "%s%d", sep, code);
			sep = ",";
		}
	append(buf, len, " specs=");
	for (i = 0; i < cfg->nspecs; i++) {
		spec_format(&cfg->specs[i], where, sizeof where);
		append(buf, len, "%s%s@%s", i ? "," : "", cfg->specs[i].name, where);
	}
	append(buf, len, " cmd=");
	for (i = 0; cfg->argv != NULL && cfg->argv[i] != NULL; i++)
		append(buf, len, "%s%s", i ? "," : "", cfg->argv[i]);
}

/* Is each word of want a whole word of have? */
static const char *missing_word(const char *want, const char *have)
{
	static char word[DUMP_MAX];
	char padded[DUMP_MAX + 2];

	snprintf(padded, sizeof padded, " %s ", have);
	while (*want) {
		size_t len = strcspn(want, " ");
		if (len > 0) {
			snprintf(word, sizeof word, " %.*s ", (int)len, want);
			if (strstr(padded, word) == NULL) {
				word[len + 1] = '\0';
				return word + 1;
			}
		}
		want += len;
		if (*want)
			want++;
	}
	return NULL;
}

static const char *result_name(enum opts_result r)
{
	static const char *const names[] = { "OPTS_RUN", "OPTS_HELP", "OPTS_VERSION", "OPTS_ERROR",
					     "OPTS_PROBE" };

	return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "?";
}

static void run_case(const struct opts_case *c)
{
	/* opts_parse() keeps pointers into argv, and the table is const: give it a copy. */
	char *argv[ARGS_MAX], *env[ENV_MAX];
	struct config cfg;
	char have[DUMP_MAX];
	const char *gone;
	int argc = 0;
	enum opts_result r;

	case_failed = false;
	while (c->argv[argc] != NULL)
		argc++;
	memcpy(argv, c->argv, sizeof argv);
	memcpy(env, c->env, sizeof env);

	r = opts_parse(argc, argv, env, &cfg);
	if (r != c->result) {
		fail_case(c, "result %s, want %s (error '%s')", result_name(r),
			  result_name(c->result), cfg.error);
	} else if (r == OPTS_ERROR && strcmp(cfg.error, c->want) != 0) {
		fail_case(c, "error '%s', want '%s'", cfg.error, c->want);
	} else if (r == OPTS_RUN || r == OPTS_PROBE) {
		dump(&cfg, have, sizeof have);
		gone = missing_word(c->want, have);
		if (gone != NULL)
			fail_case(c, "no '%s' in: %s", gone, have);
		if (r == OPTS_RUN && (cfg.argv < argv || cfg.argv >= argv + argc))
			fail_case(c, "cfg.argv does not point into the argv given");
	}
	mem_free(cfg.specs);	/* tinyhold never frees them; ASan's leak check would see it here */
	if (case_failed)
		failed++;
	else
		passed++;
}

/* Words for a default config; the command is ./app unless said otherwise. */
#define DEFAULTS "backlog=-1 restart=on-failure backoff_max=10000 max_restarts=0 " \
		 "window=60000 stop_timeout=10000 process_group=0 verbosity=0 user=(none) " \
		 "instances=1 status=(none) probe=(none) remap= specs="

#define TH "tinyhold"
#define RUN OPTS_RUN
#define ERR OPTS_ERROR
#define PROBE OPTS_PROBE

/* Built in main(): longer than a table literal should be. */
static char env_longest_spec[1024], env_overlong_word[1024];
static char longest_spec_words[1024];

static void build_long_values(void)
{
	char name[SPEC_NAME_MAX + 1] = { 0 }, abstract[SPEC_PATH_MAX + 1] = { 0 };

	memset(name, 'n', SPEC_NAME_MAX);
	abstract[0] = '@';
	memset(abstract + 1, 'a', SPEC_PATH_MAX - 1);
	/* The longest valid spec must fit opts.c's word buffer for TINYHOLD_LISTEN. */
	snprintf(env_longest_spec, sizeof env_longest_spec, "TINYHOLD_LISTEN=%s=unix:%s 80",
		 name, abstract);
	snprintf(longest_spec_words, sizeof longest_spec_words,
		 "specs=%s@unix:%s,unknown@[::]:80", name, abstract);
	memset(env_overlong_word, 'x', 500);
	memcpy(env_overlong_word, "TINYHOLD_LISTEN=", strlen("TINYHOLD_LISTEN="));
}

int main(void)
{
	build_long_values();

	const struct opts_case cases[] = {
		/* Defaults: what a bare "tinyhold ./app" runs with. */
		{ "defaults", { TH, "./app" }, { NULL }, RUN, DEFAULTS " cmd=./app" },
		{ "defaults with an unrelated environment", { TH, "./app" },
		  { "PATH=/bin", "HOME=/", NULL }, RUN, DEFAULTS " cmd=./app" },

		/* -p / --listen, every way of giving the value. */
		{ "-p 8080", { TH, "-p", "8080", "./app" }, { NULL }, RUN, "specs=unknown@[::]:8080" },
		{ "--listen 8080", { TH, "--listen", "8080", "./app" }, { NULL }, RUN,
		  "specs=unknown@[::]:8080" },
		{ "--listen=8080", { TH, "--listen=8080", "./app" }, { NULL }, RUN,
		  "specs=unknown@[::]:8080" },
		{ "-p8080", { TH, "-p8080", "./app" }, { NULL }, RUN, "specs=unknown@[::]:8080" },
		/* fds are handed out in the order given: the app relies on it. */
		{ "-p keeps the order", { TH, "-p", "web=8080", "-p", "udp:53", "-p", "unix:/run/x.sock",
		  "./app" }, { NULL }, RUN,
		  "specs=web@[::]:8080,unknown@udp:[::]:53,unknown@unix:/run/x.sock" },
		{ "--listen=NAME=SPEC keeps the second '='", { TH, "--listen=web=unix:/a=b", "./app" },
		  { NULL }, RUN, "specs=web@unix:/a=b" },
		{ "-p with a bad spec", { TH, "-p", "abc", "./app" }, { NULL }, ERR,
		  "bad -p spec 'abc': port is not a number" },
		{ "--listen with a bad spec", { TH, "--listen=99999", "./app" }, { NULL }, ERR,
		  "bad --listen spec '99999': port out of range (1-65535)" },
		{ "-p with an empty spec", { TH, "-p", "", "./app" }, { NULL }, ERR,
		  "bad -p spec '': empty spec" },
		{ "-p with a name holding ':'", { TH, "-p", "a:b=80", "./app" }, { NULL }, ERR,
		  "bad -p spec 'a:b=80': name cannot contain ':'" },
		{ "-p[::1:80 glued", { TH, "-p[::1:80", "./app" }, { NULL }, ERR,
		  "bad -p spec '[::1:80': missing ']'" },

		/* -b / --backlog: 1..1000000. */
		{ "-b 128", { TH, "-b", "128", "./app" }, { NULL }, RUN, "backlog=128" },
		{ "--backlog=1", { TH, "--backlog=1", "./app" }, { NULL }, RUN, "backlog=1" },
		{ "-b 1000000", { TH, "-b1000000", "./app" }, { NULL }, RUN, "backlog=1000000" },
		{ "-b 0", { TH, "-b", "0", "./app" }, { NULL }, ERR,
		  "bad -b '0': not a number from 1 to 1000000" },
		{ "--backlog 1000001", { TH, "--backlog", "1000001", "./app" }, { NULL }, ERR,
		  "bad --backlog '1000001': not a number from 1 to 1000000" },
		{ "-b -5", { TH, "-b", "-5", "./app" }, { NULL }, ERR,
		  "bad -b '-5': not a number from 1 to 1000000" },
		{ "-b 12x", { TH, "-b", "12x", "./app" }, { NULL }, ERR,
		  "bad -b '12x': not a number from 1 to 1000000" },

		/* -r / --restart. */
		{ "-r always", { TH, "-r", "always", "./app" }, { NULL }, RUN, "restart=always" },
		{ "--restart=never", { TH, "--restart=never", "./app" }, { NULL }, RUN, "restart=never" },
		{ "--restart on-failure", { TH, "--restart", "on-failure", "./app" }, { NULL }, RUN,
		  "restart=on-failure" },
		{ "-r bogus", { TH, "-r", "bogus", "./app" }, { NULL }, ERR,
		  "bad -r 'bogus': expected on-failure, always or never" },
		{ "-r is case-sensitive", { TH, "-r", "Always", "./app" }, { NULL }, ERR,
		  "bad -r 'Always': expected on-failure, always or never" },
		{ "--restart=", { TH, "--restart=", "./app" }, { NULL }, ERR,
		  "bad --restart '': expected on-failure, always or never" },

		/* Durations: seconds, at most millisecond precision. */
		{ "--backoff-max 0 turns the delay off", { TH, "--backoff-max", "0", "./app" }, { NULL },
		  RUN, "backoff_max=0" },
		{ "--backoff-max 0.5", { TH, "--backoff-max", "0.5", "./app" }, { NULL }, RUN,
		  "backoff_max=500" },
		{ "--backoff-max=2.250", { TH, "--backoff-max=2.250", "./app" }, { NULL }, RUN,
		  "backoff_max=2250" },
		{ "--restart-window 10", { TH, "--restart-window", "10", "./app" }, { NULL }, RUN,
		  "window=10000" },
		{ "--restart-window 0.001", { TH, "--restart-window", "0.001", "./app" }, { NULL }, RUN,
		  "window=1" },
		{ "-t 0.5", { TH, "-t", "0.5", "./app" }, { NULL }, RUN, "stop_timeout=500" },
		{ "-t0", { TH, "-t0", "./app" }, { NULL }, RUN, "stop_timeout=0" },
		{ "--stop-timeout=10", { TH, "--stop-timeout=10", "./app" }, { NULL }, RUN,
		  "stop_timeout=10000" },
		{ "-t 1000000 (the cap)", { TH, "-t", "1000000", "./app" }, { NULL }, RUN,
		  "stop_timeout=1000000000" },
		/* Issue 9: the decimals count toward the cap too. */
		{ "-t 1000000.001 (past the cap)", { TH, "-t", "1000000.001", "./app" }, { NULL }, ERR,
		  "bad -t '1000000.001': not a number of seconds" },
		{ "-t 999999.999", { TH, "-t", "999999.999", "./app" }, { NULL }, RUN,
		  "stop_timeout=999999999" },
		{ "-t 1.2345", { TH, "-t", "1.2345", "./app" }, { NULL }, ERR,
		  "bad -t '1.2345': not a number of seconds" },
		{ "-t -1", { TH, "-t", "-1", "./app" }, { NULL }, ERR,
		  "bad -t '-1': not a number of seconds" },
		{ "-t abc", { TH, "-t", "abc", "./app" }, { NULL }, ERR,
		  "bad -t 'abc': not a number of seconds" },
		{ "-t 1e3", { TH, "-t", "1e3", "./app" }, { NULL }, ERR,
		  "bad -t '1e3': not a number of seconds" },
		{ "-t 1.", { TH, "-t", "1.", "./app" }, { NULL }, ERR,
		  "bad -t '1.': not a number of seconds" },
		{ "-t .5", { TH, "-t", ".5", "./app" }, { NULL }, ERR,
		  "bad -t '.5': not a number of seconds" },
		{ "-t ''", { TH, "-t", "", "./app" }, { NULL }, ERR,
		  "bad -t '': not a number of seconds" },
		{ "-t 10s", { TH, "-t", "10s", "./app" }, { NULL }, ERR,
		  "bad -t '10s': not a number of seconds" },
		{ "-t past the cap", { TH, "-t", "1000001", "./app" }, { NULL }, ERR,
		  "bad -t '1000001': not a number of seconds" },
		/* Digits that would overflow int64 must be refused, not wrap around. */
		{ "-t 99999999999999999999999", { TH, "-t", "99999999999999999999999", "./app" },
		  { NULL }, ERR, "bad -t '99999999999999999999999': not a number of seconds" },
		{ "--backoff-max abc", { TH, "--backoff-max", "abc", "./app" }, { NULL }, ERR,
		  "bad --backoff-max 'abc': not a number of seconds" },
		{ "--restart-window 0", { TH, "--restart-window", "0", "./app" }, { NULL }, ERR,
		  "bad --restart-window '0': the window must be longer than 0" },

		/* --max-restarts: 0 (unlimited) .. 1000000. */
		{ "--max-restarts 5", { TH, "--max-restarts", "5", "./app" }, { NULL }, RUN,
		  "max_restarts=5" },
		{ "--max-restarts=0", { TH, "--max-restarts=0", "./app" }, { NULL }, RUN,
		  "max_restarts=0" },
		{ "--max-restarts -1", { TH, "--max-restarts", "-1", "./app" }, { NULL }, ERR,
		  "bad --max-restarts '-1': not a number from 0 to 1000000" },
		{ "--max-restarts 1000001", { TH, "--max-restarts=1000001", "./app" }, { NULL }, ERR,
		  "bad --max-restarts '1000001': not a number from 0 to 1000000" },

		/* -e / --remap-exit: 0..255, repeatable. */
		{ "-e 143", { TH, "-e", "143", "./app" }, { NULL }, RUN, "remap=143" },
		{ "-e twice", { TH, "-e", "143", "-e", "130", "./app" }, { NULL }, RUN, "remap=130,143" },
		{ "--remap-exit=0 and -e255", { TH, "--remap-exit=0", "-e255", "./app" }, { NULL }, RUN,
		  "remap=0,255" },
		{ "-e 256", { TH, "-e", "256", "./app" }, { NULL }, ERR,
		  "bad -e '256': not an exit status (0-255)" },
		{ "-e -1", { TH, "-e", "-1", "./app" }, { NULL }, ERR,
		  "bad -e '-1': not an exit status (0-255)" },
		/* Lists are for the environment; one -e is one code. */
		{ "-e 1,2", { TH, "-e", "1,2", "./app" }, { NULL }, ERR,
		  "bad -e '1,2': not an exit status (0-255)" },

		/* -g, -u, -q, -v. */
		{ "-g", { TH, "-g", "./app" }, { NULL }, RUN, "process_group=1" },
		{ "--process-group", { TH, "--process-group", "./app" }, { NULL }, RUN, "process_group=1" },
		{ "-u nobody", { TH, "-u", "nobody", "./app" }, { NULL }, RUN, "user=nobody" },
		{ "--user=1000:1000", { TH, "--user=1000:1000", "./app" }, { NULL }, RUN,
		  "user=1000:1000" },
		{ "-u ''", { TH, "-u", "", "./app" }, { NULL }, ERR,
		  "bad -u '': expected USER[:GROUP]" },
		{ "-u :staff", { TH, "-u", ":staff", "./app" }, { NULL }, ERR,
		  "bad -u ':staff': expected USER[:GROUP]" },
		/* -n / --instances: 1..1024, or auto (0 here; cpus.c counts at start). */
		{ "-n 4", { TH, "-n", "4", "./app" }, { NULL }, RUN, "instances=4" },
		{ "--instances=auto", { TH, "--instances=auto", "./app" }, { NULL }, RUN, "instances=0" },
		{ "-n1024", { TH, "-n1024", "./app" }, { NULL }, RUN, "instances=1024" },
		/* Issue 15: the relay's prefix, off by default. */
		{ "no --log-prefix", { TH, "-n", "2", "./app" }, { NULL }, RUN, "log_prefix=0" },
		{ "--log-prefix", { TH, "--log-prefix", "./app" }, { NULL }, RUN, "log_prefix=1" },
		{ "TINYHOLD_LOG_PREFIX=1", { TH, "./app" }, { "TINYHOLD_LOG_PREFIX=1", NULL }, RUN,
		  "log_prefix=1" },
		{ "TINYHOLD_LOG_PREFIX=no", { TH, "./app" }, { "TINYHOLD_LOG_PREFIX=no", NULL }, RUN,
		  "log_prefix=0" },
		{ "TINYHOLD_INSTANCES=3", { TH, "./app" }, { "TINYHOLD_INSTANCES=3", NULL }, RUN,
		  "instances=3" },
		{ "-n wins over TINYHOLD_INSTANCES", { TH, "-n", "2", "./app" },
		  { "TINYHOLD_INSTANCES=auto", NULL }, RUN, "instances=2" },
		{ "-n 0", { TH, "-n", "0", "./app" }, { NULL }, ERR,
		  "bad -n '0': expected a number from 1 to 1024, or auto" },
		{ "-n -1", { TH, "-n", "-1", "./app" }, { NULL }, ERR,
		  "bad -n '-1': expected a number from 1 to 1024, or auto" },
		{ "-n abc", { TH, "-n", "abc", "./app" }, { NULL }, ERR,
		  "bad -n 'abc': expected a number from 1 to 1024, or auto" },
		{ "-n 1025", { TH, "-n", "1025", "./app" }, { NULL }, ERR,
		  "bad -n '1025': expected a number from 1 to 1024, or auto" },
		{ "-n 99999999999999999999", { TH, "-n", "99999999999999999999", "./app" }, { NULL }, ERR,
		  "bad -n '99999999999999999999': expected a number from 1 to 1024, or auto" },
		{ "TINYHOLD_INSTANCES=AUTO", { TH, "./app" }, { "TINYHOLD_INSTANCES=AUTO", NULL }, ERR,
		  "bad TINYHOLD_INSTANCES 'AUTO': expected a number from 1 to 1024, or auto" },
		/* Issue 9: an empty GROUP is bad usage (2), not a setup error (125). */
		{ "-u nobody:", { TH, "-u", "nobody:", "./app" }, { NULL }, ERR,
		  "bad -u 'nobody:': expected USER[:GROUP]" },
		{ "-q", { TH, "-q", "./app" }, { NULL }, RUN, "verbosity=-1" },
		{ "--quiet", { TH, "--quiet", "./app" }, { NULL }, RUN, "verbosity=-1" },
		{ "-v", { TH, "-v", "./app" }, { NULL }, RUN, "verbosity=1" },
		{ "--verbose", { TH, "--verbose", "./app" }, { NULL }, RUN, "verbosity=1" },
		{ "-q then -v: the last wins", { TH, "-q", "-v", "./app" }, { NULL }, RUN, "verbosity=1" },
		{ "--quiet=1", { TH, "--quiet=1", "./app" }, { NULL }, ERR,
		  "option '--quiet' takes no value" },
		{ "--process-group=1", { TH, "--process-group=1", "./app" }, { NULL }, ERR,
		  "option '--process-group' takes no value" },

		/* Bundled short options. */
		{ "-qg", { TH, "-qg", "./app" }, { NULL }, RUN, "verbosity=-1 process_group=1" },
		{ "-qp 8080", { TH, "-qp", "8080", "./app" }, { NULL }, RUN,
		  "verbosity=-1 specs=unknown@[::]:8080" },
		{ "-gqp8080", { TH, "-gqp8080", "./app" }, { NULL }, RUN,
		  "process_group=1 verbosity=-1 specs=unknown@[::]:8080" },
		{ "-qx", { TH, "-qx", "./app" }, { NULL }, ERR, "unknown option '-x'" },
		{ "-qh is help", { TH, "-qh", "./app" }, { NULL }, OPTS_HELP, "" },
		{ "-gV is version", { TH, "-gV" }, { NULL }, OPTS_VERSION, "" },

		/* Options end at the first non-option: the rest is the app's. */
		{ "options after the command are the app's", { TH, "-p", "80", "./app", "-x" }, { NULL },
		  RUN, "specs=unknown@[::]:80 cmd=./app,-x" },
		{ "-p after the command is not ours", { TH, "./app", "-p", "80" }, { NULL }, RUN,
		  "specs= cmd=./app,-p,80" },
		{ "-h after the command is not ours", { TH, "./app", "-h" }, { NULL }, RUN,
		  "cmd=./app,-h" },
		{ "--", { TH, "--", "./app" }, { NULL }, RUN, "cmd=./app" },
		{ "-- before a command that starts with '-'", { TH, "-p", "80", "--", "-weird", "--flag" },
		  { NULL }, RUN, "specs=unknown@[::]:80 cmd=-weird,--flag" },
		{ "only the first -- is ours", { TH, "--", "--" }, { NULL }, RUN, "cmd=--" },
		{ "'-' alone is a command", { TH, "-", "x" }, { NULL }, RUN, "cmd=-,x" },

		/* -h / -V end parsing wherever they are among the options. */
		{ "-h", { TH, "-h" }, { NULL }, OPTS_HELP, "" },
		{ "--help", { TH, "--help" }, { NULL }, OPTS_HELP, "" },
		{ "-V", { TH, "-V" }, { NULL }, OPTS_VERSION, "" },
		{ "--version", { TH, "--version" }, { NULL }, OPTS_VERSION, "" },
		{ "-h after options, before the command", { TH, "-p", "80", "-h", "./app" }, { NULL },
		  OPTS_HELP, "" },
		{ "--help=1", { TH, "--help=1" }, { NULL }, ERR, "option '--help' takes no value" },

		/* Usage errors. */
		{ "unknown long option", { TH, "--bogus", "./app" }, { NULL }, ERR,
		  "unknown option '--bogus'" },
		{ "unknown long option with a value", { TH, "--bogus=1", "./app" }, { NULL }, ERR,
		  "unknown option '--bogus'" },
		{ "no abbreviations", { TH, "--list", "80", "./app" }, { NULL }, ERR,
		  "unknown option '--list'" },
		{ "long options are case-sensitive", { TH, "--LISTEN", "80", "./app" }, { NULL }, ERR,
		  "unknown option '--LISTEN'" },
		{ "---p", { TH, "---p", "80", "./app" }, { NULL }, ERR, "unknown option '---p'" },
		{ "unknown short option", { TH, "-x", "./app" }, { NULL }, ERR, "unknown option '-x'" },
		{ "-p without a value", { TH, "-p" }, { NULL }, ERR, "option '-p' needs a value" },
		{ "--listen without a value", { TH, "--listen" }, { NULL }, ERR,
		  "option '--listen' needs a value" },
		{ "-qp without a value", { TH, "-qp" }, { NULL }, ERR, "option '-p' needs a value" },
		{ "-e without a value", { TH, "-e" }, { NULL }, ERR, "option '-e' needs a value" },
		{ "--stop-timeout without a value", { TH, "--stop-timeout" }, { NULL }, ERR,
		  "option '--stop-timeout' needs a value" },
		{ "no command", { TH }, { NULL }, ERR,
		  "missing command: tinyhold [OPTIONS] [--] COMMAND [ARG...]" },
		{ "argc 0", { NULL }, { NULL }, ERR,
		  "missing command: tinyhold [OPTIONS] [--] COMMAND [ARG...]" },
		{ "options but no command", { TH, "-p", "80" }, { NULL }, ERR,
		  "missing command: tinyhold [OPTIONS] [--] COMMAND [ARG...]" },
		{ "nothing after --", { TH, "-p", "80", "--" }, { NULL }, ERR,
		  "missing command: tinyhold [OPTIONS] [--] COMMAND [ARG...]" },
		{ "empty command", { TH, "" }, { NULL }, ERR, "empty command" },
		{ "empty command after --", { TH, "--", "" }, { NULL }, ERR, "empty command" },
		/* The first error wins: nothing after it is looked at. */
		{ "first error wins", { TH, "-r", "bad", "--bogus", "./app" }, { NULL }, ERR,
		  "bad -r 'bad': expected on-failure, always or never" },

		/* The environment twins. */
		{ "TINYHOLD_LISTEN, blank-separated", { TH, "./app" },
		  { "TINYHOLD_LISTEN=web=8080 udp:53", NULL }, RUN,
		  "specs=web@[::]:8080,unknown@udp:[::]:53" },
		{ "TINYHOLD_LISTEN, comma-separated", { TH, "./app" },
		  { "TINYHOLD_LISTEN=a=1,b=2", NULL }, RUN, "specs=a@[::]:1,b@[::]:2" },
		{ "TINYHOLD_LISTEN, messy separators", { TH, "./app" },
		  { "TINYHOLD_LISTEN= \tweb=8080,,\n udp:53 ", NULL }, RUN,
		  "specs=web@[::]:8080,unknown@udp:[::]:53" },
		{ "TINYHOLD_LISTEN empty", { TH, "./app" }, { "TINYHOLD_LISTEN=", NULL }, RUN, "specs=" },
		{ "TINYHOLD_LISTEN with the longest valid spec", { TH, "./app" },
		  { env_longest_spec, NULL }, RUN, longest_spec_words },
		{ "TINYHOLD_LISTEN with a bad spec", { TH, "./app" },
		  { "TINYHOLD_LISTEN=web=8080 abc", NULL }, ERR,
		  "bad TINYHOLD_LISTEN spec 'abc': port is not a number" },
		{ "TINYHOLD_LISTEN with an overlong word", { TH, "./app" }, { env_overlong_word, NULL },
		  ERR, "bad TINYHOLD_LISTEN value: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' is too long" },
		{ "-p replaces every TINYHOLD_LISTEN spec", { TH, "-p", "9090", "./app" },
		  { "TINYHOLD_LISTEN=web=8080 udp:53", NULL }, RUN, "specs=unknown@[::]:9090" },
		/* Issue 6: readiness, watchdog, fd store, reload. The three imply --notify. */
		{ "sd_notify defaults", { TH, "./app" }, { NULL }, RUN,
		  "notify=0 watchdog=0 fdstore_max=0 reload_signal=0 ready_timeout=30000" },
		{ "--notify", { TH, "--notify", "./app" }, { NULL }, RUN, "notify=1" },
		{ "--watchdog implies --notify", { TH, "--watchdog", "2.5", "./app" }, { NULL }, RUN,
		  "notify=1 watchdog=2500" },
		{ "--watchdog 0 is off", { TH, "--watchdog", "0", "./app" }, { NULL }, RUN,
		  "notify=0 watchdog=0" },
		{ "--fdstore-max implies --notify", { TH, "--fdstore-max", "16", "./app" }, { NULL },
		  RUN, "notify=1 fdstore_max=16" },
		{ "--fdstore-max too large", { TH, "--fdstore-max", "4097", "./app" }, { NULL }, ERR,
		  "bad --fdstore-max '4097': not a number from 0 to 4096" },
		{ "--reload-signal HUP", { TH, "--reload-signal", "HUP", "./app" }, { NULL }, RUN,
		  "notify=1 reload_signal=1" },
		{ "--reload-signal=SIGUSR2", { TH, "--reload-signal=SIGUSR2", "./app" }, { NULL }, RUN,
		  "reload_signal=12" },
		{ "--reload-signal RTMIN+1", { TH, "--reload-signal", "RTMIN+1", "./app" }, { NULL },
		  RUN, "reload_signal=35" },
		{ "--reload-signal TERM is a stop signal", { TH, "--reload-signal", "TERM", "./app" },
		  { NULL }, ERR, "bad --reload-signal 'TERM': not a signal tinyhold can use for reloads" },
		{ "--reload-signal KILL", { TH, "--reload-signal", "KILL", "./app" }, { NULL }, ERR,
		  "bad --reload-signal 'KILL': not a signal tinyhold can use for reloads" },
		{ "--reload-signal nonsense", { TH, "--reload-signal", "FOO", "./app" }, { NULL }, ERR,
		  "bad --reload-signal 'FOO': not a signal tinyhold can use for reloads" },
		/* Issue 16: the stop signal and the drain. */
		{ "stop defaults", { TH, "./app" }, { NULL }, RUN, "stop_signal=15 drain=0" },
		{ "--stop-signal QUIT", { TH, "--stop-signal", "QUIT", "./app" }, { NULL }, RUN,
		  "stop_signal=3" },
		{ "--stop-signal=SIGINT", { TH, "--stop-signal=SIGINT", "./app" }, { NULL }, RUN,
		  "stop_signal=2" },
		{ "TINYHOLD_STOP_SIGNAL=USR1", { TH, "./app" }, { "TINYHOLD_STOP_SIGNAL=USR1", NULL }, RUN,
		  "stop_signal=10" },
		{ "--stop-signal KILL", { TH, "--stop-signal", "KILL", "./app" }, { NULL }, RUN,
		  "stop_signal=9" },
		{ "--stop-signal CHLD ends nothing", { TH, "--stop-signal", "CHLD", "./app" }, { NULL },
		  ERR, "bad --stop-signal 'CHLD': not a signal that ends a process" },
		{ "--stop-signal STOP only pauses", { TH, "--stop-signal", "STOP", "./app" }, { NULL },
		  ERR, "bad --stop-signal 'STOP': not a signal that ends a process" },
		{ "--stop-signal 0", { TH, "--stop-signal", "0", "./app" }, { NULL }, ERR,
		  "bad --stop-signal '0': not a signal that ends a process" },
		{ "--drain 2.5", { TH, "--drain", "2.5", "./app" }, { NULL }, RUN, "drain=2500" },
		{ "TINYHOLD_DRAIN=5", { TH, "./app" }, { "TINYHOLD_DRAIN=5", NULL }, RUN, "drain=5000" },
		{ "--drain nonsense", { TH, "--drain", "soon", "./app" }, { NULL }, ERR,
		  "bad --drain 'soon': not a number of seconds" },
		{ "--ready-timeout", { TH, "--ready-timeout", "5", "./app" }, { NULL }, RUN,
		  "ready_timeout=5000" },
		{ "--ready-timeout 0", { TH, "--ready-timeout", "0", "./app" }, { NULL }, ERR,
		  "bad --ready-timeout '0': must be longer than 0" },
		{ "TINYHOLD_WATCHDOG and TINYHOLD_RELOAD_SIGNAL", { TH, "./app" },
		  { "TINYHOLD_WATCHDOG=1", "TINYHOLD_RELOAD_SIGNAL=USR1", "TINYHOLD_FDSTORE_MAX=3", NULL },
		  RUN, "notify=1 watchdog=1000 reload_signal=10 fdstore_max=3" },
		{ "TINYHOLD_NOTIFY=1", { TH, "./app" }, { "TINYHOLD_NOTIFY=1", NULL }, RUN, "notify=1" },
		/* The command line is read first: a broken environment cannot block it. */
		{ "-p wins over a malformed TINYHOLD_LISTEN", { TH, "-p", "9090", "./app" },
		  { "TINYHOLD_LISTEN=abc", NULL }, RUN, "specs=unknown@[::]:9090" },
		{ "--help works with a malformed TINYHOLD_RESTART", { TH, "--help" },
		  { "TINYHOLD_RESTART=sometimes", NULL }, OPTS_HELP, "" },
		{ "a second -p adds to the first", { TH, "-p", "1", "-p", "2", "./app" },
		  { "TINYHOLD_LISTEN=web=8080 udp:53", NULL }, RUN, "specs=unknown@[::]:1,unknown@[::]:2" },
		{ "TINYHOLD_RESTART=always", { TH, "./app" }, { "TINYHOLD_RESTART=always", NULL }, RUN,
		  "restart=always" },
		{ "-r wins over TINYHOLD_RESTART", { TH, "-r", "never", "./app" },
		  { "TINYHOLD_RESTART=always", NULL }, RUN, "restart=never" },
		{ "TINYHOLD_RESTART=bogus", { TH, "./app" }, { "TINYHOLD_RESTART=bogus", NULL }, ERR,
		  "bad TINYHOLD_RESTART 'bogus': expected on-failure, always or never" },
		{ "TINYHOLD_REMAP_EXIT=143,130", { TH, "./app" }, { "TINYHOLD_REMAP_EXIT=143,130", NULL },
		  RUN, "remap=130,143" },
		{ "TINYHOLD_REMAP_EXIT blank-separated", { TH, "./app" },
		  { "TINYHOLD_REMAP_EXIT=143 130", NULL }, RUN, "remap=130,143" },
		{ "-e replaces TINYHOLD_REMAP_EXIT", { TH, "-e", "1", "./app" },
		  { "TINYHOLD_REMAP_EXIT=143,130", NULL }, RUN, "remap=1" },
		{ "-e twice replaces TINYHOLD_REMAP_EXIT once", { TH, "-e", "143", "-e", "1", "./app" },
		  { "TINYHOLD_REMAP_EXIT=130", NULL }, RUN, "remap=1,143" },
		{ "TINYHOLD_REMAP_EXIT=143,300", { TH, "./app" }, { "TINYHOLD_REMAP_EXIT=143,300", NULL },
		  ERR, "bad TINYHOLD_REMAP_EXIT '300': not an exit status (0-255)" },
		{ "TINYHOLD_PROCESS_GROUP=1", { TH, "./app" }, { "TINYHOLD_PROCESS_GROUP=1", NULL }, RUN,
		  "process_group=1" },
		{ "TINYHOLD_PROCESS_GROUP=yes", { TH, "./app" }, { "TINYHOLD_PROCESS_GROUP=yes", NULL },
		  RUN, "process_group=1" },
		{ "TINYHOLD_PROCESS_GROUP=0", { TH, "./app" }, { "TINYHOLD_PROCESS_GROUP=0", NULL }, RUN,
		  "process_group=0" },
		{ "TINYHOLD_PROCESS_GROUP empty is off", { TH, "./app" },
		  { "TINYHOLD_PROCESS_GROUP=", NULL }, RUN, "process_group=0" },
		{ "TINYHOLD_PROCESS_GROUP=maybe", { TH, "./app" }, { "TINYHOLD_PROCESS_GROUP=maybe", NULL },
		  ERR, "bad TINYHOLD_PROCESS_GROUP 'maybe': expected 1 or 0" },
		{ "TINYHOLD_QUIET=true", { TH, "./app" }, { "TINYHOLD_QUIET=true", NULL }, RUN,
		  "verbosity=-1" },
		{ "TINYHOLD_QUIET=false", { TH, "./app" }, { "TINYHOLD_QUIET=false", NULL }, RUN,
		  "verbosity=0" },
		{ "TINYHOLD_VERBOSE=on", { TH, "./app" }, { "TINYHOLD_VERBOSE=on", NULL }, RUN,
		  "verbosity=1" },
		{ "-v wins over TINYHOLD_QUIET", { TH, "-v", "./app" }, { "TINYHOLD_QUIET=1", NULL }, RUN,
		  "verbosity=1" },
		{ "the other twins", { TH, "./app" },
		  { "TINYHOLD_BACKLOG=64", "TINYHOLD_BACKOFF_MAX=0.5", "TINYHOLD_MAX_RESTARTS=3",
		    "TINYHOLD_RESTART_WINDOW=30", "TINYHOLD_STOP_TIMEOUT=2.5", "TINYHOLD_USER=nobody",
		    NULL }, RUN,
		  "backlog=64 backoff_max=500 max_restarts=3 window=30000 stop_timeout=2500 user=nobody" },
		{ "-b wins over TINYHOLD_BACKLOG", { TH, "-b", "128", "./app" },
		  { "TINYHOLD_BACKLOG=64", NULL }, RUN, "backlog=128" },
		{ "TINYHOLD_STOP_TIMEOUT=abc", { TH, "./app" }, { "TINYHOLD_STOP_TIMEOUT=abc", NULL }, ERR,
		  "bad TINYHOLD_STOP_TIMEOUT 'abc': not a number of seconds" },
		/* TINYHOLD_RESTART is a prefix of TINYHOLD_RESTART_WINDOW: must not match it. */
		{ "TINYHOLD_RESTART_WINDOW alone", { TH, "./app" }, { "TINYHOLD_RESTART_WINDOW=5", NULL },
		  RUN, "restart=on-failure window=5000" },
		/* --status and --probe (issue 16). */
		{ "--status 9090", { TH, "--status", "9090", "./app" }, { NULL }, RUN,
		  "status=[::]:9090 probe=(none) specs=" },
		{ "--status=unix:/run/th.sock", { TH, "--status=unix:/run/th.sock", "./app" }, { NULL },
		  RUN, "status=unix:/run/th.sock" },
		{ "TINYHOLD_STATUS=127.0.0.1:9090", { TH, "./app" },
		  { "TINYHOLD_STATUS=127.0.0.1:9090", NULL }, RUN, "status=127.0.0.1:9090" },
		{ "--status wins over TINYHOLD_STATUS", { TH, "--status", "9091", "./app" },
		  { "TINYHOLD_STATUS=abc", NULL }, RUN, "status=[::]:9091" },
		{ "--status with a bad address", { TH, "--status", "99999", "./app" }, { NULL }, ERR,
		  "bad --status '99999': port out of range (1-65535)" },
		{ "TINYHOLD_STATUS with a bad address", { TH, "./app" }, { "TINYHOLD_STATUS=[::1", NULL },
		  ERR, "bad TINYHOLD_STATUS '[::1': missing ']'" },
		{ "--status on udp", { TH, "--status", "udp:9090", "./app" }, { NULL }, ERR,
		  "bad --status 'udp:9090': HTTP needs a stream socket" },
		{ "--status after the command is the command's", { TH, "./app", "--status" }, { NULL }, RUN, "cmd=./app,--status" },
		{ "--status without its value", { TH, "--status" }, { NULL }, ERR,
		  "option '--status' needs a value" },
		{ "--probe alone asks /ready of TINYHOLD_STATUS", { TH, "--probe" },
		  { "TINYHOLD_STATUS=9090", NULL }, PROBE, "status=[::]:9090 probe=ready" },
		{ "--probe live", { TH, "--probe", "live" }, { "TINYHOLD_STATUS=9090", NULL }, PROBE,
		  "probe=live" },
		{ "--probe=ready --status", { TH, "--probe=ready", "--status", "unix:@th" }, { NULL }, PROBE,
		  "status=unix:@th probe=ready" },
		{ "--probe then a command: the probe", { TH, "--probe", "--status", "1", "./app" }, { NULL },
		  PROBE, "probe=ready" },
		{ "--probe with a bad value", { TH, "--probe=maybe" }, { "TINYHOLD_STATUS=9090", NULL }, ERR,
		  "bad --probe 'maybe': expected ready or live" },
		{ "--probe without an address", { TH, "--probe" }, { NULL }, ERR,
		  "--probe needs --status ADDR or TINYHOLD_STATUS" },
		{ "--probe with a malformed TINYHOLD_LISTEN", { TH, "--probe" },
		  { "TINYHOLD_STATUS=9090", "TINYHOLD_LISTEN=abc", NULL }, ERR,
		  "bad TINYHOLD_LISTEN spec 'abc': port is not a number" },
		{ "near-miss names are ignored", { TH, "./app" },
		  { "TINYHOLD_LISTENX=80", "TINYHOLD_LISTEN", "tinyhold_listen=80", "TINYHOLD_HELP=1",
		    NULL }, RUN, DEFAULTS " cmd=./app" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		run_case(&cases[i]);

	printf("%d passed, %d failed\n", passed, failed);
	return failed > 0;
}
