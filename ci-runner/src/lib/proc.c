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
#include "util.h"

static int
open_pidfd(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int
proc_wait(pid_t pid, double timeout, int *status)
{
	double deadline = timeout > 0 ? now_monotonic() + timeout : 0;
	int pidfd = open_pidfd(pid);

	for (;;) {
		struct pollfd pfd;
		pid_t r;
		int ms;

		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			if (pidfd >= 0)
				close(pidfd);
			return error("cannot wait for process %ld", (long)pid);
		}
		ms = -1;
		if (deadline) {
			double left = deadline - now_monotonic();

			if (left <= 0) {
				if (pidfd >= 0)
					close(pidfd);
				return PROC_TIMEOUT;
			}
			ms = (int)(left * 1000) + 1;
		}
		if (pidfd < 0) {
			/* No pidfd (very old kernel): block in waitpid instead. */
			if (waitpid(pid, status, 0) == pid)
				break;
			continue;
		}
		pfd.fd = pidfd;
		pfd.events = POLLIN;
		poll(&pfd, 1, ms);
	}
	if (pidfd >= 0)
		close(pidfd);
	return 0;
}

void
proc_kill_group(pid_t pgid, pid_t pid, double grace)
{
	int status;

	kill(-pgid, SIGTERM);
	if (proc_wait(pid, grace, &status) == PROC_TIMEOUT) {
		kill(-pgid, SIGKILL);
		proc_wait(pid, 0, &status);
	}
	/* Whatever of the group outlived its leader goes too. */
	kill(-pgid, SIGKILL);
}

static void
child_exec(const char *const argv[], const struct proc_opts *o, int out_pipe)
{
	int devnull, i;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGPIPE, SIG_DFL);
	devnull = open("/dev/null", O_RDWR);
	dup2(devnull, 0);
	if (out_pipe >= 0)
		dup2(out_pipe, 1);
	else
		dup2(o->out_fd >= 0 ? o->out_fd : devnull, 1);
	dup2(o->out_fd >= 0 ? o->out_fd : devnull, 2);
	if (o->cwd && chdir(o->cwd) < 0) {
		dprintf(2, "pvci: cannot change to directory '%s': %s\n", o->cwd,
			strerror(errno));
		_exit(127);
	}
	for (i = 0; o->env && o->env[i]; i++)
		putenv((char *)o->env[i]);
	execvp(argv[0], (char *const *)argv);
	dprintf(2, "pvci: cannot run '%s': %s\n", argv[0], strerror(errno));
	_exit(127);
}

int
proc_run(const char *const argv[], const struct proc_opts *o)
{
	int pipefd[2] = { -1, -1 };
	struct strbuf out;
	double deadline;
	int status = 0, pidfd, too_much = 0;
	pid_t pid;

	if (o->capture && pipe2(pipefd, O_CLOEXEC) < 0)
		return error("cannot create a pipe for '%s'", argv[0]);
	pid = fork();
	if (pid < 0) {
		if (pipefd[0] >= 0) {
			close(pipefd[0]);
			close(pipefd[1]);
		}
		return error("cannot start '%s'", argv[0]);
	}
	if (pid == 0)
		child_exec(argv, o, pipefd[1]);
	setpgid(pid, pid);
	deadline = o->timeout > 0 ? now_monotonic() + o->timeout : 0;
	if (!o->capture) {
		if (proc_wait(pid, o->timeout, &status) == PROC_TIMEOUT)
			goto timeout;
		goto done;
	}

	close(pipefd[1]);
	strbuf_init(&out);
	pidfd = open_pidfd(pid);
	for (;;) {
		struct pollfd pfd = { .fd = pipefd[0], .events = POLLIN };
		char buf[8192];
		ssize_t n;
		int ms = -1;

		if (deadline) {
			double left = deadline - now_monotonic();

			if (left <= 0) {
				close(pipefd[0]);
				if (pidfd >= 0)
					close(pidfd);
				strbuf_release(&out);
				goto timeout;
			}
			ms = (int)(left * 1000) + 1;
		}
		if (poll(&pfd, 1, ms) <= 0)
			continue;
		n = read(pipefd[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out.len + (size_t)n > o->capture_max)
			too_much = 1;
		else
			strbuf_add(&out, buf, (size_t)n);
	}
	close(pipefd[0]);
	if (pidfd >= 0)
		close(pidfd);
	if (proc_wait(pid, deadline ? deadline - now_monotonic() : 0, &status) ==
	    PROC_TIMEOUT) {
		strbuf_release(&out);
		goto timeout;
	}
	if (too_much) {
		strbuf_release(&out);
		errorx("'%s' wrote more than %zu bytes", argv[0], o->capture_max);
		return -1;
	}
	*o->capture = strbuf_detach(&out);
done:
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
timeout:
	proc_kill_group(pid, pid, 2.0);
	errorx("'%s' did not finish within %.0f seconds", argv[0], o->timeout);
	return PROC_TIMEOUT;
}

unsigned long long
proc_start_time(pid_t pid)
{
	char path[64], *text, *p;
	unsigned long long start = 0;
	int field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (access(path, R_OK) < 0)
		return 0;
	text = read_file(path, 4096, NULL);
	if (!text)
		return 0;
	/* Field 22 is starttime; the command (field 2) may hold spaces. */
	p = strrchr(text, ')');
	for (field = 2; p && *p && field < 22; p++)
		if (*p == ' ')
			field++;
	if (p)
		start = strtoull(p, NULL, 10);
	free(text);
	return start;
}
