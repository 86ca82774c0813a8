/* closer: closes fds that someone else handed tinyhold (a notify datagram's,
 * the fd store's) in a short-lived child that shares tinyhold's fd table, so
 * that a close() which blocks (the last reference to a lingering TCP socket
 * with a full queue, a FUSE file, a tty draining its output) blocks that
 * child, never PID 1. The children are reaped like any other child. */
#ifndef TINYHOLD_CLOSER_H
#define TINYHOLD_CLOSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CLOSERS_MAX 16	/* closers alive at once; more fds wait for one to end */

/* Room for cap fds waiting to be closed. 0 or -ENOMEM. */
int closer_init(size_t cap);

/* Takes fd: it is closed by a closer soon, never here. The caller keeps
 * closer_room() >= what it may add (it stops reading fds when there is none). */
void closer_add(int fd);

/* The same, for an fd that was never accepted (a stranger's, a dropped
 * datagram's): a TCP socket among them is reset (SO_LINGER 0) rather than
 * closed gracefully, so it cannot even make a closer wait. */
void closer_drop(int fd);

size_t closer_room(void);

/* Starts a closer for what is waiting, if any and if fewer than CLOSERS_MAX
 * run. Never blocks. */
void closer_flush(int64_t now_ms);

/* true if pid was a closer (it has now been reaped). */
bool closer_reaped(pid_t pid);

/* Milliseconds until a failed clone() should be tried again, or -1. */
int64_t closer_due_ms(void);

#endif
