/* inherit: parses what sd_listen_fds(3) reads, with the same rules, so that
 * tinyhold can itself be socket-activated and pass the sockets on. */
#include "inherit.h"
#include "fmt.h"
#include "num.h"
#include "spec.h"

#include <stdio.h>
#include <string.h>

int inherit_count(const char *listen_fds, const char *listen_pid, pid_t self, const char **why)
{
	unsigned long pid, n;

	if (listen_fds == NULL || listen_pid == NULL)
		return 0;
	if (num_parse(listen_pid, 0x7fffffffUL, &pid) != NUM_OK) {
		*why = "LISTEN_PID is not a pid";
		return -1;
	}
	if (pid != (unsigned long)self && pid != 1)
		return 0;	/* meant for another process: leave its fds alone */
	if (num_parse(listen_fds, INHERIT_FDS_MAX, &n) != NUM_OK) {
		*why = "LISTEN_FDS is not a number from 0 to 1024";
		return -1;
	}
	return (int)n;
}

void inherit_name(const char *names, size_t i, char *out, size_t out_len)
{
	const char *p = names;
	size_t len;

	while (p != NULL && i > 0) {
		p = strchr(p, ':');
		if (p != NULL)
			p++;
		i--;
	}
	if (p == NULL) {
		fmt(out, out_len, "%s", SPEC_DEFAULT_NAME);
		return;
	}
	len = strcspn(p, ":");
	if (len >= out_len || !spec_name_valid(p, len, NULL)) {
		fmt(out, out_len, "%s", SPEC_DEFAULT_NAME);
		return;
	}
	memcpy(out, p, len);
	out[len] = '\0';
}
