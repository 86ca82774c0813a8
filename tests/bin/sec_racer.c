/* sec_racer DIR NAME TARGET: whenever DIR/NAME is created, renames a symlink to
 * TARGET over it at once (inotify), to catch a chmod() or chown() by path that
 * follows the last component. Runs until killed; for tests/security.bats. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char buf[4096] __attribute__((aligned(8)));
	char path[PATH_MAX], tmp[PATH_MAX];
	int fd;

	if (argc != 4)
		return 2;
	snprintf(path, sizeof path, "%s/%s", argv[1], argv[2]);
	snprintf(tmp, sizeof tmp, "%s/.racer", argv[1]);
	fd = inotify_init1(IN_CLOEXEC);
	if (fd < 0 || inotify_add_watch(fd, argv[1], IN_CREATE) < 0) {
		perror("inotify");
		return 1;
	}
	puts("racing");
	fflush(stdout);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		ssize_t off = 0;

		if (n <= 0 && errno != EINTR)
			return 1;
		while (off < n) {
			struct inotify_event *ev = (struct inotify_event *)(buf + off);
			if (ev->len > 0 && strcmp(ev->name, argv[2]) == 0) {
				(void)unlink(tmp);
				if (symlink(argv[3], tmp) == 0)
					(void)rename(tmp, path);
			}
			off += (ssize_t)sizeof *ev + ev->len;
		}
	}
}
