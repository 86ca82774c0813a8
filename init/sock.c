/* sock: socket(), options, bind(), listen(). Returns -errno and never logs;
 * it never sets SO_REUSEPORT: whoever could share the port could steal it. */
#include "sock.h"
#include "io.h"
#include "num.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define SOMAXCONN_PATH "/proc/sys/net/core/somaxconn"
#define UNIX_SOCKET_MODE 0666
#define SOMAXCONN_MAX 100000000	/* far past the kernel's own cap (INT_MAX is for it alone) */

int sock_default_backlog(void)
{
	char buf[16];
	unsigned long v;

	if (io_read_file(SOMAXCONN_PATH, buf, sizeof buf) <= 0)
		return SOMAXCONN;	/* no /proc (early PID 1): listen() caps it anyway */
	if (num_parse_n(buf, strcspn(buf, "\n"), SOMAXCONN_MAX, &v) != NUM_OK || v == 0)
		return SOMAXCONN;
	return (int)v;
}

static int fail_close(int fd)
{
	int e = errno;

	(void)close(fd);
	return -e;
}

socklen_t sock_addr(const struct sockspec *s, int family, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof *ss);
	if (family == AF_UNIX) {
		struct sockaddr_un *sun = (struct sockaddr_un *)ss;
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, s->path, s->path_len);
		if (s->path[0] == '@') {
			sun->sun_path[0] = '\0';	/* abstract: no file, no stale path */
			return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + s->path_len);
		}
		return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + s->path_len + 1);
	}
	if (family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(s->port);
		memcpy(&sin6->sin6_addr, s->addr, 16);
		return sizeof *sin6;
	}
	sin->sin_family = AF_INET;
	sin->sin_port = htons(s->port);
	if (s->family == SPEC_INET)
		memcpy(&sin->sin_addr, s->addr, 4);	/* else the wildcard fallback: 0.0.0.0 */
	return sizeof *sin;
}

/* A stale socket file at the path is removed; anything else (a regular file,
 * a symlink, a directory) is refused: tinyhold never unlinks what it did not make.
 * Neither lstat() nor unlink() follows the last component, so a rename in
 * between can only make us remove the name someone else just put there, in a
 * directory they can already write. */
static int unix_clear_path(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

static int open_unix(const struct sockspec *s, int backlog)
{
	struct sockaddr_storage ss;
	socklen_t len = sock_addr(s, AF_UNIX, &ss);
	mode_t old_umask;
	int fd, r;

	if (s->path[0] != '@') {
		r = unix_clear_path(s->path);
		if (r < 0)
			return r;
	}
	fd = socket(AF_UNIX, (s->datagram ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Connecting needs write permission on the file: 0666 whatever our umask, as
	 * systemd's SocketMode= default, since the clients are rarely root. The mode
	 * comes from the umask around bind(), as systemd does it: a chmod() by path
	 * afterwards would follow whatever someone renamed over the new socket. */
	old_umask = umask(~UNIX_SOCKET_MODE & 0777);
	r = bind(fd, (struct sockaddr *)&ss, len);
	(void)umask(old_umask);
	if (r < 0)
		return fail_close(fd);
	if (!s->datagram && listen(fd, backlog) < 0)
		return fail_close(fd);
	return fd;
}

static int open_inet(const struct sockspec *s, int backlog, int family)
{
	int type = (s->datagram ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC;
	struct sockaddr_storage ss;
	socklen_t len = sock_addr(s, family, &ss);
	int fd, on = 1;

	fd = socket(family, type, 0);
	if (fd < 0)
		return -errno;
	if (family == AF_INET6) {
		int v6only = s->v6only;
		/* Explicit both ways: the sysctl net.ipv6.bindv6only may say otherwise. */
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) < 0)
			return fail_close(fd);
	}
	/* Lets a restarted *container* bind through TIME_WAIT; the app itself never binds. */
	if (!s->datagram && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0)
		return fail_close(fd);
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		return fail_close(fd);
	if (!s->datagram && listen(fd, backlog) < 0)
		return fail_close(fd);
	return fd;
}

int sock_open(const struct sockspec *s, int backlog, int *fell_back_to_inet)
{
	int fd;

	*fell_back_to_inet = 0;
	switch (s->family) {
	case SPEC_UNIX:
		return open_unix(s, backlog);
	case SPEC_INET:
		return open_inet(s, backlog, AF_INET);
	case SPEC_INET6:
		return open_inet(s, backlog, AF_INET6);
	case SPEC_DUAL:
		fd = open_inet(s, backlog, AF_INET6);
		if (fd == -EAFNOSUPPORT || fd == -EADDRNOTAVAIL) {
			/* IPv6 disabled (ipv6.disable=1 or no IPv6 on lo): IPv4 still works. */
			*fell_back_to_inet = 1;
			return open_inet(s, backlog, AF_INET);
		}
		return fd;
	}
	return -EINVAL;
}
