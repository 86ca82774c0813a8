/* probe: tinyhold --probe [ready|live], a client of --status for exec probes
 * and HEALTHCHECK in images without curl. One GET, the answer on stdout. */
#ifndef TINYHOLD_PROBE_H
#define TINYHOLD_PROBE_H

#include "spec.h"

#define PROBE_TIMEOUT_MS 900	/* the whole exchange: inside an exec probe's default 1 s */

/* Asks the tinyhold at at for /what ("ready" or "live"): 0 if it answered
 * 200, else 1 (with the reason on stderr if there was no answer). A wildcard
 * address (9090, [::]:9090) is asked on loopback. */
int probe_run(const struct sockspec *at, const char *what);

#endif
