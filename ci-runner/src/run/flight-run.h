/*
 * Running a flight: jobs in dependency order (sched decides), each job's
 * steps in order, each step in a child process of its own (supervise.h)
 * with its own log and time limit. Progress goes to a listener as events
 * (events.h); nothing here prints.
 */
#ifndef PVCI_FLIGHT_RUN_H
#define PVCI_FLIGHT_RUN_H

#include "events.h"

struct instance;

/* Worst outcome of a run, as the exit status of "pvci flight run". */
enum run_outcome {
	RUN_PASS = 0,
	RUN_FAILED = 1,		/* something failed or was blocked, or could not run */
	RUN_BROKEN = 2,		/* something broke, or the run was interrupted */
	RUN_ERROR = 3,		/* could not run at all */
};

/*
 * Runs the queued jobs of flight that match glob (NULL: all), telling
 * listener (may be NULL) as it goes. SIGINT, SIGTERM and SIGHUP interrupt
 * the run: the running step is killed, the always steps still run.
 */
enum run_outcome run_flight(struct instance *inst, long flight, const char *glob,
			    const struct run_listener *listener);

/*
 * Runs the pending "always" steps (log capture, cleanup) of jobs whose
 * owner died, so that no guest or overlay of theirs outlives them.
 */
int run_recover_cleanups(struct instance *inst, const struct run_listener *listener);

#endif
