/* cpus: how many CPUs this process may really use, for -n auto: the smaller of
 * its affinity mask and the CPU quota of its cgroup and of every ancestor that
 * is visible (cgroup v2 cpu.max, v1 cpu.cfs_quota_us / cpu.cfs_period_us),
 * rounded up, at least 1. The parsers are pure and unit-tested; only
 * cpus_detect() reads /proc and /sys. It never logs. */
#ifndef TINYHOLD_CPUS_H
#define TINYHOLD_CPUS_H

#include <stdbool.h>
#include <stddef.h>

struct cpus {
	int n;			/* the answer, >= 1 */
	int affinity;		/* CPUs in the affinity mask; 0 if unknown */
	long quota_milli;	/* the tightest cgroup quota in 1/1000 CPU; -1: none */
};

void cpus_detect(struct cpus *out);

/* "0::/a/b" or "4:cpu,cpuacct:/a/b" of /proc/self/cgroup: the controllers
 * (empty for v2) and the path. Modifies line. */
bool cpus_parse_cgroup_line(char *line, const char **controllers, const char **path);

/* A /proc/self/mountinfo line: the mount's root, its mount point, the file
 * system type and the super options. Modifies line. */
bool cpus_parse_mountinfo(char *line, const char **root, const char **mount_point,
			  const char **fstype, const char **super_opts);

/* cgroup v2 cpu.max ("max 100000", "350000 100000\n"): the quota in 1/1000
 * CPU, -1 for none or for what does not parse. */
long cpus_quota_v2(const char *cpu_max);

/* cgroup v1: cpu.cfs_quota_us ("-1": none) and cpu.cfs_period_us. */
long cpus_quota_v1(const char *quota_us, const char *period_us);

/* The instances for CPUs: affinity and a quota in 1/1000 CPU (-1: none),
 * the quota rounded up; at least 1. */
int cpus_count(int affinity, long quota_milli);

#endif
