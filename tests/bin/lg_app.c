/* lg_app: an instance that writes its output in the ways tests/relay.bats
 * needs (issue 15). I is TINYHOLD_INSTANCE.
 *   lines N     N lines "out I SEQ <pad>" to stdout and "err I SEQ" to stderr, then exits 0
 *   long LEN N  N lines of LEN bytes ("I" then I's letter), each in 1000-byte write()s
 *   crash       first run: "partial-I" to stdout and stderr without a newline, then
 *               SIGKILL; the restart: "after-I" lines, and exits 0 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void put(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, s, len);
		if (n < 0)
			exit(3);
		s += n;
		len -= (size_t)n;
	}
}

int main(int argc, char **argv)
{
	const char *e = getenv("TINYHOLD_INSTANCE");
	int inst = e != NULL ? atoi(e) : 0;
	char buf[1100];

	if (argc >= 3 && strcmp(argv[1], "lines") == 0) {
		long i, n = atol(argv[2]);
		for (i = 0; i < n; i++) {
			int len = snprintf(buf, sizeof buf, "out %d %ld %.*s\n", inst, i, (int)(i % 97),
					   "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp");
			put(1, buf, (size_t)len);
			len = snprintf(buf, sizeof buf, "err %d %ld\n", inst, i);
			put(2, buf, (size_t)len);
		}
		return 0;
	}
	if (argc >= 4 && strcmp(argv[1], "long") == 0) {
		long len = atol(argv[2]), n = atol(argv[3]), i, done;
		memset(buf, 'a' + inst % 26, sizeof buf);
		for (i = 0; i < n; i++) {
			put(1, "I", 1);
			for (done = 1; done < len - 1; done += 1000)
				put(1, buf, (size_t)(len - 1 - done < 1000 ? len - 1 - done : 1000));
			put(1, "\n", 1);
		}
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "crash") == 0) {
		const char *r = getenv("TINYHOLD_RESTARTS");
		int len;
		if (r != NULL && strcmp(r, "0") == 0) {
			len = snprintf(buf, sizeof buf, "partial-%d", inst);
			put(1, buf, (size_t)len);
			put(2, buf, (size_t)len);
			kill(getpid(), SIGKILL);
		}
		len = snprintf(buf, sizeof buf, "after-%d\n", inst);
		put(1, buf, (size_t)len);
		put(2, buf, (size_t)len);
		return 0;
	}
	fprintf(stderr, "usage: lg_app lines N | long LEN N | crash\n");
	return 2;
}
