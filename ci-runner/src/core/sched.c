#include <string.h>

#include "sched.h"

int
sched_status_final(const char *status)
{
	static const char *const finals[] = { "pass", "fail", "broken", "blocked", "aborted" };
	size_t i;

	for (i = 0; i < sizeof(finals) / sizeof(finals[0]); i++)
		if (strcmp(status, finals[i]) == 0)
			return 1;
	return 0;
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

struct sched_decision
sched_next(const struct sched_job *jobs, int n)
{
	struct sched_decision d = { SCHED_DONE, -1, -1 };
	int i, k, waiting = 0;

	for (i = 0; i < n; i++) {
		if (strcmp(jobs[i].status, "queued"))
			continue;
		for (k = 0; k < jobs[i].nneeds; k++) {
			int dep = find(jobs, n, jobs[i].needs[k]);

			/* A dependency that is missing, or finished without passing, blocks. */
			if (dep < 0 || (sched_status_final(jobs[dep].status) &&
					strcmp(jobs[dep].status, "pass"))) {
				d.action = SCHED_BLOCK;
				d.job = i;
				d.because = dep;
				return d;
			}
		}
	}
	for (i = 0; i < n; i++) {
		int ready = 1;

		if (strcmp(jobs[i].status, "queued"))
			continue;
		for (k = 0; k < jobs[i].nneeds; k++) {
			int dep = find(jobs, n, jobs[i].needs[k]);

			if (strcmp(jobs[dep].status, "pass")) {
				ready = 0;
				if (!strcmp(jobs[dep].status, "running") ||
				    !strcmp(jobs[dep].status, "preparing") || jobs[dep].selected)
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
			if (!strcmp(jobs[i].status, "running") || !strcmp(jobs[i].status, "preparing"))
				d.action = SCHED_WAIT;
	}
	return d;
}
