/* closer: closes fds that someone else handed tinyhold (a notify datagram's,
 * the fd store's, a notify socket with its queue) in a short-lived child that
 * shares tinyhold's fd table, so that a close() which blocks (the last
 * reference to a lingering TCP socket with a full queue, a FUSE file, a tty
 * draining its output) blocks that child, never PID 1. The children are
 * reaped like any other child.
 *
 * Each owner (an instance) has its own queue and its own closers: an
 * instance whose fds make every one of its closers stick stops only its own
 * notify socket from being read (heard.c asks closer_room() of it), never
 * another instance's. */
#ifndef TINYHOLD_CLOSER_H
#define TINYHOLD_CLOSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CLOSERS_PER_OWNER 16	/* closers of one owner alive at once; more fds wait */

/* owners owners, each with room for cap fds waiting to be closed. 0 or -ENOMEM. */
int closer_init(size_t owners, size_t cap);

/* Takes fd: it is closed by one of owner's closers soon, never here. The
 * caller keeps closer_room(owner) >= what it may add (it stops reading fds
 * when there is none). */
void closer_add(int owner, int fd);

/* The same, for an fd that was never accepted (a stranger's, a dropped
 * datagram's): a TCP socket among them is reset (SO_LINGER 0) rather than
 * closed gracefully, so it cannot even make a closer wait. */
void closer_drop(int owner, int fd);

size_t closer_room(int owner);

/* Starts a closer for each owner with fds waiting, if fewer than
 * CLOSERS_PER_OWNER of its own run. Never blocks. */
void closer_flush(int64_t now_ms);

/* true if pid was a closer (it has now been reaped). */
bool closer_reaped(pid_t pid);

/* When a failed clone() should be tried again, or -1. */
int64_t closer_due_ms(void);

#endif
