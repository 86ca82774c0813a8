/* notify: receives sd_notify() datagrams and parses them. It decides nothing:
 * who may send (the app's processes) and what a message does are decided in
 * heard.c and instances.c. */
#include "notify.h"
#include "spec.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>


static bool key_is(const char *line, size_t key_len, const char *key)
{
	return strlen(key) == key_len && memcmp(line, key, key_len) == 0;
}

int notify_parse(const char *buf, size_t len, struct notify_msg *out, const char **why)
{
	const char *p = buf, *end = buf + len;

	memset(out, 0, sizeof *out);
	if (memchr(buf, '\0', len) != NULL) {
		*why = "a NUL byte";
		return -1;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end;
		const char *eq = memchr(p, '=', (size_t)(line_end - p));
		size_t klen, vlen;
		const char *v;

		if (line_end == p) {	/* an empty line: sd_notify ends with one */
			p = line_end + 1;
			continue;
		}
		if (eq == NULL) {
			*why = "a line without '='";
			return -1;
		}
		klen = (size_t)(eq - p);
		v = eq + 1;
		vlen = (size_t)(line_end - v);
		if (key_is(p, klen, "READY"))
			out->ready = vlen == 1 && *v == '1';
		else if (key_is(p, klen, "RELOADING"))
			out->reloading = vlen == 1 && *v == '1';
		else if (key_is(p, klen, "STOPPING"))
			out->stopping = vlen == 1 && *v == '1';
		else if (key_is(p, klen, "WATCHDOG")) {
			if (vlen == 1 && *v == '1')
				out->watchdog_ping = true;
			else if (vlen == 7 && memcmp(v, "trigger", 7) == 0)
				out->watchdog_trigger = true;
		} else if (key_is(p, klen, "FDSTORE"))
			out->fdstore = vlen == 1 && *v == '1';
		else if (key_is(p, klen, "FDSTOREREMOVE"))
			out->fdstore_remove = vlen == 1 && *v == '1';
		else if (key_is(p, klen, "STATUS")) {
			out->status = v;
			out->status_len = vlen;
		} else if (key_is(p, klen, "FDNAME")) {
			if (spec_name_valid(v, vlen, NULL)) {
				memcpy(out->fdname, v, vlen);
				out->fdname[vlen] = '\0';
				out->fdname_bad = false;
			} else {
				out->fdname[0] = '\0';
				out->fdname_bad = true;
			}
		}
		/* Anything else (MAINPID=, ERRNO=, BUSERROR=, X_...=) is ignored, as sd_notify(3) allows. */
		p = line_end + 1;
	}
	return 0;
}

int notify_open(char *addr, size_t addr_len)
{
	struct sockaddr_un sun;
	socklen_t len = sizeof(sa_family_t);
	int fd, on = 1, e;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* Without SO_PASSCRED we could not tell the app's messages from anyone else's. */
	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) < 0)
		goto fail;
	/* Autobind: the kernel picks a free abstract address ("\0" and 5 hex digits),
	 * so no neighbour in the network namespace can squat it in advance, and no
	 * file is needed (a read-only root works). */
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (bind(fd, (struct sockaddr *)&sun, len) < 0)
		goto fail;
	len = sizeof sun;
	if (getsockname(fd, (struct sockaddr *)&sun, &len) < 0)
		goto fail;
	len -= (socklen_t)offsetof(struct sockaddr_un, sun_path);
	if (len < 2 || sun.sun_path[0] != '\0' || (size_t)len >= addr_len) {
		errno = EAFNOSUPPORT;	/* no abstract namespace: not Linux */
		goto fail;
	}
	addr[0] = '@';
	memcpy(addr + 1, sun.sun_path + 1, (size_t)len - 1);
	addr[len] = '\0';
	return fd;
fail:
	e = errno;
	(void)close(fd);
	return -e;
}

int notify_recv(int fd, struct notify_datagram *d)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * NOTIFY_FDS_MAX)];
	} control;
	struct iovec iov = { d->buf, NOTIFY_DATAGRAM_MAX };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof control.buf,
	};
	struct cmsghdr *c;
	ssize_t n;

	do
		n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;

	d->pid = 0;
	d->uid = (uid_t)-1;
	d->nfds = 0;
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len == CMSG_LEN(sizeof(struct ucred))) {
			struct ucred cred;
			memcpy(&cred, CMSG_DATA(c), sizeof cred);
			d->pid = cred.pid;
			d->uid = cred.uid;
		} else if (c->cmsg_type == SCM_RIGHTS) {
			size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int), i;
			for (i = 0; i < k && d->nfds < NOTIFY_FDS_MAX; i++)
				memcpy(&d->fds[d->nfds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
		}
	}
	/* MSG_TRUNC: n is the real length; MSG_CTRUNC: some fds were lost. Either way: drop it
	 * whole. Its fds are the caller's to close (closer.c: a close of them may block). */
	d->truncated = (size_t)n > NOTIFY_DATAGRAM_MAX || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC));
	if (d->truncated)
		n = 0;
	d->len = (size_t)n;
	d->buf[d->len] = '\0';
	return 1;
}
