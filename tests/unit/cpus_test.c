/* cpus_test: the parsers behind -n auto, by tables: /proc/self/cgroup and
 * mountinfo lines, cgroup v2 cpu.max and v1 quota/period, and the rounding. */
#include "cpus.h"
#include "check.h"
#include "words.h"

#include <string.h>

static void test_quota(void)
{
	static const struct { const char *max; long want; } v2[] = {
		{ "max 100000\n", -1 },
		{ "350000 100000\n", 3500 },
		{ "150000 100000", 1500 },
		{ "50000 100000\n", 500 },
		{ "1 100000\n", 1 },	/* a part of a thousandth counts */
		{ "100000 0\n", -1 },
		{ "", -1 },
		{ "abc 100000", -1 },
		{ "-5 100000", -1 },
		{ "100000\n", -1 },
	};
	static const struct { const char *q, *p; long want; } v1[] = {
		{ "-1\n", "100000\n", -1 },
		{ "250000\n", "100000\n", 2500 },
		{ "50000", "100000", 500 },
		{ "50000", "0", -1 },
		{ "x", "100000", -1 },
	};
	size_t i;

	for (i = 0; i < sizeof v2 / sizeof v2[0]; i++)
		check(cpus_quota_v2(v2[i].max) == v2[i].want, "v2 '%s' -> %ld, want %ld", v2[i].max,
		      cpus_quota_v2(v2[i].max), v2[i].want);
	for (i = 0; i < sizeof v1 / sizeof v1[0]; i++)
		check(cpus_quota_v1(v1[i].q, v1[i].p) == v1[i].want, "v1 %s/%s -> %ld", v1[i].q,
		      v1[i].p, cpus_quota_v1(v1[i].q, v1[i].p));
}

static void test_count(void)
{
	static const struct { int affinity; long quota; int want; } rows[] = {
		{ 4, -1, 4 }, { 4, 3500, 4 }, { 64, 1500, 2 }, { 2, 500, 1 }, { 8, 2000, 2 },
		{ 8, 2001, 3 }, { 1, 8000, 1 }, { 0, -1, 1 }, { 0, 3000, 1 }, { 16, 0, 16 },
	};
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		check(cpus_count(rows[i].affinity, rows[i].quota) == rows[i].want,
		      "count(%d, %ld) = %d, want %d", rows[i].affinity, rows[i].quota,
		      cpus_count(rows[i].affinity, rows[i].quota), rows[i].want);
}

static void test_lines(void)
{
	char a[] = "0::/user.slice/app\n", b[] = "4:cpu,cpuacct:/docker/abc", c[] = "bad line",
	     d[] = "3:name=systemd:/a:b";
	char m1[] = "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
	char m2[] = "32 31 0:29 /docker/abc /sys/fs/cgroup/cpu rw,relatime master:7 - cgroup cgroup rw,cpu,cpuacct";
	char m3[] = "1 2 3 4";
	const char *ctl, *path, *root, *mp, *fs, *opts;

	check(cpus_parse_cgroup_line(a, &ctl, &path) && ctl[0] == '\0' &&
	      strcmp(path, "/user.slice/app") == 0, "a v2 line");
	check(cpus_parse_cgroup_line(b, &ctl, &path) && strcmp(ctl, "cpu,cpuacct") == 0 &&
	      strcmp(path, "/docker/abc") == 0, "a v1 line");
	check(!cpus_parse_cgroup_line(c, &ctl, &path), "a bad line");
	check(cpus_parse_cgroup_line(d, &ctl, &path) && strcmp(path, "/a:b") == 0,
	      "a ':' in the path");
	check(cpus_parse_mountinfo(m1, &root, &mp, &fs, &opts) && strcmp(root, "/") == 0 &&
	      strcmp(mp, "/sys/fs/cgroup/unified") == 0 && strcmp(fs, "cgroup2") == 0 &&
	      strcmp(opts, "rw") == 0, "a cgroup2 mount");
	check(cpus_parse_mountinfo(m2, &root, &mp, &fs, &opts) && strcmp(root, "/docker/abc") == 0 &&
	      strcmp(fs, "cgroup") == 0 && words_has(opts, "cpu") &&
	      !words_has(opts, "cpuset"), "a v1 cpu mount with an optional field");
	check(!cpus_parse_mountinfo(m3, &root, &mp, &fs, &opts), "a short mountinfo line");
	check(words_has("rw,cpu,cpuacct", "cpuacct") && !words_has("rw,cpuacct", "cpu") &&
	      !words_has("", "cpu"), "words of a list");
}

int main(void)
{
	struct cpus c;

	test_quota();
	test_count();
	test_lines();
	cpus_detect(&c);
	check(c.n >= 1 && c.affinity >= 1, "this machine: %d (affinity %d, quota %ld)", c.n,
	      c.affinity, c.quota_milli);
	return check_summary();
}
