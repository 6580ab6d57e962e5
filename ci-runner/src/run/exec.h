/*
 * Running a flight: jobs in dependency order (sched decides), each job's
 * steps in order, each step in a child process of its own with its own log
 * (logs/FLIGHT/JOB/NN.TESTID.log) and time limit. Progress goes to stdout.
 */
#ifndef PVCI_EXEC_H
#define PVCI_EXEC_H

struct instance;

/* Worst outcome of a run, as the exit status of "pvci flight run". */
enum exec_outcome {
	EXEC_PASS = 0,
	EXEC_FAILED = 1,	/* something failed or was blocked */
	EXEC_BROKEN = 2,	/* something broke */
	EXEC_ERROR = 3,		/* could not run at all */
};

/* Runs the queued jobs of flight that match glob (NULL: all). */
enum exec_outcome exec_flight(struct instance *inst, long flight, const char *glob);

/*
 * Runs the pending "always" steps (log capture, cleanup) of jobs whose
 * owner died, so that no guest or overlay of theirs outlives them.
 */
int exec_recover_cleanups(struct instance *inst);

#endif
