/* sec_notify TEXT: one sd_notify datagram to $NOTIFY_SOCKET, then _exit(0) at
 * once: the shortest-lived notifier there is, for tests/security.bats. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *a = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t n;
	int fd;

	if (argc != 2 || a == NULL || (n = strlen(a)) >= sizeof sun.sun_path)
		_exit(2);
	memcpy(sun.sun_path, a, n);
	if (a[0] == '@')
		sun.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0 || sendto(fd, argv[1], strlen(argv[1]), 0, (struct sockaddr *)&sun,
			     (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) < 0)
		_exit(1);
	_exit(0);
}
