/*
 * pvci flight diff: what changed from flight A to flight B. Pure: it reads
 * the rows db_diff_flight gives and computes, prints nothing itself.
 *
 *   revisions     per tree, the revision_TREE and built_revision_TREE
 *                 runvars (every distinct non-empty value across the jobs),
 *                 ordered by tree, the requested revision first
 *   statuses      jobs and steps (by the recipe's testid) whose status
 *                 changed or that are in one flight only; the steps of a
 *                 job in one flight only are not listed, the job is
 *   runvars       of jobs in both flights, the ones whose value differs or
 *                 that one flight lacks (definition and synthetic), the
 *                 revision runvars left to the first section
 *   measurements  per job, step and metric, the median of each flight's
 *                 values and B's change relative to A in percent
 *
 * A side that lacks something is NULL (na == 0 for measurements).
 */
#ifndef PVCI_FLIGHT_DIFF_H
#define PVCI_FLIGHT_DIFF_H

#include <jansson.h>

#include "db.h"
#include "util.h"

struct fdiff_revision {
	char *name;		/* the runvar: revision_src, built_revision_src */
	const char *tree;	/* in name: src */
	int built;		/* built_revision_TREE (what was built) */
	char *a, *b;		/* values, space-separated when jobs differ */
};

struct fdiff_status {
	char *job;
	char *testid;		/* NULL: the job's own status */
	const char *a, *b;	/* status names */
};

struct fdiff_runvar {
	char *job;
	char *name;
	char *a, *b;
	int synth;		/* set while running (either side) */
};

struct fdiff_measure {
	char *job;
	char *testid;
	char *metric;
	char *unit;
	double a, b;		/* medians */
	int na, nb;		/* how many values each flight has */
	int has_change;		/* 0 when a side lacks it or A's median is 0 */
	double change;		/* (b - a) / |a| * 100 */
};

/* Which flight a side is. */
struct fdiff_flight {
	long flight;
	char *branch, *blessing, *recipe;	/* NULL when not known */
};

struct flight_diff {
	struct fdiff_flight a, b;
	struct fdiff_revision *revisions;
	int nrevisions;
	struct fdiff_status *statuses;
	int nstatuses;
	struct fdiff_runvar *runvars;
	int nrunvars;
	struct fdiff_measure *measures;
	int nmeasures;
};

struct flight_diff *flight_diff(const struct db_diff_flight *a, const struct db_diff_flight *b);
void flight_diff_free(struct flight_diff *d);

/* The median of n values sorted ascending (n > 0). */
double flight_diff_median(const double *sorted, int n);

/* The diff for a maintainer, appended to out. */
void flight_diff_text(const struct flight_diff *d, struct strbuf *out);
/* The diff for machines: a new object. */
json_t *flight_diff_json(const struct flight_diff *d);

#endif
