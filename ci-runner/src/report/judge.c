#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "judge.h"
#include "util.h"

static const char *const finding_names[] = {
	[FINDING_REGRESSION] = "regression",
	[FINDING_BROKEN] = "broken",
	[FINDING_LIKE] = "like",
	[FINDING_FAILED_IN] = "failed-in",
	[FINDING_BLOCKED_IN] = "blocked-in",
	[FINDING_UNTESTED] = "baseline-untested",
	[FINDING_NEVER_PASS] = "never-pass",
	[FINDING_BLOCKED_NA] = "blocked",
	[FINDING_PASS_IN] = "pass-in",
	[FINDING_UNFINISHED] = "unfinished",
	[FINDING_ALLOWABLE] = "allowable",
	[FINDING_PERF] = "perf-regression",
};

const char *
finding_name(enum finding f)
{
	return (unsigned)f <= FINDING_LAST ? finding_names[f] : "?";
}

static struct judgement
found(enum finding f, long flight, int blocks)
{
	struct judgement j = { f, flight, blocks };

	return j;
}

static int
same_note(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/*
 * The order matters: what is not over yet, and infrastructure trouble, are
 * told first (neither says anything about the drivers); then a pass on the
 * same revisions (flaky), then the baseline.
 */
struct judgement
judge_step(const struct judge_input *in)
{
	switch (in->status) {
	case STATUS_QUEUED:
	case STATUS_PREPARING:
	case STATUS_RUNNING:
		return found(FINDING_UNFINISHED, 0, 1);
	case STATUS_BROKEN:
		return found(FINDING_BROKEN, 0, 1);
	case STATUS_PASS:
	case STATUS_FAIL:
	case STATUS_BLOCKED:
	case STATUS_ABORTED:
	case STATUS_SKIPPED:
		break;
	}
	if (in->job_status == STATUS_BLOCKED || in->status == STATUS_BLOCKED)
		return found(FINDING_BLOCKED_NA, 0, 0);
	/* A job interrupted before this step ran: not over. */
	if (in->status == STATUS_SKIPPED || in->status == STATUS_ABORTED)
		return found(FINDING_UNFINISHED, 0, 1);
	if (in->pass_same)
		return found(FINDING_PASS_IN, in->pass_same, 0);
	if (in->baseline && in->base_has_step && in->base_status == STATUS_PASS)
		return in->allowed ? found(FINDING_ALLOWABLE, in->baseline, 0)
				   : found(FINDING_REGRESSION, in->baseline, 1);
	if (!in->last_pass)
		return found(FINDING_NEVER_PASS, 0, 0);
	if (!in->baseline || !in->base_has_job)
		return found(FINDING_UNTESTED, in->baseline, 0);
	if (!in->base_has_step || in->base_job_status == STATUS_BLOCKED ||
	    in->base_status == STATUS_SKIPPED || !status_is_final(in->base_status))
		return found(FINDING_BLOCKED_IN, in->baseline, 0);
	if (in->base_status == STATUS_FAIL && same_note(in->note, in->base_note))
		return found(FINDING_LIKE, in->baseline, 0);
	return found(FINDING_FAILED_IN, in->baseline, 0);
}

char *
finding_text(const struct judgement *j)
{
	switch (j->finding) {
	case FINDING_REGRESSION:
		return xasprintf("REGR. vs. %ld", j->flight);
	case FINDING_LIKE:
		return xasprintf("like %ld", j->flight);
	case FINDING_FAILED_IN:
		return xasprintf("failed in %ld", j->flight);
	case FINDING_BLOCKED_IN:
		return xasprintf("blocked in %ld", j->flight);
	case FINDING_PASS_IN:
		return xasprintf("pass in %ld", j->flight);
	case FINDING_ALLOWABLE:
		return xasprintf("allowable (REGR. vs. %ld)", j->flight);
	case FINDING_PERF:
		return xasprintf("perf REGR. vs. %ld", j->flight);
	case FINDING_UNTESTED:
		return xstrdup("baseline untested");
	case FINDING_NEVER_PASS:
		return xstrdup("never pass");
	case FINDING_BLOCKED_NA:
		return xstrdup("blocked n/a");
	case FINDING_BROKEN:
		return xstrdup("broken");
	case FINDING_UNFINISHED:
		return xstrdup("unfinished");
	}
	return xstrdup("?");
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
judge_metric(double value, double *history, int n, const struct tolerance *t,
	     struct metric_judgement *out)
{
	double m;

	if (n <= 0)
		return -1;
	qsort(history, (size_t)n, sizeof(*history), cmp_double);
	m = n % 2 ? history[n / 2] : (history[n / 2 - 1] + history[n / 2]) / 2;
	out->median = m;
	out->change = m != 0 ? (value - m) / fabs(m) : 0;
	out->regressed = t->sign < 0 ? value < m - fabs(m) * t->fraction
				     : value > m + fabs(m) * t->fraction;
	return 0;
}
