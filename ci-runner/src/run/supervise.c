#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "supervise.h"
#include "util.h"

/* How long a step has between SIGTERM and SIGKILL. */
#define KILL_GRACE 5.0

/* 1: PID namespaces work; 0: refused (said once); -1: not tried yet. */
static int pidns_ok = -1;
/* Our own PID namespace, to go back to after forking into a new one. */
static int own_pidns_fd = -1;

void
supervise_init(void)
{
	prctl(PR_SET_CHILD_SUBREAPER, 1);
}

int
supervise_uses_pidns(void)
{
	return pidns_ok == 1;
}

static void
interrupt_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

int
supervise_signals_open(void)
{
	sigset_t set;
	int fd;

	interrupt_set(&set);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return error("cannot block signals");
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0) {
		error("cannot make a signalfd");
		sigprocmask(SIG_UNBLOCK, &set, NULL);
	}
	return fd;
}

int
supervise_signal_pending(int fd)
{
	struct signalfd_siginfo si;
	ssize_t n;

	if (fd < 0)
		return 0;
	do
		n = read(fd, &si, sizeof(si));
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(si) ? (int)si.ssi_signo : 0;
}

void
supervise_signals_close(int fd)
{
	sigset_t set;

	if (fd < 0)
		return;
	while (supervise_signal_pending(fd))
		;
	close(fd);
	interrupt_set(&set);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

/*
 * As the child subreaper, every process a step started and left behind (a
 * server in the background, a child in a group of its own) ends up as our
 * child once the step is gone. Between steps there should be none, so all
 * that are there are killed and reaped. With a PID namespace per step the
 * kernel has killed them already.
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

/*
 * Asks for a new PID namespace for the next child only: the caller forks,
 * then calls leave_pidns. Returns 1 when the next child is a namespace's
 * init, 0 when namespaces are refused (said the first time).
 */
static int
enter_pidns(void)
{
	if (pidns_ok == 0)
		return 0;
	if (own_pidns_fd < 0) {
		own_pidns_fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
		if (own_pidns_fd < 0) {
			log_warnx("step processes get no PID namespace (cannot open "
				  "'/proc/self/ns/pid': %s): what a step leaves behind is swept "
				  "up after it, but survives if pvci is killed", strerror(errno));
			pidns_ok = 0;
			return 0;
		}
	}
	if (unshare(CLONE_NEWPID) < 0) {
		log_warnx("step processes get no PID namespace (unshare: %s): what a step "
			  "leaves behind is swept up after it, but survives if pvci is killed",
			  strerror(errno));
		pidns_ok = 0;
		return 0;
	}
	pidns_ok = 1;
	return 1;
}

/* Our later children are born in our own namespace again. */
static void
leave_pidns(void)
{
	if (setns(own_pidns_fd, CLONE_NEWPID) < 0) {
		/* Every later fork would fail in the dead namespace: stop using them. */
		log_warn("cannot return to our own PID namespace");
		pidns_ok = 0;
	}
}

/* The namespace's init forwards an interrupt to the step, which it is not. */
static volatile pid_t init_worker;

static void
init_forward(int sig)
{
	if (init_worker > 0)
		kill(init_worker, sig);
}

static void
unblock_all(void)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void
run_fn(int (*fn)(void *arg), void *arg)
{
	int rc;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	unblock_all();
	rc = fn(arg);
	fflush(NULL);
	_exit(rc);
}

/*
 * The init of the step's PID namespace (pid 1 there): runs fn in a child,
 * reaps every orphan of the namespace until that child ends, hands its wait
 * status to the runner through status_fd and exits, upon which the kernel
 * kills whatever is left in the namespace. As init it gets from outside only
 * the signals it handles (and SIGKILL): it forwards interrupts to the step.
 */
static void
pidns_init(int (*fn)(void *arg), void *arg, int status_fd)
{
	struct sigaction sa = { .sa_handler = init_forward };
	int status = 0;
	pid_t worker;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	prctl(PR_SET_NAME, "pvci-step-init");
	worker = fork();
	if (worker < 0) {
		dprintf(2, "pvci: cannot fork the step process: %s\n", strerror(errno));
		_exit(127);
	}
	if (worker == 0) {
		close(status_fd);
		run_fn(fn, arg);
	}
	init_worker = worker;
	unblock_all();
	for (;;) {
		int st;
		pid_t r = wait(&st);

		if (r == worker) {
			status = st;
			break;
		}
		if (r < 0 && errno != EINTR)
			_exit(127);
	}
	if (write(status_fd, &status, sizeof(status)) != (ssize_t)sizeof(status))
		_exit(127);
	_exit(0);
}

static void
child(int (*fn)(void *arg), void *arg, const struct supervise_opts *o, int in_pidns,
      int status_fd, pid_t parent)
{
	int devnull;

	setpgid(0, 0);
	/* If the runner is killed, its step goes too (recovery marks it broken). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/*
	 * The runner may have died before that took effect. (A namespace's
	 * init sees its parent as 0 and cannot tell.)
	 */
	if (!in_pidns && getppid() != parent)
		_exit(127);
	if (o->sigfd >= 0)
		close(o->sigfd);
	devnull = open("/dev/null", O_RDONLY);
	dup2(devnull, 0);
	dup2(o->out_fd, 1);
	dup2(o->out_fd, 2);
	if (in_pidns)
		pidns_init(fn, arg, status_fd);
	close(status_fd);
	run_fn(fn, arg);
}

/*
 * Waits for the child until it ends, the deadline, or a signal on_signal
 * says stops it: 1 when it ended (status set), 0 if not (*why set).
 */
static int
wait_child(pid_t pid, const struct supervise_opts *o, int *status, struct supervise_result *res)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int ended = 0;

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = pidfd, .events = POLLIN },
			{ .fd = o->sigfd, .events = POLLIN },
		};
		double left = o->deadline - now_monotonic();
		int sig, ms;

		if (waitpid(pid, status, WNOHANG) == pid) {
			ended = 1;
			break;
		}
		while ((sig = supervise_signal_pending(o->sigfd)) != 0) {
			if (!o->on_signal || o->on_signal(sig, o->opaque)) {
				res->end = SUPERVISE_INTERRUPTED;
				res->status = sig;
				goto out;
			}
		}
		if (left <= 0) {
			res->end = SUPERVISE_TIMEOUT;
			break;
		}
		ms = (int)(left * 1000) + 1;
		/* Without a pidfd (old kernel), look again every 100 ms. */
		if (pidfd < 0 && ms > 100)
			ms = 100;
		/* The signals are blocked, so one that comes now wakes this poll. */
		poll(pfd, 2, ms);
	}
out:
	if (pidfd >= 0)
		close(pidfd);
	return ended;
}

void
supervise_run(int (*fn)(void *arg), void *arg, const struct supervise_opts *o,
	      struct supervise_result *res)
{
	int status = 0, fds[2], in_pidns, init_status;
	pid_t pid, parent;

	memset(res, 0, sizeof(*res));
	if (pipe2(fds, O_CLOEXEC) < 0) {
		res->end = SUPERVISE_NOT_STARTED;
		res->status = errno;
		error("cannot make a pipe for a step process");
		return;
	}
	fflush(NULL);
	in_pidns = enter_pidns();
	parent = getpid();
	pid = fork();
	if (pid < 0)
		res->status = errno;
	if (in_pidns && pid != 0)
		leave_pidns();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		res->end = SUPERVISE_NOT_STARTED;
		errno = res->status;
		error("cannot fork a step process");
		return;
	}
	if (pid == 0) {
		close(fds[0]);
		child(fn, arg, o, in_pidns, fds[1], parent);
	}
	close(fds[1]);
	setpgid(pid, pid);

	if (!wait_child(pid, o, &status, res))
		proc_kill_group(pid, pid, KILL_GRACE);
	/* The step's own wait status, which the namespace's init handed on. */
	if (in_pidns && read(fds[0], &init_status, sizeof(init_status)) ==
	    (ssize_t)sizeof(init_status))
		status = init_status;
	close(fds[0]);
	if (res->end != SUPERVISE_TIMEOUT && res->end != SUPERVISE_INTERRUPTED) {
		if (WIFEXITED(status)) {
			res->end = SUPERVISE_EXITED;
			res->status = WEXITSTATUS(status);
		} else {
			res->end = SUPERVISE_SIGNALED;
			res->status = WTERMSIG(status);
		}
	}
	/* Whatever the step left behind goes with it. */
	kill(-pid, SIGKILL);
	reap_leftovers();
}
