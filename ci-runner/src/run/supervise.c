#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "supervise.h"
#include "util.h"

/* How long a step's group has between SIGTERM and SIGKILL. */
#define KILL_GRACE 5.0

void
supervise_init(void)
{
	prctl(PR_SET_CHILD_SUBREAPER, 1);
}

/*
 * As the child subreaper, every process a step started and left behind (a
 * server in the background, a child in a group of its own) ends up as our
 * child once the step is gone. Between steps there should be none, so all
 * that are there are killed and reaped.
 */
static void
reap_leftovers(void)
{
	char path[64], *text, *p, *end;
	int status;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/children", (long)getpid());
	for (int round = 0; round < 8; round++) {
		int found = 0;

		text = read_file(path, 1 << 16, NULL);
		if (!text)
			return;
		for (p = text; *p; p = end) {
			long pid = strtol(p, &end, 10);

			if (end == p)
				break;
			if (pid > 0) {
				kill(-(pid_t)pid, SIGKILL);
				kill((pid_t)pid, SIGKILL);
				waitpid((pid_t)pid, &status, 0);
				found = 1;
			}
		}
		free(text);
		if (!found)
			return;
	}
}

/* Waits for the child until deadline or *stop; 1 when it ended, 0 if not. */
static int
wait_child(pid_t pid, double deadline, const volatile sig_atomic_t *stop, int *status,
	   enum supervise_end *why)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int ended = 0;

	for (;;) {
		struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
		double left = deadline - now_monotonic();

		if (waitpid(pid, status, WNOHANG) == pid) {
			ended = 1;
			break;
		}
		if (stop && *stop) {
			*why = SUPERVISE_INTERRUPTED;
			break;
		}
		if (left <= 0) {
			*why = SUPERVISE_TIMEOUT;
			break;
		}
		if (pidfd < 0) {
			if (waitpid(pid, status, 0) == pid) {
				ended = 1;
				break;
			}
			continue;
		}
		poll(&pfd, 1, (int)(left * 1000) + 1);
	}
	if (pidfd >= 0)
		close(pidfd);
	return ended;
}

static void
child(int (*fn)(void *arg), void *arg, int out_fd)
{
	int devnull, rc;

	setpgid(0, 0);
	/* If the runner is killed, its step goes too (recovery marks it broken). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	devnull = open("/dev/null", O_RDONLY);
	dup2(devnull, 0);
	dup2(out_fd, 1);
	dup2(out_fd, 2);
	rc = fn(arg);
	fflush(NULL);
	_exit(rc);
}

void
supervise_run(int (*fn)(void *arg), void *arg, int out_fd, double deadline,
	      const volatile sig_atomic_t *stop, struct supervise_result *res)
{
	int status = 0;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		res->end = SUPERVISE_NOT_STARTED;
		res->status = errno;
		error("cannot fork a step process");
		return;
	}
	if (pid == 0)
		child(fn, arg, out_fd);
	setpgid(pid, pid);

	if (!wait_child(pid, deadline, stop, &status, &res->end)) {
		proc_kill_group(pid, pid, KILL_GRACE);
	} else if (WIFEXITED(status)) {
		res->end = SUPERVISE_EXITED;
		res->status = WEXITSTATUS(status);
	} else {
		res->end = SUPERVISE_SIGNALED;
		res->status = WTERMSIG(status);
	}
	/* Whatever the step left behind goes with it. */
	kill(-pid, SIGKILL);
	reap_leftovers();
}
