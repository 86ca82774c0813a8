/* notify: the NOTIFY_SOCKET protocol of sd_notify(3). notify_parse() is pure
 * (fuzzed, unit-tested); notify_recv() is the only caller of recvmsg(). */
#ifndef TINYHOLD_NOTIFY_H
#define TINYHOLD_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "spec.h"

#define NOTIFY_DATAGRAM_MAX 4096	/* systemd's NOTIFY_BUFFER_MAX: longer is dropped whole */
#define NOTIFY_FDS_MAX 253	/* SCM_MAX_FD: what one datagram can carry */
#define NOTIFY_STATUS_MAX 200	/* a STATUS= longer than this is cut in the log */

struct notify_msg {
	bool ready, reloading, stopping;
	bool watchdog_ping, watchdog_trigger;
	bool fdstore, fdstore_remove;
	const char *status;	/* points into the datagram; status_len bytes */
	size_t status_len;
	char fdname[SPEC_NAME_MAX + 1];	/* "" unless FDNAME= was valid (spec_name_valid) */
	bool fdname_bad;	/* FDNAME= given but not a valid name */
};

/* 0 and *out, or -1 with *why for a malformed datagram (a NUL byte, a line
 * without '='), which is dropped whole. Unknown keys are ignored. */
int notify_parse(const char *buf, size_t len, struct notify_msg *out, const char **why);

/* A CLOEXEC non-blocking datagram socket with SO_PASSCRED, bound to an
 * abstract address the kernel picks; its NOTIFY_SOCKET value ("@1a2b3") in addr.
 * fd or -errno. */
int notify_open(char *addr, size_t addr_len);

struct notify_datagram {
	char buf[NOTIFY_DATAGRAM_MAX + 1];	/* NUL-terminated */
	size_t len;
	pid_t pid;		/* from SCM_CREDENTIALS; 0 if none came, or if the sender is
				 * outside our pid namespace */
	uid_t uid;		/* from SCM_CREDENTIALS; (uid_t)-1 if none came */
	int fds[NOTIFY_FDS_MAX];	/* CLOEXEC; the caller owns them */
	size_t nfds;
	bool truncated;		/* too long, or fds lost: drop it (and close the fds that came) */
};

/* 1 and *d, 0 when nothing is pending, or -errno. */
int notify_recv(int fd, struct notify_datagram *d);

#endif
