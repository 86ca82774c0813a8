/* heard: the app's notify sockets, read and checked; see heard.c. */
#ifndef TINYHOLD_HEARD_H
#define TINYHOLD_HEARD_H

#include <stdbool.h>

#include "tinyhold.h"

/* Whether a datagram may be read now: closer.c must have room for its fds and
 * for a FDSTOREREMOVE of the whole store. Without it the sockets wait. */
bool heard_readable(const struct tinyhold *t);

/* Reads every slot's queued datagrams: the app's before a new instance's. */
void heard_drain(struct tinyhold *t);

#endif
