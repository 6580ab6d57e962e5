/*
 * Supervision of a step's child process. The child is the init of a PID
 * namespace of its own: when it ends, or dies with us (it has a parent-death
 * signal), the kernel kills every process the step started, even one that
 * left with setsid. Where namespaces are refused (no CAP_SYS_ADMIN) it falls
 * back to a process group and a subreaper sweep after the step, said once.
 *
 * Interrupts: the runner blocks SIGINT, SIGTERM and SIGHUP for the whole
 * run and reads them from a signalfd, so none is lost between a check and
 * a wait; children get them unblocked.
 */
#ifndef PVCI_SUPERVISE_H
#define PVCI_SUPERVISE_H

enum supervise_end {
	SUPERVISE_EXITED,	/* status is its exit status */
	SUPERVISE_SIGNALED,	/* status is the signal that killed it */
	SUPERVISE_TIMEOUT,	/* the deadline passed: it was killed */
	SUPERVISE_INTERRUPTED,	/* on_signal said stop: it was killed; status is the signal */
	SUPERVISE_NOT_STARTED,	/* fork failed (reported); status is errno */
};

struct supervise_result {
	enum supervise_end end;
	int status;
};

struct supervise_opts {
	int out_fd;		/* the child's stdout and stderr */
	double deadline;	/* monotonic seconds */
	int sigfd;		/* from supervise_signals_open, or -1 */
	/*
	 * Called with each signal read from sigfd while the child runs:
	 * returns 1 to kill the child, 0 to let it go on. NULL: always 1.
	 */
	int (*on_signal)(int sig, void *opaque);
	void *opaque;
};

/*
 * Makes this process the child subreaper, so that whatever a step starts
 * and leaves behind becomes our child once the step is gone (the sweep
 * when PID namespaces are refused).
 */
void supervise_init(void);

/*
 * Blocks SIGINT, SIGTERM and SIGHUP and returns a signalfd reading them;
 * -1 (reported) on error, with the mask unchanged.
 */
int supervise_signals_open(void);
/* The next signal pending on fd, without waiting; 0 when none. */
int supervise_signal_pending(int fd);
/* Drops pending signals, closes fd and unblocks them again. */
void supervise_signals_close(int fd);

/*
 * Runs fn(arg) in a child process with stdin from /dev/null and stdout
 * and stderr to opts->out_fd; fn's return value is the child's exit status.
 * Waits until it ends, until the deadline or until on_signal says stop;
 * then kills it and everything it started. No database connection may be
 * open in this process when it is called (none crosses a fork).
 */
void supervise_run(int (*fn)(void *arg), void *arg, const struct supervise_opts *opts,
		   struct supervise_result *res);

/* 1 when steps run in PID namespaces of their own, 0 when refused (so far). */
int supervise_uses_pidns(void);

#endif
