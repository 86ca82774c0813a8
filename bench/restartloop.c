/* restartloop: the two references of the crash storm.
 *
 *   restartloop SECONDS -- CMD...             the naive way: CMD binds the port itself,
 *                                              and is started again at once when it dies
 *   restartloop SECONDS --hold PORT -- CMD... the floor: bind 127.0.0.1:PORT once, pass it
 *                                              as fd 3 (LISTEN_FDS=1), fork/exec/waitpid again
 *                                              at once: what any holder must do, and no more
 *
 * Both stop restarting after SECONDS (or 1,000,000 starts), or on SIGTERM, SIGKILL the
 * running CMD and exit 0. No back-off, no logging: the best a restart loop can do. */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STARTS_MAX 1000000UL

static volatile sig_atomic_t stop;

static void on_term(int signo)
{
	(void)signo;
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int hold(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, SOMAXCONN) < 0) {
		fprintf(stderr, "restartloop: cannot bind 127.0.0.1:%d: %s\n", port, strerror(errno));
		exit(125);
	}
	return fd;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_term };
	double deadline;
	unsigned long starts = 0;
	int held = -1, arg = 2;

	if (argc < 4) {
		fputs("usage: restartloop SECONDS [--hold PORT] -- CMD [ARG...]\n", stderr);
		return 2;
	}
	deadline = now_s() + atof(argv[1]);
	if (strcmp(argv[arg], "--hold") == 0) {
		held = hold(atoi(argv[arg + 1]));
		arg += 2;
	}
	if (strcmp(argv[arg], "--") == 0)
		arg++;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	/* The deadline also ends a child that is still running then. */
	{
		double secs = atof(argv[1]);
		struct itimerval it = { .it_value = { .tv_sec = (time_t)secs,
						      .tv_usec = (suseconds_t)((secs - (time_t)secs) * 1e6) } };
		setitimer(ITIMER_REAL, &it, NULL);
	}

	while (!stop && starts < STARTS_MAX && now_s() < deadline) {
		int status;
		pid_t pid = fork();

		if (pid < 0) {
			perror("restartloop: fork");
			return 1;
		}
		if (pid == 0) {
			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			signal(SIGALRM, SIG_DFL);
			if (held >= 0) {
				char n[24];
				if (held != 3 && dup2(held, 3) < 0)
					_exit(126);
				snprintf(n, sizeof n, "%d", (int)getpid());
				setenv("LISTEN_PID", n, 1);
				setenv("LISTEN_FDS", "1", 1);
			}
			execv(argv[arg], argv + arg);
			_exit(127);
		}
		starts++;
		/* SIGTERM interrupts the wait: pass it on, then collect the child. */
		while (waitpid(pid, &status, 0) < 0) {
			if (errno != EINTR)
				break;
			if (stop)
				kill(pid, SIGKILL);
		}
		if (WIFEXITED(status) && WEXITSTATUS(status) >= 126) {
			fprintf(stderr, "restartloop: %s failed to start\n", argv[arg]);
			return 1;
		}
	}
	fprintf(stderr, "restartloop: %lu starts\n", starts);
	return 0;
}
