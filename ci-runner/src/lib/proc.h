/*
 * Running external programs: always an argv (never a shell), in a process
 * group of their own so that a time limit kills them and their children,
 * with output going to a log descriptor.
 */
#ifndef PVCI_PROC_H
#define PVCI_PROC_H

#include <stddef.h>
#include <sys/types.h>

struct proc_opts {
	const char *cwd;		/* NULL: inherit */
	const char *const *env;		/* extra NAME=VALUE entries, or NULL */
	int out_fd;			/* stdout and stderr go here; -1: /dev/null */
	char **capture;			/* if not NULL, stdout is captured here */
	size_t capture_max;		/* bytes kept of stdout; more is an error */
	double timeout;			/* seconds; <= 0 means none */
};

#define PROC_TIMEOUT (-2)

/*
 * Returns the exit status (0..255), 128+signal when killed by a signal,
 * -1 when it could not be started, PROC_TIMEOUT when the time ran out (the
 * whole process group is then killed). Errors are reported here.
 *
 * "Could not be started" covers a program not found in PATH, not
 * executable, a cwd that cannot be entered, and fork or pipe failures; it
 * is reported as "cannot run 'x': No such file or directory". The child
 * tells the parent through a close-on-exec pipe, so a program that started
 * and then exited 127 by itself returns 127, an ordinary status. The child
 * gets default signal dispositions and an empty signal mask.
 */
int proc_run(const char *const argv[], const struct proc_opts *opts);

/* Kills a process group: SIGTERM, then SIGKILL after grace seconds. */
void proc_kill_group(pid_t pgid, pid_t pid, double grace);

/*
 * Waits for child pid to exit, at most timeout seconds (<= 0: forever).
 * Returns 0 with *status set, or PROC_TIMEOUT. Uses a pidfd, no polling.
 */
int proc_wait(pid_t pid, double timeout, int *status);

/* The start time of a process (from /proc/PID/stat), 0 if it is gone. */
unsigned long long proc_start_time(pid_t pid);

#endif
