#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include <jansson.h>

#include "db.h"
#include "tolerance.h"
#include "judge.h"
#include "log.h"
#include "proc.h"
#include "mail.h"
#include "report.h"
#include "util.h"

/* One step that did not pass, judged. */
struct row {
	const struct db_step_result *step;	/* borrowed from the flight's results */
	struct judgement j;
	char *text;				/* "REGR. vs. 5", ... */
	const struct allow_entry *allow;	/* the entry that allowed it */
	const struct allow_entry *expired;	/* an entry that would have, expired */
	struct db_regression reg;		/* its regression, when has_reg */
	int has_reg;
	const struct db_measurement *m;		/* a performance finding's measurement */
	struct metric_judgement mj;
	int nhist;				/* flights its median is of */
	long flaky;				/* a flaky step's flakiness count */
};

struct report {
	struct db_flight_info info;
	struct db_flight_info that_info;	/* of "that", when that */
	struct db_step_result *steps;
	int nsteps;
	struct db_measurement *ms;
	int nms;
	struct row *rows;
	int nrows;
	long tested;			/* the tested revisions' flight, 0 none */
	int ntested_revs;		/* tested revisions recorded for the branch */
	long that;			/* the flight whose revisions "that" shows */
	struct db_revision *this_revs, *that_revs;
	int nthis, nthat;
	int blocks;
	const char *verdict;
	char *authors;			/* of the commits under test, one a line, or NULL */
	long same_since;		/* the first real flight of this flight's revisions */
	long same_since_created;
	int same_count;			/* real flights of them since (this one included) */
	long retried_in;		/* the retry flight of this one, 0 none */
	int tested_by_gate;		/* tested: the gate's last advance before it */
};

static void
report_release(struct report *r)
{
	int i;

	for (i = 0; i < r->nrows; i++) {
		free(r->rows[i].text);
		free(r->rows[i].reg.branch);
		free(r->rows[i].reg.job);
		free(r->rows[i].reg.testid);
	}
	free(r->rows);
	db_step_results_free(r->steps, r->nsteps);
	db_measurements_free(r->ms, r->nms);
	db_revisions_free(r->this_revs, r->nthis);
	db_revisions_free(r->that_revs, r->nthat);
	db_flight_info_release(&r->info);
	db_flight_info_release(&r->that_info);
	free(r->authors);
}

/* 1 when step s passed in the retry flight of flight, 0 when not, -1. */
static int
passed_on_retry(struct db *db, long flight, const struct db_step_result *s)
{
	struct db_step_result r;
	long retry = db_flight_retry(db, flight);
	int rc;

	if (retry <= 0)
		return retry < 0 ? -1 : 0;
	rc = db_step_result_in(db, retry, s->job, s->testid, &r);
	if (rc < 0)
		return -1;
	rc = rc == 2 && r.status == STATUS_PASS;
	free(r.job);
	free(r.testid);
	free(r.note);
	return rc;
}

/* Gathers what judge_step needs of a failed step's history. */
static int
history(struct db *db, const struct report *r, const struct db_step_result *s,
	struct judge_input *in)
{
	const char *branch = r->info.branch;
	long flight = r->info.flight;
	struct db_step_result base;
	int rc;

	in->baseline = r->tested ? r->tested
				 : db_step_last_result(db, branch, flight, s->job, s->testid);
	if (in->baseline < 0)
		return -1;
	if (in->baseline) {
		rc = db_step_result_in(db, in->baseline, s->job, s->testid, &base);
		if (rc < 0)
			return -1;
		in->base_has_job = rc >= 1;
		in->base_has_step = rc == 2;
		in->base_job_status = base.job_status;
		in->base_status = base.status;
		if (base.status == STATUS_FAIL && (rc = passed_on_retry(db, in->baseline, s)) < 0) {
			free(base.note);
			free(base.job);
			free(base.testid);
			return -1;
		}
		/* The baseline's flaky failure passed in its retry: a pass. */
		if (base.status == STATUS_FAIL && rc == 1) {
			in->base_job_status = STATUS_PASS;
			in->base_status = STATUS_PASS;
		}
		/* The caller frees the note once the step is judged. */
		in->base_note = base.note;
		free(base.job);
		free(base.testid);
	}
	in->last_pass = db_step_last_pass(db, branch, flight, s->job, s->testid);
	in->pass_same = db_step_pass_same_revisions(db, branch, flight, s->job, s->testid);
	if (in->last_pass < 0 || in->pass_same < 0) {
		free((char *)in->base_note);
		return -1;
	}
	return 0;
}

/* The steps worth a finding: not passed, and not merely skipped after a failure. */
static int
wants_finding(const struct db_step_result *s)
{
	if (s->status == STATUS_PASS)
		return 0;
	if (s->status == STATUS_SKIPPED)
		return !status_is_final(s->job_status) || s->job_status == STATUS_ABORTED;
	return 1;
}

static int
judge_all(struct db *db, struct report *r, const struct report_opts *o)
{
	const char *blocked_job = NULL;
	int i;

	r->rows = xcalloc((size_t)r->nsteps + (size_t)r->nms + 1, sizeof(*r->rows));
	for (i = 0; i < r->nsteps; i++) {
		const struct db_step_result *s = &r->steps[i];
		struct judge_input in = { .job_status = s->job_status, .status = s->status,
					  .note = s->note };
		struct row *row;

		if (!wants_finding(s) && s->job_status != STATUS_BLOCKED)
			continue;
		/* A blocked job is one finding, on its first step. */
		if (s->job_status == STATUS_BLOCKED) {
			if (blocked_job && !strcmp(blocked_job, s->job))
				continue;
			blocked_job = s->job;
		}
		row = &r->rows[r->nrows++];
		row->step = s;
		if (s->status == STATUS_FAIL && s->job_status != STATUS_BLOCKED) {
			if (history(db, r, s, &in) < 0)
				return -1;
			if (o->allow)
				row->allow = allow_match(o->allow, s->job, s->testid, o->today,
							 &row->expired);
			in.allowed = row->allow != NULL;
		}
		row->j = judge_step(&in);
		free((char *)in.base_note);
		row->text = finding_text(&row->j);
		if (row->j.finding == FINDING_PASS_IN) {
			row->flaky = db_step_flaky_count(db, r->info.branch, r->info.flight, s->job,
							 s->testid);
			if (row->flaky < 0)
				return -1;
		}
		if (row->j.blocks)
			r->blocks = 1;
		/* "That" is the newest baseline; a flaky pass elsewhere is none. */
		if (row->j.finding != FINDING_PASS_IN && row->j.flight > r->that && !r->tested)
			r->that = row->j.flight;
	}
	return 0;
}

/* The step that took measurement m, among the flight's steps. */
static const struct db_step_result *
step_of(const struct report *r, const struct db_measurement *m)
{
	int i;

	for (i = 0; i < r->nsteps; i++)
		if (r->steps[i].stepno == m->stepno && !strcmp(r->steps[i].job, m->job))
			return &r->steps[i];
	return NULL;
}

/*
 * Measurements of passed steps whose job sets a tolerance for the metric,
 * against the median of the job's last TOLERANCE_HISTORY passing real
 * flights: beyond it, a performance regression.
 */
static int
judge_measurements(struct db *db, struct report *r, const struct report_opts *o)
{
	double hist[TOLERANCE_HISTORY];
	long flights[TOLERANCE_HISTORY];
	int i;

	for (i = 0; i < r->nms; i++) {
		const struct db_measurement *m = &r->ms[i];
		const struct db_step_result *s = step_of(r, m);
		struct metric_judgement mj;
		struct tolerance tol;
		struct row *row;
		char *name, *value = NULL;
		int rc, n;

		if (!s || m->status != STATUS_PASS)
			continue;
		name = xasprintf("%s%s", TOLERANCE_PREFIX, m->metric);
		rc = db_runvar_read(db, r->info.flight, m->job, name, &value);
		free(name);
		if (rc < 0)
			return -1;
		if (rc == 0)
			continue;
		if (tolerance_parse(value, &tol) < 0) {
			errorx("flight %ld job '%s': tolerance '%s' of '%s' is not -N%% or +N%%",
			       r->info.flight, m->job, value, m->metric);
			free(value);
			return -1;
		}
		free(value);
		n = db_metric_history(db, r->info.branch, r->info.flight, m->job, m->metric,
				      TOLERANCE_HISTORY, hist, flights);
		if (n < 0)
			return -1;
		if (judge_metric(m->value, hist, n, &tol, &mj) < 0 || !mj.regressed)
			continue;
		row = &r->rows[r->nrows++];
		row->step = s;
		row->m = m;
		row->mj = mj;
		row->nhist = n;
		if (o->allow)
			row->allow = allow_match(o->allow, s->job, s->testid, o->today, &row->expired);
		row->j.finding = row->allow ? FINDING_ALLOWABLE : FINDING_PERF;
		row->j.flight = flights[0];
		row->j.blocks = !row->allow;
		row->text = xasprintf("%sperf REGR. vs. %ld: %s %g %s, %+.1f%% from the median "
				      "%g of %d flight%s%s", row->allow ? "allowable (" : "",
				      flights[0], m->metric, m->value, m->unit, 100 * mj.change,
				      mj.median, n, n == 1 ? "" : "s", row->allow ? ")" : "");
		if (row->j.blocks)
			r->blocks = 1;
	}
	return 0;
}

/* Records the regressions a real flight opens, continues and fixes (idempotent). */
static int
record(struct db *db, struct report *r)
{
	const char *branch = r->info.branch;
	long flight = r->info.flight;
	int i, k;

	if (db_begin(db) < 0)
		return -1;
	for (i = 0; i < r->nsteps; i++) {
		const struct db_step_result *s = &r->steps[i];
		const struct row *row = NULL;
		int rc = 0;

		for (k = 0; k < r->nrows; k++)
			if (r->rows[k].step == s && !r->rows[k].m)
				row = &r->rows[k];
		if (s->status == STATUS_PASS)
			rc = db_regression_pass(db, branch, s->job, s->testid, flight);
		else if (s->status == STATUS_FAIL && row && row->j.finding != FINDING_PASS_IN)
			rc = db_regression_fail(db, branch, s->job, s->testid, flight,
						row->j.finding == FINDING_REGRESSION ||
						row->j.finding == FINDING_ALLOWABLE, row->j.flight);
		if (rc < 0) {
			db_rollback(db);
			return -1;
		}
	}
	return db_commit(db);
}

static int
lookup_regressions(struct db *db, struct report *r)
{
	int i;

	for (i = 0; i < r->nrows; i++) {
		struct row *row = &r->rows[i];
		int rc;

		if (row->step->status != STATUS_FAIL || row->m)
			continue;
		rc = db_regression_of(db, r->info.branch, row->step->job, row->step->testid,
				      r->info.flight, &row->reg);
		if (rc < 0)
			return -1;
		row->has_reg = rc;
	}
	return 0;
}

static const char *
verdict(const struct report *r)
{
	int i, broken = 0, unfinished = 0;

	for (i = 0; i < r->nrows; i++) {
		if (r->rows[i].j.finding == FINDING_REGRESSION ||
		    r->rows[i].j.finding == FINDING_PERF)
			return "regressions - FAIL";
		broken |= r->rows[i].j.finding == FINDING_BROKEN;
		unfinished |= r->rows[i].j.finding == FINDING_UNFINISHED;
	}
	if (broken)
		return "trouble: broken";
	if (unfinished)
		return "unfinished";
	return r->nrows ? "tolerable FAIL" : "all pass";
}

char *
report_failing_since(long first_fail, long opened, long now, int nflights)
{
	long days = now > opened ? (now - opened) / 86400 : 0;

	return xasprintf("failing since %ld (%ld day%s, %d flight%s)", first_fail, days,
			 days == 1 ? "" : "s", nflights, nflights == 1 ? "" : "s");
}

static char *
baseline_why(const struct report *r)
{
	if (r->tested && r->tested_by_gate)
		return xasprintf("flight %ld, whose revisions the push gate of branch '%s' last "
				 "advanced to before this flight", r->tested, r->info.branch);
	if (r->tested)
		return xasprintf("flight %ld, the latest real flight of the tested revisions of "
				 "branch '%s'", r->tested, r->info.branch);
	return xasprintf("per step, the latest real flight of branch '%s' with a result for it "
			 "(%s)", r->info.branch, r->ntested_revs
			 ? "no real flight has the branch's tested revisions"
			 : "no tested revisions recorded for the branch");
}

static void
print_rows(const struct report *r, FILE *out, const char *title, int (*pick)(const struct row *))
{
	int i, any = 0;

	for (i = 0; i < r->nrows; i++) {
		const struct row *row = &r->rows[i];

		if (!pick(row))
			continue;
		if (!any++)
			fprintf(out, "\n%s\n", title);
		fprintf(out, " %-28s %2d %-20s %-10s %s", row->step->job, row->step->stepno,
			row->step->testid, status_name(row->step->status), row->text);
		if (row->flaky > 0)
			fprintf(out, " (flaky %ld time%s on %s)", row->flaky,
				row->flaky == 1 ? "" : "s", r->info.branch);
		fputc('\n', out);
	}
}

static int
pick_blocking(const struct row *row)
{
	return row->j.blocks;
}

static int
pick_flaky(const struct row *row)
{
	return row->j.finding == FINDING_PASS_IN;
}

static int
pick_allowable(const struct row *row)
{
	return row->j.finding == FINDING_ALLOWABLE;
}

static int
pick_other(const struct row *row)
{
	return !row->j.blocks && row->j.finding != FINDING_PASS_IN &&
	       row->j.finding != FINDING_ALLOWABLE;
}

static void
print_entry(FILE *out, const struct allow_entry *e)
{
	char date[11];

	allow_format_date(e->until, date);
	fprintf(out, " %s:%d %s%s%s until=%s reason=\"%s\"\n", e->file, e->line, e->job,
		e->step ? " " : "", e->step ? e->step : "", date, e->reason);
}

/* Every job of the flight and its status, in the flight's order. */
static void
print_jobs(const struct report *r, FILE *out)
{
	const char *last = NULL;
	int i;

	fprintf(out, "\nJobs:\n");
	for (i = 0; i < r->nsteps; i++) {
		if (last && !strcmp(last, r->steps[i].job))
			continue;
		last = r->steps[i].job;
		fprintf(out, " %-28s %s\n", last, status_name(r->steps[i].job_status));
	}
}

static void
print_text(const struct report *r, const struct report_opts *o, FILE *out, long now)
{
	char *why = baseline_why(r);
	int i, any = 0;

	fprintf(out, "flight %ld %s %s\n\n", r->info.flight, r->info.branch, r->info.blessing);
	fprintf(out, "%s\n", r->blocks ? (r->nrows && !strcmp(r->verdict, "regressions - FAIL")
		? "Regressions :-(" : "Blocking failures :-(")
		: r->nrows ? "Failures :-/ but no regressions." : "Perfect :-)");
	fprintf(out, "Verdict: %s\nBaseline: %s\n", r->verdict, why);
	free(why);
	if (r->info.retry_of)
		fprintf(out, "Retry of flight %ld: its regressed jobs, run again on the same "
			"revisions.\n", r->info.retry_of);
	if (r->retried_in)
		fprintf(out, "Regressed jobs run again in flight %ld (real-retry): a step that "
			"passed there is flaky, not a regression.\n", r->retried_in);
	print_rows(r, out, "Tests which did not succeed and are blocking,\n"
		   "including tests which could not be run:", pick_blocking);
	print_rows(r, out, "Tests which are failing intermittently (not blocking):", pick_flaky);
	print_rows(r, out, "Tests which did not succeed, but are allowable:", pick_allowable);
	print_rows(r, out, "Tests which did not succeed, but are not blocking:", pick_other);
	for (i = 0; o->allow && i < o->allow->n; i++) {
		const struct allow_entry *e = &o->allow->entries[i];

		if (e->negate || e->until >= o->today)
			continue;
		if (!any++)
			fprintf(out, "\nExpired allow entries (they no longer allow):\n");
		print_entry(out, e);
	}
	fprintf(out, "\nRevisions tested:\n");
	for (i = 0; i < r->nthis; i++)
		fprintf(out, " %-20s %s\n", r->this_revs[i].tree, r->this_revs[i].revision);
	if (r->that) {
		fprintf(out, "Baseline revisions (flight %ld):\n", r->that);
		for (i = 0; i < r->nthat; i++)
			fprintf(out, " %-20s %s\n", r->that_revs[i].tree, r->that_revs[i].revision);
	}
	if (r->that && r->that_info.finished) {
		long days = now > r->that_info.finished ? (now - r->that_info.finished) / 86400 : 0;

		fprintf(out, "\nLast test of basis %ld %ld day%s ago\n", r->that, days,
			days == 1 ? "" : "s");
	}
	any = 0;
	for (i = 0; i < r->nrows; i++) {
		const struct row *row = &r->rows[i];
		char *since;

		if (!row->has_reg)
			continue;
		if (!any++)
			fprintf(out, "\nFailing since:\n");
		since = report_failing_since(row->reg.first_fail, row->reg.opened, now,
					     row->reg.nflights);
		fprintf(out, " %-28s %-20s %s, last pass %ld\n", row->step->job,
			row->step->testid, since, row->reg.last_pass);
		free(since);
	}
	if (r->same_since) {
		long days = now > r->same_since_created
			    ? (now - r->same_since_created) / 86400 : 0;

		fprintf(out, "\nTesting same since %ld %ld day%s %d attempt%s\n", r->same_since,
			days, days == 1 ? "" : "s", r->same_count, r->same_count == 1 ? "" : "s");
	}
	if (r->authors)
		fprintf(out, "\nPeople who touched revisions under test:\n%s", r->authors);
	print_jobs(r, out);
}

static void
print_mro(const struct report *r, FILE *out)
{
	int i;

	fprintf(out, "flight %ld\n", r->info.flight);
	for (i = 0; i < r->nthis; i++)
		fprintf(out, "version this %s %s\n", r->this_revs[i].tree, r->this_revs[i].revision);
	for (i = 0; i < r->nthat; i++)
		fprintf(out, "version that %s %s\n", r->that_revs[i].tree, r->that_revs[i].revision);
	for (i = 0; i < r->nrows; i++) {
		const struct row *row = &r->rows[i];

		switch (row->j.finding) {
		case FINDING_REGRESSION:
			fprintf(out, "regression %s %s %ld\n", row->step->job, row->step->testid,
				row->j.flight);
			break;
		case FINDING_BROKEN:
			fprintf(out, "broken-step %s %s\n", row->step->job, row->step->testid);
			break;
		case FINDING_PERF:
			fprintf(out, "perf-regression %s %s %s %ld\n", row->step->job,
				row->step->testid, row->m->metric, row->j.flight);
			break;
		case FINDING_NEVER_PASS:
			fprintf(out, "never-passed %s %s\n", row->step->job, row->step->testid);
			break;
		case FINDING_BLOCKED_NA:
			fprintf(out, "blocked %s\n", row->step->job);
			break;
		case FINDING_LIKE:
		case FINDING_FAILED_IN:
		case FINDING_BLOCKED_IN:
		case FINDING_UNTESTED:
		case FINDING_PASS_IN:
		case FINDING_UNFINISHED:
		case FINDING_ALLOWABLE:
			break;
		}
	}
	/* Neither when something blocks: a push script reads the absence. */
	if (!r->blocks)
		fprintf(out, "%s\n", r->nrows ? "tolerable" : "perfect");
}

static json_t *
revs_json(const struct db_revision *revs, int n)
{
	json_t *o = json_object();
	int i;

	for (i = 0; i < n; i++)
		json_object_set_new(o, revs[i].tree, json_string(revs[i].revision));
	return o;
}

static json_t *
entry_json(const struct allow_entry *e)
{
	char date[11];

	allow_format_date(e->until, date);
	return json_pack("{s:s,s:i,s:s,s:s?,s:s,s:s}", "file", e->file, "line", e->line,
			 "job", e->job, "step", e->step, "until", date, "reason", e->reason);
}

static int
print_json(const struct report *r, const struct report_opts *o, FILE *out, long now)
{
	json_t *root, *rows = json_array(), *expired = json_array();
	char *why = baseline_why(r);
	int i, rc;

	for (i = 0; i < r->nrows; i++) {
		const struct row *row = &r->rows[i];
		json_t *f = json_pack("{s:s,s:i,s:s,s:s,s:s,s:s,s:b}", "job", row->step->job,
				      "stepno", row->step->stepno, "step", row->step->testid,
				      "status", status_name(row->step->status),
				      "finding", finding_name(row->j.finding), "text", row->text,
				      "blocks", row->j.blocks);

		json_object_set_new(f, "flight", row->j.flight ? json_integer(row->j.flight)
							       : json_integer(r->info.flight));
		if (row->m)
			json_object_set_new(f, "measurement", json_pack("{s:s,s:f,s:s,s:f,s:f,s:i}",
				"metric", row->m->metric, "value", row->m->value, "unit", row->m->unit,
				"median", row->mj.median, "change", row->mj.change,
				"flights", row->nhist));
		if (row->j.finding == FINDING_PASS_IN)
			json_object_set_new(f, "flaky_count", json_integer(row->flaky));
		if (row->allow)
			json_object_set_new(f, "allowed_by", entry_json(row->allow));
		if (row->expired)
			json_object_set_new(f, "expired_allow", entry_json(row->expired));
		if (row->has_reg) {
			char *since = report_failing_since(row->reg.first_fail, row->reg.opened,
							   now, row->reg.nflights);

			json_object_set_new(f, "failing_since", json_pack("{s:i,s:i,s:i,s:s}",
				"flight", (json_int_t)row->reg.first_fail,
				"last_pass", (json_int_t)row->reg.last_pass,
				"flights", row->reg.nflights, "text", since));
			free(since);
		}
		json_array_append_new(rows, f);
	}
	for (i = 0; o->allow && i < o->allow->n; i++)
		if (!o->allow->entries[i].negate && o->allow->entries[i].until < o->today)
			json_array_append_new(expired, entry_json(&o->allow->entries[i]));
	root = json_pack("{s:i,s:s,s:s,s:s,s:b,s:{s:o,s:s},s:o,s:o,s:o,s:o}",
			 "flight", (json_int_t)r->info.flight, "branch", r->info.branch,
			 "blessing", r->info.blessing, "verdict", r->verdict, "blocks", r->blocks,
			 "baseline", "flight", r->tested ? json_integer(r->tested) : json_null(),
			 "why", why, "findings", rows, "expired_allow", expired,
			 "revisions", revs_json(r->this_revs, r->nthis),
			 "baseline_revisions", revs_json(r->that_revs, r->nthat));
	free(why);
	if (!root)
		return errorx("report of flight %ld: cannot build the JSON", r->info.flight);
	json_object_set_new(root, "retry_of", r->info.retry_of ? json_integer(r->info.retry_of)
								 : json_null());
	json_object_set_new(root, "retried_in", r->retried_in ? json_integer(r->retried_in)
								: json_null());
	rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', out);
	json_decref(root);
	return rc < 0 ? -1 : 0;
}

#define AUTHORS_MAX 65536

/* A commit id git cannot take for an option or a range: hex only. */
static int
is_commit_id(const char *s)
{
	size_t n = strspn(s, "0123456789abcdefABCDEF");

	return n >= 7 && n <= 64 && !s[n];
}

/* The tree's URL as a local git directory, when it is one; caller frees. */
static char *
local_tree(struct db *db, const struct report *r, const char *tree)
{
	char *name = xasprintf("tree_%s", tree), *url = NULL, *dir = NULL;
	const char *last = NULL;
	struct stat st;
	int i;

	for (i = 0; i < r->nsteps && !url; i++) {
		if (last && !strcmp(last, r->steps[i].job))
			continue;
		last = r->steps[i].job;
		if (db_runvar_read(db, r->info.flight, last, name, &url) < 0)
			break;
	}
	free(name);
	if (url) {
		const char *path = !strncmp(url, "file://", 7) ? url + 7 : url;

		if (path[0] == '/' && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			dir = xstrdup(path);
	}
	free(url);
	return dir;
}

/*
 * Who wrote the commits under test: git log of each tree from the
 * baseline's revision to this flight's, when the tree is a local
 * repository. Best effort: a tree git cannot read adds nothing.
 */
static char *
commit_authors(struct db *db, const struct report *r)
{
	struct strbuf sb;
	int i, k;

	strbuf_init(&sb);
	for (i = 0; i < r->nthis; i++) {
		const struct db_revision *t = &r->this_revs[i];
		char *dir, *range, *log = NULL, *line, *next;
		struct proc_opts po = { .out_fd = -1, .capture = &log,
					.capture_max = AUTHORS_MAX, .timeout = 30 };

		for (k = 0; k < r->nthat; k++)
			if (!strcmp(r->that_revs[k].tree, t->tree))
				break;
		if (k == r->nthat || !strcmp(r->that_revs[k].revision, t->revision) ||
		    !is_commit_id(t->revision) || !is_commit_id(r->that_revs[k].revision))
			continue;
		dir = local_tree(db, r, t->tree);
		if (!dir)
			continue;
		range = xasprintf("%s..%s", r->that_revs[k].revision, t->revision);
		{
			const char *argv[] = { "git", "-C", dir, "log", "--no-merges",
					       "--format=%an <%ae>", range, "--", NULL };

			if (proc_run(argv, &po) != 0) {
				free(log);
				log = NULL;
			}
		}
		for (line = log; line && *line; line = next) {
			char *entry, *nl = strchr(line, '\n');

			next = nl ? nl + 1 : line + strlen(line);
			if (nl)
				*nl = '\0';
			if (!*line)
				continue;
			entry = xasprintf(" %-20s %s\n", t->tree, line);
			if (!strstr(sb.buf, entry))
				strbuf_adds(&sb, entry);
			free(entry);
		}
		free(log);
		free(range);
		free(dir);
	}
	if (!sb.len) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb);
}

/* How far back "Testing same since" looks, in flights of the branch. */
#define SAME_SINCE_MAX 100

static int
revs_equal(const struct db_revision *a, int na, const struct db_revision *b, int nb)
{
	int i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (strcmp(a[i].tree, b[i].tree) || strcmp(a[i].revision, b[i].revision))
			return 0;
	return 1;
}

/*
 * Testing same since: the run of real flights of the branch, up to this
 * one, that tested this flight's revisions (how long the branch has been
 * stuck on them).
 */
static int
same_since(struct db *db, struct report *r)
{
	long *flights, *created;
	int i, n;

	r->same_since = r->info.flight;
	r->same_since_created = r->info.created;
	r->same_count = !strcmp(r->info.blessing, "real");
	if (db_real_flights_before(db, r->info.branch, r->info.flight, SAME_SINCE_MAX, &flights,
				   &created, &n) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		struct db_revision *revs;
		int nrevs, same;

		if (db_flight_revisions(db, flights[i], &revs, &nrevs) < 0) {
			free(flights);
			free(created);
			return -1;
		}
		same = revs_equal(revs, nrevs, r->this_revs, r->nthis);
		db_revisions_free(revs, nrevs);
		if (!same)
			break;
		r->same_since = flights[i];
		r->same_since_created = created[i];
		r->same_count++;
	}
	free(flights);
	free(created);
	return 0;
}

/* Judges flight into *r (released by the caller, also on error); 0 or -1. */
static int
report_build(struct db *db, long flight, const struct report_opts *o, struct report *r)
{
	struct db_revision *tested_revs = NULL;

	memset(r, 0, sizeof(*r));
	if (db_flight_info(db, flight, &r->info) < 0)
		return -1;
	if (db_flight_step_results(db, flight, &r->steps, &r->nsteps) < 0 ||
	    db_flight_measurements(db, flight, &r->ms, &r->nms) < 0 ||
	    db_flight_revisions(db, flight, &r->this_revs, &r->nthis) < 0 ||
	    db_tested_revisions(db, r->info.branch, &tested_revs, &r->ntested_revs) < 0)
		return -1;
	db_revisions_free(tested_revs, r->ntested_revs);
	/*
	 * The last push before this flight: the same baseline whenever the
	 * report is made, also after this flight advanced the gate itself.
	 */
	r->tested = db_gate_advance_before(db, r->info.branch, flight);
	r->tested_by_gate = r->tested > 0;
	if (r->tested == 0)
		r->tested = db_tested_flight(db, r->info.branch, flight);
	if (r->tested < 0)
		return -1;
	r->that = r->tested;
	if (judge_all(db, r, o) < 0 || judge_measurements(db, r, o) < 0)
		return -1;
	if (r->that && db_flight_revisions(db, r->that, &r->that_revs, &r->nthat) < 0)
		return -1;
	if (r->that && db_flight_info(db, r->that, &r->that_info) < 0)
		return -1;
	if (o->record && !strcmp(r->info.blessing, "real") && record(db, r) < 0)
		return -1;
	if (lookup_regressions(db, r) < 0)
		return -1;
	r->retried_in = db_flight_retry(db, flight);
	if (r->retried_in < 0)
		return -1;
	r->verdict = verdict(r);
	return 0;
}

int
report_regressed_jobs(struct db *db, long flight, const struct report_opts *o,
		      char **jobs_json)
{
	struct report_opts judge_only = *o;
	struct report r;
	json_t *jobs = json_array();
	int i, rc = -1;

	*jobs_json = NULL;
	/* Judged, not recorded: the retry may yet show a regression is none. */
	judge_only.record = 0;
	if (report_build(db, flight, &judge_only, &r) < 0)
		goto out;
	for (i = 0; i < r.nrows; i++) {
		const char *job = r.rows[i].step->job;
		size_t k;
		json_t *v;
		int seen = 0;

		if (r.rows[i].j.finding != FINDING_REGRESSION)
			continue;
		json_array_foreach(jobs, k, v)
			seen |= !strcmp(json_string_value(v), job);
		if (!seen)
			json_array_append_new(jobs, json_string(job));
	}
	if (json_array_size(jobs))
		*jobs_json = json_dumps(jobs, JSON_COMPACT);
	rc = 0;
out:
	report_release(&r);
	json_decref(jobs);
	return rc;
}

int
report_flight(struct db *db, long flight, const struct report_opts *o, FILE *out)
{
	struct report r;
	long now = (long)time(NULL);
	int rc = -1;

	if (report_build(db, flight, o, &r) < 0)
		goto out;
	/* Judged only (the push gate): nothing printed. */
	if (!out) {
		rc = r.blocks;
		goto out;
	}
	if (o->format == REPORT_TEXT) {
		r.authors = commit_authors(db, &r);
		if (same_since(db, &r) < 0)
			goto out;
	}
	switch (o->format) {
	case REPORT_TEXT:
		print_text(&r, o, out, now);
		break;
	case REPORT_MRO:
		print_mro(&r, out);
		break;
	case REPORT_JSON:
		if (print_json(&r, o, out, now) < 0)
			goto out;
		break;
	}
	rc = r.blocks;
out:
	report_release(&r);
	return rc;
}

/* 1 when the flight has jobs and none of them passed. */
static int
all_fail(const struct report *r)
{
	int i;

	for (i = 0; i < r->nsteps; i++)
		if (r->steps[i].job_status == STATUS_PASS)
			return 0;
	return r->nsteps > 0;
}

static struct mail_rev *
mail_revs(const struct db_revision *revs, int n)
{
	struct mail_rev *out = xcalloc((size_t)n + 1, sizeof(*out));
	int i;

	for (i = 0; i < n; i++) {
		out[i].tree = revs[i].tree;
		out[i].revision = revs[i].revision;
	}
	return out;
}

char *
report_mail(struct db *db, long flight, const struct report_opts *o,
	    const struct mail_message *env)
{
	struct mail_message m = *env;
	struct mail_failure *fails = NULL;
	struct mail_rev *this_revs = NULL, *that_revs = NULL;
	struct report r;
	char *body = NULL, *msg = NULL;
	size_t body_len = 0;
	FILE *f;
	int i;

	if (report_build(db, flight, o, &r) < 0)
		goto out;
	r.authors = commit_authors(db, &r);
	if (same_since(db, &r) < 0)
		goto out;
	f = open_memstream(&body, &body_len);
	if (!f) {
		error("mail for flight %ld", flight);
		goto out;
	}
	print_text(&r, o, f, env->date);
	if (fclose(f) != 0) {
		error("mail for flight %ld", flight);
		goto out;
	}
	fails = xcalloc((size_t)r.nrows + 1, sizeof(*fails));
	for (i = 0; i < r.nrows; i++) {
		fails[i].job = r.rows[i].step->job;
		fails[i].step = r.rows[i].step->testid;
		fails[i].status = status_name(r.rows[i].step->status);
		fails[i].why = r.rows[i].text;
	}
	this_revs = mail_revs(r.this_revs, r.nthis);
	that_revs = mail_revs(r.that_revs, r.nthat);
	m.branch = r.info.branch;
	m.flight = r.info.flight;
	m.verdict = r.verdict;
	m.all_fail = all_fail(&r);
	m.failures = fails;
	m.nfailures = r.nrows;
	m.this_revs = this_revs;
	m.nthis = r.nthis;
	m.that_revs = that_revs;
	m.nthat = r.nthat;
	m.body = body;
	msg = mail_compose(&m);
out:
	free(fails);
	free(this_revs);
	free(that_revs);
	free(body);
	report_release(&r);
	return msg;
}

int
report_regressions(struct db *db, const char *branch, int all, long now, FILE *out)
{
	struct db_regression *regs;
	int i, n;

	if (db_regressions_list(db, branch, all, &regs, &n) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		char *since = report_failing_since(regs[i].first_fail, regs[i].opened, now,
						   regs[i].nflights);

		fprintf(out, "%s %s %s: ", regs[i].branch, regs[i].job, regs[i].testid);
		if (regs[i].fixed_in)
			fprintf(out, "failed since %ld, fixed in %ld (%d flight%s)", regs[i].first_fail,
				regs[i].fixed_in, regs[i].nflights, regs[i].nflights == 1 ? "" : "s");
		else
			fputs(since, out);
		fprintf(out, ", last pass %ld\n", regs[i].last_pass);
		free(since);
	}
	db_regressions_free(regs, n);
	return 0;
}
