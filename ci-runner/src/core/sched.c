#include <string.h>

#include "sched.h"

static int
in_progress(enum status st)
{
	return st == STATUS_RUNNING || st == STATUS_PREPARING;
}

static int
find(const struct sched_job *jobs, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(jobs[i].name, name) == 0)
			return i;
	return -1;
}

int
sched_unmet_need(const struct sched_job *jobs, int n, int job)
{
	int k;

	for (k = 0; k < jobs[job].nneeds; k++) {
		int dep = find(jobs, n, jobs[job].needs[k]);

		if (dep >= 0 && jobs[dep].status != STATUS_PASS)
			return dep;
	}
	return -1;
}

struct sched_decision
sched_next(const struct sched_job *jobs, int n)
{
	struct sched_decision d = { SCHED_DONE, -1, -1 };
	int i, k, waiting = 0;

	for (i = 0; i < n; i++) {
		if (jobs[i].status != STATUS_QUEUED)
			continue;
		for (k = 0; k < jobs[i].nneeds; k++) {
			int dep = find(jobs, n, jobs[i].needs[k]);

			/* A dependency that is missing, or finished without passing, blocks. */
			if (dep < 0 || (status_is_final(jobs[dep].status) &&
					jobs[dep].status != STATUS_PASS)) {
				d.action = SCHED_BLOCK;
				d.job = i;
				d.because = dep;
				return d;
			}
		}
	}
	for (i = 0; i < n; i++) {
		int ready = 1;

		if (jobs[i].status != STATUS_QUEUED)
			continue;
		for (k = 0; k < jobs[i].nneeds; k++) {
			int dep = find(jobs, n, jobs[i].needs[k]);

			if (jobs[dep].status != STATUS_PASS) {
				ready = 0;
				if (in_progress(jobs[dep].status) || jobs[dep].selected)
					waiting |= jobs[i].selected;
			}
		}
		if (ready && jobs[i].selected) {
			d.action = SCHED_RUN;
			d.job = i;
			return d;
		}
	}
	if (waiting) {
		for (i = 0; i < n; i++)
			if (in_progress(jobs[i].status))
				d.action = SCHED_WAIT;
	}
	return d;
}
