/* logwriter: a log-heavy instance for bench/run.sh's relay section (issue 15):
 * LINES lines of 100 bytes ("I SEQ xxx...\n", I from TINYHOLD_INSTANCE) to
 * stdout as fast as it can, BLOCK bytes per write() as stdio's full buffering
 * does (0: one line per write(), as PYTHONUNBUFFERED's print() without its
 * second write), then exits 0, saying its own CPU time on stderr
 * ("cpu_us=N"): the bench takes it from the whole tree's to get the relay's.
 * usage: logwriter LINES BLOCK */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define LINE 100

static void put(const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(1, p, len);
		if (n <= 0)
			exit(3);
		p += n;
		len -= (size_t)n;
	}
}

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	const char *e = getenv("TINYHOLD_INSTANCE");
	long lines = argc > 1 ? atol(argv[1]) : 100000, i;
	size_t block = argc > 2 ? (size_t)atol(argv[2]) : 8192, used = 0;
	char line[LINE + 1];

	if (block > sizeof buf)
		block = sizeof buf;
	for (i = 0; i < lines; i++) {
		int n = snprintf(line, sizeof line, "%s %ld ", e != NULL ? e : "0", i);
		memset(line + n, 'x', LINE - 1 - (size_t)n);
		line[LINE - 1] = '\n';
		if (block == 0) {
			put(line, LINE);
			continue;
		}
		if (used + LINE > block) {
			put(buf, used);
			used = 0;
		}
		memcpy(buf + used, line, LINE);
		used += LINE;
	}
	put(buf, used);
	{
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		fprintf(stderr, "cpu_us=%ld\n",
			(long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
			(long)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec));
	}
	return 0;
}
