/* heard: the app's notify sockets, read and checked; see heard.c. */
#ifndef TINYHOLD_HEARD_H
#define TINYHOLD_HEARD_H

#include <stdbool.h>

#include "tinyhold.h"

/* Whether slot k's socket may be read now: its instance's closers must have
 * room for a datagram's fds and for a FDSTOREREMOVE of the whole store.
 * Without it that socket waits; the others do not. */
bool heard_readable(const struct tinyhold *t, int k);

/* Reads the slots' queued datagrams, the serving ones' before a new
 * instance's, and steps the pool with what they say. */
void heard_drain(struct tinyhold *t);

#endif
