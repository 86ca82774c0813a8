/* sd_names: a socket-activated client of libsystemd, unchanged from how a real
 * daemon would use it. Prints "count N", then "FD NAME ADDR" for each socket
 * sd_listen_fds_with_names() returns, and fails if any is not a socket.
 * Built by tests/sockets.bats with the system cc and -lsystemd (dynamic on
 * purpose: this is libsystemd's code, not ours). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>

static void print_addr(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char host[INET6_ADDRSTRLEN];

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		printf("?\n");
		return;
	}
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		printf("%s:%u\n", inet_ntop(AF_INET, &a->sin_addr, host, sizeof host),
		       ntohs(a->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		printf("[%s]:%u\n", inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host),
		       ntohs(a->sin6_port));
	} else if (ss.ss_family == AF_UNIX) {
		struct sockaddr_un *a = (struct sockaddr_un *)&ss;
		printf("%s\n", a->sun_path[0] ? a->sun_path : "@abstract");
	} else {
		printf("family %d\n", ss.ss_family);
	}
}

int main(void)
{
	char **names = NULL;
	int n, i, bad = 0;

	n = sd_listen_fds_with_names(0, &names);
	if (n < 0) {
		fprintf(stderr, "sd_names: sd_listen_fds_with_names: %s\n", strerror(-n));
		return 1;
	}
	printf("count %d\n", n);
	for (i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i;
		if (sd_is_socket(fd, AF_UNSPEC, 0, -1) <= 0)
			bad = 1;
		printf("%d %s ", fd, names ? names[i] : "(null)");
		print_addr(fd);
		free(names ? names[i] : NULL);
	}
	free(names);
	return bad;
}
