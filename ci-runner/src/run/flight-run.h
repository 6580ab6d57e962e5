/*
 * Running a flight: jobs in dependency order (sched decides), each job's
 * steps in order, each step in a child process of its own (supervise.h)
 * with its own log and time limit. Progress goes to a listener as events
 * (events.h); nothing here prints.
 */
#ifndef PVCI_FLIGHT_RUN_H
#define PVCI_FLIGHT_RUN_H

#include "events.h"
#include "status.h"

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

/*
 * Runs one job this process has claimed already (pvci job run claims it
 * with its host lease in one transaction), with the whole-job time limit
 * scheduler.job_timeout, and records its end. *status: the job's status.
 */
enum run_outcome run_job_claimed(struct instance *inst, long flight, const char *job,
				 const struct run_listener *listener, enum status *status);
/* Blocks a queued job and skips its steps: 1 done, 0 when no longer queued, -1. */
int run_block_job(struct instance *inst, long flight, const char *job, const char *note);
/* Records the flight's end when every job of it has a final status: 1, 0 not yet, -1. */
int run_flight_finish_if_done(struct instance *inst, long flight);

#endif
