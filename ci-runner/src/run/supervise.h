/*
 * Supervision of a step's child process: forked into a process group of
 * its own, killed with us, waited for until its deadline or an interrupt,
 * and everything it left behind killed and reaped after it.
 */
#ifndef PVCI_SUPERVISE_H
#define PVCI_SUPERVISE_H

#include <signal.h>

enum supervise_end {
	SUPERVISE_EXITED,	/* status is its exit status */
	SUPERVISE_SIGNALED,	/* status is the signal that killed it */
	SUPERVISE_TIMEOUT,	/* the deadline passed: its group was killed */
	SUPERVISE_INTERRUPTED,	/* *stop was set: its group was killed */
	SUPERVISE_NOT_STARTED,	/* fork failed (reported) */
};

struct supervise_result {
	enum supervise_end end;
	int status;
};

/*
 * Makes this process the child subreaper, so that whatever a step starts
 * and leaves behind becomes our child once the step is gone.
 */
void supervise_init(void);

/*
 * Runs fn(arg) in a child process with stdin from /dev/null and stdout
 * and stderr to out_fd; fn's return value is the child's exit status.
 * Waits until it ends, until deadline (monotonic seconds) or, when stop is
 * not NULL, until *stop is set (a signal handler's flag); then kills its
 * process group and reaps every leftover process.
 */
void supervise_run(int (*fn)(void *arg), void *arg, int out_fd, double deadline,
		   const volatile sig_atomic_t *stop, struct supervise_result *res);

#endif
