#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
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

/*
 * Everything the child needs, made before fork(): between fork() and exec()
 * only async-signal-safe calls are allowed (no malloc, stdio or logging),
 * since another part of the process may have held a lock at fork time.
 */
struct child_plan {
	const char *path;		/* the program, found in PATH already */
	char *path_buf;			/* owns path when it was searched for */
	char **envp;			/* environ with the extra entries */
	const char *cwd;
	int devnull;			/* O_CLOEXEC */
	int out_fd;			/* stdout and stderr; -1: /dev/null */
	int capture_fd;			/* stdout when capturing; -1: none */
	int report_fd;			/* O_CLOEXEC: why the child could not exec */
	pid_t parent;
};

/* What the child writes on report_fd when it cannot run the program. */
struct child_report {
	int stage;			/* CHILD_CHDIR or CHILD_EXEC */
	int err;			/* errno */
};
#define CHILD_CHDIR 1
#define CHILD_EXEC 2

extern char **environ;

static const char *
env_lookup(char *const *envp, const char *name)
{
	size_t len = strlen(name);

	for (; *envp; envp++)
		if (!strncmp(*envp, name, len) && (*envp)[len] == '=')
			return *envp + len + 1;
	return NULL;
}

/* environ with each NAME=VALUE of extra replacing or adding to it. */
static char **
build_env(const char *const *extra)
{
	size_t n = 0, i, j, k;
	char **envp;

	while (environ[n])
		n++;
	for (k = 0; extra && extra[k]; k++)
		;
	envp = xcalloc(n + k + 1, sizeof(*envp));
	for (i = 0; i < n; i++)
		envp[i] = environ[i];
	for (j = 0; j < k; j++) {
		size_t name_len = strcspn(extra[j], "=");

		for (i = 0; i < n; i++)
			if (!strncmp(envp[i], extra[j], name_len) && envp[i][name_len] == '=')
				break;
		if (i == n)
			n++;
		envp[i] = (char *)extra[j];
	}
	envp[n] = NULL;
	return envp;
}

/*
 * Finds the program as execvp() would, in the PATH the child will have.
 * Returns 0, or -1 with errno (ENOENT, EACCES) when it cannot be run.
 */
static int
find_program(struct child_plan *pl, const char *name)
{
	const char *path_var = env_lookup(pl->envp, "PATH"), *p;
	int saw_eacces = 0;

	if (strchr(name, '/')) {
		pl->path = name;
		return 0;
	}
	if (!*name) {
		errno = ENOENT;
		return -1;
	}
	if (!path_var)
		path_var = "/bin:/usr/bin";
	for (p = path_var;; p += strcspn(p, ":") + 1) {
		size_t len = strcspn(p, ":");
		char *cand = len ? xasprintf("%.*s/%s", (int)len, p, name) : xstrdup(name);
		struct stat st;

		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
			if (access(cand, X_OK) == 0) {
				pl->path = pl->path_buf = cand;
				return 0;
			}
			saw_eacces = 1;
		}
		free(cand);
		if (!p[len])
			break;
	}
	errno = saw_eacces ? EACCES : ENOENT;
	return -1;
}

static void
child_report(const struct child_plan *pl, int stage)
{
	struct child_report r = { .stage = stage, .err = errno };
	ssize_t n;

	do
		n = write(pl->report_fd, &r, sizeof(r));
	while (n < 0 && errno == EINTR);
	_exit(127);
}

/* dup2(), which leaves close-on-exec set when from is already to. */
static void
move_fd(int from, int to)
{
	if (from == to)
		fcntl(to, F_SETFD, 0);
	else
		dup2(from, to);
}

/* In the child: async-signal-safe calls only (see struct child_plan). */
static void
child_exec(const char *const argv[], const struct child_plan *pl)
{
	struct sigaction sa;
	sigset_t none;
	int out = pl->out_fd >= 0 ? pl->out_fd : pl->devnull;
	pid_t ppid;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/*
	 * The parent may have died before PR_SET_PDEATHSIG took effect. (A
	 * child in a PID namespace of its own sees its parent as 0.)
	 */
	ppid = getppid();
	if (ppid != pl->parent && ppid != 0)
		_exit(127);
	/* Ignored and blocked signals survive exec: give the program defaults. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	move_fd(pl->devnull, 0);
	move_fd(pl->capture_fd >= 0 ? pl->capture_fd : out, 1);
	move_fd(out, 2);
	if (pl->cwd && chdir(pl->cwd) < 0)
		child_report(pl, CHILD_CHDIR);
	execve(pl->path, (char *const *)argv, pl->envp);
	child_report(pl, CHILD_EXEC);
}

/*
 * Waits for the child's report: end of file when exec succeeded (the pipe
 * is close-on-exec), or why it failed. Returns 0 when the program runs.
 */
static int
read_child_report(const char *const argv[], const struct child_plan *pl, pid_t pid)
{
	struct child_report r;
	ssize_t n;
	int status;

	do
		n = read(pl->report_fd, &r, sizeof(r));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(r))
		return 0;
	proc_wait(pid, 0, &status);
	errno = r.err;
	if (r.stage == CHILD_CHDIR)
		return error("cannot run '%s' in '%s'", argv[0], pl->cwd);
	return error("cannot run '%s'", argv[0]);
}

static void
plan_release(struct child_plan *pl)
{
	free(pl->path_buf);
	free(pl->envp);
	if (pl->devnull >= 0)
		close(pl->devnull);
	if (pl->report_fd >= 0)
		close(pl->report_fd);
}

int
proc_run(const char *const argv[], const struct proc_opts *o)
{
	int pipefd[2] = { -1, -1 }, reportfd[2] = { -1, -1 };
	struct child_plan pl = { .devnull = -1, .report_fd = -1, .capture_fd = -1 };
	struct strbuf out;
	double deadline;
	int status = 0, pidfd, too_much = 0;
	pid_t pid;

	pl.envp = build_env(o->env);
	pl.cwd = o->cwd;
	pl.out_fd = o->out_fd;
	pl.parent = getpid();
	if (find_program(&pl, argv[0]) < 0) {
		error("cannot run '%s'", argv[0]);
		plan_release(&pl);
		return -1;
	}
	pl.devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (pl.devnull < 0) {
		error("cannot open '/dev/null' to run '%s'", argv[0]);
		plan_release(&pl);
		return -1;
	}
	if (pipe2(reportfd, O_CLOEXEC) < 0) {
		error("cannot create a pipe to run '%s'", argv[0]);
		plan_release(&pl);
		return -1;
	}
	pl.report_fd = reportfd[1];
	if (o->capture && pipe2(pipefd, O_CLOEXEC) < 0) {
		error("cannot create a pipe for '%s'", argv[0]);
		close(reportfd[0]);
		plan_release(&pl);
		return -1;
	}
	pl.capture_fd = pipefd[1];
	pid = fork();
	if (pid < 0) {
		error("cannot start '%s'", argv[0]);
		if (pipefd[0] >= 0) {
			close(pipefd[0]);
			close(pipefd[1]);
		}
		close(reportfd[0]);
		plan_release(&pl);
		return -1;
	}
	if (pid == 0)
		child_exec(argv, &pl);
	setpgid(pid, pid);
	close(reportfd[1]);
	pl.report_fd = reportfd[0];
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	if (read_child_report(argv, &pl, pid) < 0) {
		if (pipefd[0] >= 0)
			close(pipefd[0]);
		plan_release(&pl);
		return -1;
	}
	plan_release(&pl);
	deadline = o->timeout > 0 ? now_monotonic() + o->timeout : 0;
	if (!o->capture) {
		if (proc_wait(pid, o->timeout, &status) == PROC_TIMEOUT)
			goto timeout;
		goto done;
	}

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
