/* setup: what tinyhold does once, before the loop. Each function dies with a
 * setup error (125) naming what it could not do. */
#ifndef TINYHOLD_SETUP_H
#define TINYHOLD_SETUP_H

#include "tinyhold.h"

/* Fills closed 0, 1, 2 with /dev/null, before anything is opened. */
void setup_std_fds(void);
/* Fds our own parent leaked must not reach the app. */
void setup_cloexec_inherited(void);
void setup_privs(struct tinyhold *t);
/* Raises our own fd limit to the hard one; the app gets the old soft limit. */
void setup_fd_limit(struct tinyhold *t);
/* Inherited sockets (LISTEN_FDS given to us), then -p's, bound and held. */
void setup_sockets(struct tinyhold *t);
/* --status: its socket bound, its buffers sized for the instances and sockets. */
void setup_status(struct tinyhold *t);
/* The app's cwd, user, terminal and environment, for every start. */
void setup_spawn(struct tinyhold *t);
/* The pool (pool.c) over the slots: every instance due to start. */
void setup_pool(struct tinyhold *t);
/* -n: the instances (cpus.c for auto, said in the log), their slots and fd stores. */
void setup_instances(struct tinyhold *t);
/* With -n 2 and more, the relay of their output (relayio.c), which owns
 * stdout and stderr from then on: log lines go through it. */
void setup_relay(struct tinyhold *t);

#endif
