/* pgroup: is anything of the app's process group still alive? Asked while a
 * crashed app's leftovers are being killed, before the next start, and only
 * when something happened: a reap, our SIGKILL, a watched member's end. */
#ifndef TINYHOLD_PGROUP_H
#define TINYHOLD_PGROUP_H

#include <stdbool.h>
#include <sys/types.h>

/* True while a member of pgid runs, or is a zombie that we will reap.
 * A zombie whose parent is not us (it left the group with setsid and never
 * waits) is dead and will never send us SIGCHLD: it does not count. */
bool pgroup_alive(pid_t pgid);

/* The same; when it is alive, *stray is a live member whose parent is not
 * tinyhold (its end sends us no SIGCHLD: watch it with a pidfd), or 0. */
bool pgroup_alive_stray(pid_t pgid, pid_t *stray);

/* The parent and the process group of a live pid, from /proc/PID/stat;
 * false if it is gone, a zombie, or /proc is not our pid namespace's. */
bool pgroup_stat(pid_t pid, pid_t *ppid, pid_t *pgrp);

#endif
