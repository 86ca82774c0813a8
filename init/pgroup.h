/* pgroup: is anything of the app's process group still alive? Used while a
 * crashed app's leftovers are being killed, before the next start. */
#ifndef TINYHOLD_PGROUP_H
#define TINYHOLD_PGROUP_H

#include <stdbool.h>
#include <sys/types.h>

/* True while a member of pgid runs, or is a zombie that we will reap.
 * A zombie whose parent is not us (it left the group with setsid and never
 * waits) is dead and will never send us SIGCHLD: it does not count. */
bool pgroup_alive(pid_t pgid);

#endif
