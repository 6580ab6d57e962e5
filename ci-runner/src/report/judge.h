/*
 * Regression analysis: what a step that did not pass means for the push.
 * Pure: the facts are gathered from the database by report.c and handed
 * in; nothing here reads a file or the database, so the table of findings
 * is tested case by case (test-judge.c).
 */
#ifndef PVCI_JUDGE_H
#define PVCI_JUDGE_H

#include "status.h"
#include "tolerance.h"

enum finding {
	FINDING_REGRESSION,	/* "REGR. vs. N": passed in the baseline N; blocks */
	FINDING_BROKEN,		/* "broken": infrastructure trouble; blocks */
	FINDING_LIKE,		/* "like N": failed the same way in the baseline */
	FINDING_FAILED_IN,	/* "failed in N": failed differently in the baseline */
	FINDING_BLOCKED_IN,	/* "blocked in N": the baseline's job did not run it */
	FINDING_UNTESTED,	/* "baseline untested": no baseline has the job */
	FINDING_NEVER_PASS,	/* "never pass": never passed on this branch */
	FINDING_BLOCKED_NA,	/* "blocked n/a": a job it needs did not pass */
	FINDING_PASS_IN,	/* "pass in N": passed in flight N of the same revisions */
	FINDING_UNFINISHED,	/* "unfinished": still queued or running; blocks */
	FINDING_ALLOWABLE,	/* "allowable": a regression an allow entry excuses */
	FINDING_PERF,		/* "perf REGR. vs. N": a measurement beyond its tolerance; blocks */
};
#define FINDING_LAST FINDING_PERF

/* What is known of one step that did not pass, and of its history. */
struct judge_input {
	enum status job_status;		/* of its job in the judged flight */
	enum status status;		/* of the step in the judged flight */
	const char *note;		/* the step's note (how it failed), or NULL */
	long baseline;			/* the baseline flight, 0 when none */
	int base_has_job;		/* the baseline flight has the job */
	int base_has_step;		/* and the step */
	enum status base_job_status;
	enum status base_status;	/* the step's status in the baseline */
	const char *base_note;
	long last_pass;			/* latest earlier real flight it passed in, 0 never */
	long pass_same;			/* another flight of the same revisions it passed in, 0 none */
	int allowed;			/* a live allow entry matches it */
};

struct judgement {
	enum finding finding;
	long flight;		/* the flight the finding comes from (0: this one) */
	int blocks;		/* it stops the push */
};

struct judgement judge_step(const struct judge_input *in);

/* "regression", "broken", ... (JSON and the mro). */
const char *finding_name(enum finding f);
/* "REGR. vs. 5", "like 5", "never pass", ...; caller frees. */
char *finding_text(const struct judgement *j);

/* A measurement against the median of its history. */
struct metric_judgement {
	double median;
	double change;		/* relative to the median: -0.25 for 25 % below */
	int regressed;		/* beyond the tolerance, the wrong way */
};
/*
 * Judges value against the median of history[0..n) (reordered here):
 * 0 with *out filled, -1 when there is no history (n == 0).
 */
int judge_metric(double value, double *history, int n, const struct tolerance *t,
		 struct metric_judgement *out);

#endif
