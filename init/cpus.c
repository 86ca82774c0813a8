/* cpus: what pm2's -i max gets wrong (it counts the host's CPUs, pm2 #4347):
 * a container limited to 1.5 CPUs on a 64-core host should run 2 instances,
 * not 64. The cgroup files are found through mountinfo, so a cgroup namespace
 * and a hybrid v1/v2 layout both work; ancestors above the mount's root are
 * not visible and not needed (the kernel enforces them on what we can see). */
#include "cpus.h"
#include "fmt.h"
#include "io.h"
#include "num.h"
#include "words.h"

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CPUS_FILE_MAX 65536	/* mountinfo of a busy host; what is past it is not read */
#define CPUS_PATH_MAX 512
#define QUOTA_NUM_MAX ULONG_MAX	/* what a quota or period in microseconds may be here */

static char *next_field(char **p, char sep)
{
	char *start = *p, *end;

	if (start == NULL)
		return NULL;
	end = strchr(start, sep);
	if (end != NULL) {
		*end = '\0';
		*p = end + 1;
	} else {
		*p = NULL;
	}
	return start;
}

bool cpus_parse_cgroup_line(char *line, const char **controllers, const char **path)
{
	char *p = line, *id, *ctl, *rest;
	unsigned long v;

	line[strcspn(line, "\n")] = '\0';
	id = next_field(&p, ':');
	ctl = next_field(&p, ':');
	rest = p;	/* the path may hold ':' */
	if (id == NULL || ctl == NULL || rest == NULL || rest[0] != '/' ||
	    num_parse(id, INT_MAX, &v) != NUM_OK)
		return false;
	*controllers = ctl;
	*path = rest;
	return true;
}

bool cpus_parse_mountinfo(char *line, const char **root, const char **mount_point,
			  const char **fstype, const char **super_opts)
{
	char *p = line, *f[5], *sep;
	size_t i;

	line[strcspn(line, "\n")] = '\0';
	/* id parent major:minor root mount-point options [optional...] - fstype source super */
	for (i = 0; i < 5; i++)
		if ((f[i] = next_field(&p, ' ')) == NULL)
			return false;
	for (sep = p; sep != NULL && (sep = strchr(sep, ' ')) != NULL; sep++)
		if (strncmp(sep, " - ", 3) == 0)
			break;	/* not strstr(): musl's is 1.3 KB for this one look */
	if (p != NULL && strncmp(p, "- ", 2) == 0)
		sep = p - 1;
	if (sep == NULL)
		return false;
	p = sep + 3;
	*fstype = next_field(&p, ' ');
	(void)next_field(&p, ' ');	/* source */
	*super_opts = p;
	*root = f[3];
	*mount_point = f[4];
	return *fstype != NULL && *super_opts != NULL;
}

/* A number up to the first blank or newline. */
static bool parse_word(const char *s, size_t len, unsigned long *out)
{
	return num_parse_n(s, len, QUOTA_NUM_MAX, out) == NUM_OK;
}

static long milli(unsigned long quota, unsigned long period)
{
	unsigned long long m;

	if (period == 0)
		return -1;
	/* In 64 bits on every architecture: a 32-bit quota * 1000 would wrap. */
	m = ((unsigned long long)quota * 1000 + period - 1) / period;	/* a part of a thousandth counts */
	return m > LONG_MAX ? LONG_MAX : (long)m;
}

long cpus_quota_v2(const char *cpu_max)
{
	size_t a = strcspn(cpu_max, " \n");
	unsigned long quota, period;
	const char *p;

	if (strncmp(cpu_max, "max", 3) == 0 && a == 3)
		return -1;
	if (!parse_word(cpu_max, a, &quota) || cpu_max[a] != ' ')
		return -1;
	p = cpu_max + a + 1;
	if (!parse_word(p, strcspn(p, " \n"), &period))
		return -1;
	return milli(quota, period);
}

long cpus_quota_v1(const char *quota_us, const char *period_us)
{
	unsigned long quota, period;

	if (!parse_word(quota_us, strcspn(quota_us, "\n"), &quota) ||
	    !parse_word(period_us, strcspn(period_us, "\n"), &period))
		return -1;	/* "-1" is no quota, and does not parse as one */
	return milli(quota, period);
}

int cpus_count(int affinity, long quota_milli)
{
	long n = affinity > 0 ? affinity : 1;

	if (quota_milli > 0 && (quota_milli + 999) / 1000 < n)
		n = (quota_milli + 999) / 1000;
	return n < 1 ? 1 : (int)n;
}

/* ---- reading /proc and /sys --------------------------------------------------- */

/* The quota of dir and of its ancestors down to mount_point. */
static long quota_upwards(char *dir, size_t mount_len, bool v2)
{
	char a[64], b[64], path[CPUS_PATH_MAX + 32];
	long best = -1;

	for (;;) {
		if (v2) {
			fmt(path, sizeof path, "%s/cpu.max", dir);
			if (io_read_file(path, a, sizeof a) > 0)
				best = num_min_set(best, cpus_quota_v2(a));
		} else {
			fmt(path, sizeof path, "%s/cpu.cfs_quota_us", dir);
			if (io_read_file(path, a, sizeof a) > 0) {
				fmt(path, sizeof path, "%s/cpu.cfs_period_us", dir);
				if (io_read_file(path, b, sizeof b) > 0)
					best = num_min_set(best, cpus_quota_v1(a, b));
			}
		}
		if (strlen(dir) <= mount_len)
			return best;
		*strrchr(dir, '/') = '\0';
	}
}

/* Our cgroup's directory under a mount of the right kind, or false. */
static bool cgroup_dir(const char *root, const char *mount_point, const char *path, char *dir,
		       size_t len)
{
	size_t rlen = strcmp(root, "/") == 0 ? 0 : strlen(root);

	if (strncmp(path, root, rlen) != 0 || (path[rlen] != '/' && path[rlen] != '\0'))
		return false;	/* outside what this mount shows */
	if (strcmp(path + rlen, "/") == 0)
		return (size_t)fmt(dir, len, "%s", mount_point) < len;
	return (size_t)fmt(dir, len, "%s%s", mount_point, path + rlen) < len;
}

static long cgroup_quota(void)
{
	static char mounts[CPUS_FILE_MAX], groups[CPUS_FILE_MAX / 4];
	char *mline, *mnext = mounts;
	long best = -1;

	if (io_read_file("/proc/self/mountinfo", mounts, sizeof mounts) <= 0)
		return -1;
	while ((mline = next_field(&mnext, '\n')) != NULL) {
		const char *root, *mp, *fstype, *opts;
		char *gline, *gnext = groups;
		bool v2;

		if (!cpus_parse_mountinfo(mline, &root, &mp, &fstype, &opts))
			continue;
		v2 = strcmp(fstype, "cgroup2") == 0;
		if (!v2 && !(strcmp(fstype, "cgroup") == 0 && words_has(opts, "cpu")))
			continue;
		if (io_read_file("/proc/self/cgroup", groups, sizeof groups) <= 0)
			return best;
		while ((gline = next_field(&gnext, '\n')) != NULL) {
			const char *ctl, *path;
			char dir[CPUS_PATH_MAX];

			if (!cpus_parse_cgroup_line(gline, &ctl, &path))
				continue;
			if (v2 ? ctl[0] != '\0' : !words_has(ctl, "cpu"))
				continue;
			if (cgroup_dir(root, mp, path, dir, sizeof dir))
				best = num_min_set(best, quota_upwards(dir, strlen(mp), v2));
		}
	}
	return best;
}

void cpus_detect(struct cpus *out)
{
	cpu_set_t set;

	out->affinity = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 0;
	out->quota_milli = cgroup_quota();
	out->n = cpus_count(out->affinity, out->quota_milli);
}
