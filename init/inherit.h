/* inherit: LISTEN_FDS / LISTEN_PID / LISTEN_FDNAMES given to tinyhold itself
 * (systemd-socket-activate, or podman under a .socket unit). Pure: it reads
 * strings, the caller adopts the fds. */
#ifndef TINYHOLD_INHERIT_H
#define TINYHOLD_INHERIT_H

#include <stddef.h>
#include <sys/types.h>

#define INHERIT_FDS_MAX 1024	/* more than any socket unit passes */

/* How many fds from 3 are ours: 0 when LISTEN_PID names someone else (then
 * they are not ours to touch), or -1 with *why when the values are malformed.
 * LISTEN_PID may be our pid, or 1: podman passes 1 into a container. */
int inherit_count(const char *listen_fds, const char *listen_pid, pid_t self, const char **why);

/* The i-th name of LISTEN_FDNAMES (':'-separated) into out, or "unknown"
 * when there is none or it is not a valid name. */
void inherit_name(const char *listen_fdnames, size_t i, char *out, size_t out_len);

#endif
