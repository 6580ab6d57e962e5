/*
 * Which job runs next: pure logic, state in and a decision out, no I/O, so
 * it can be unit-tested and benchmarked.
 */
#ifndef PVCI_SCHED_H
#define PVCI_SCHED_H

#include "status.h"

struct sched_job {
	const char *name;
	enum status status;
	char *const *needs;
	int nneeds;
	int selected;		/* this run may start it */
};

enum sched_action {
	SCHED_RUN,		/* start jobs[job] */
	SCHED_BLOCK,		/* jobs[job] can never run: jobs[because] did not pass */
	SCHED_WAIT,		/* jobs remain but wait on jobs running elsewhere */
	SCHED_DONE,		/* nothing left this run may start */
};

struct sched_decision {
	enum sched_action action;
	int job;
	int because;
};

/*
 * The first job jobs[job] needs that exists and has not passed (its index),
 * or -1: what a queued job left at SCHED_DONE waits on.
 */
int sched_unmet_need(const struct sched_job *jobs, int n, int job);

/*
 * The next decision. Blocking comes first (so a failure shows at once),
 * then the first runnable job in recipe order.
 */
struct sched_decision sched_next(const struct sched_job *jobs, int n);

#endif
