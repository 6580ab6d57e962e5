/* The table of findings: facts of a step's history in, finding out. No database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "judge.h"

#define P STATUS_PASS
#define F STATUS_FAIL
#define B STATUS_BROKEN
#define Q STATUS_QUEUED
#define R STATUS_RUNNING
#define K STATUS_BLOCKED
#define S STATUS_SKIPPED
#define A STATUS_ABORTED

struct judge_case {
	const char *what;
	struct judge_input in;
	enum finding finding;
	long flight;
	int blocks;
	const char *text;
};

static const struct judge_case cases[] = {
	{ "passed in the baseline: a regression",
	  { F, F, "exit 1", 5, 1, 1, P, P, NULL, 5, 0, 0 },
	  FINDING_REGRESSION, 5, 1, "REGR. vs. 5" },
	{ "a regression an allow entry matches is allowable",
	  { F, F, "exit 1", 5, 1, 1, P, P, NULL, 5, 0, 1 },
	  FINDING_ALLOWABLE, 5, 0, "allowable (REGR. vs. 5)" },
	{ "broken is trouble, whatever the baseline",
	  { B, B, "no host", 5, 1, 1, P, P, NULL, 5, 0, 0 },
	  FINDING_BROKEN, 0, 1, "broken" },
	{ "an allow entry does not excuse broken",
	  { B, B, "no host", 5, 1, 1, P, P, NULL, 5, 0, 1 },
	  FINDING_BROKEN, 0, 1, "broken" },
	{ "failed the same way in the baseline: like",
	  { F, F, "exit 1", 5, 1, 1, F, F, "exit 1", 3, 0, 0 },
	  FINDING_LIKE, 5, 0, "like 5" },
	{ "failed differently in the baseline: failed in",
	  { F, F, "exit 2", 5, 1, 1, F, F, "exit 1", 3, 0, 0 },
	  FINDING_FAILED_IN, 5, 0, "failed in 5" },
	{ "broken in the baseline: failed in",
	  { F, F, "exit 2", 5, 1, 1, B, B, "no host", 3, 0, 0 },
	  FINDING_FAILED_IN, 5, 0, "failed in 5" },
	{ "the baseline's job lacks the step: blocked in",
	  { F, F, "exit 1", 5, 1, 0, P, P, NULL, 3, 0, 0 },
	  FINDING_BLOCKED_IN, 5, 0, "blocked in 5" },
	{ "the baseline's job was blocked: blocked in",
	  { F, F, "exit 1", 5, 1, 1, K, S, NULL, 3, 0, 0 },
	  FINDING_BLOCKED_IN, 5, 0, "blocked in 5" },
	{ "the baseline skipped the step: blocked in",
	  { F, F, "exit 1", 5, 1, 1, F, S, NULL, 3, 0, 0 },
	  FINDING_BLOCKED_IN, 5, 0, "blocked in 5" },
	{ "the baseline lacks the job: baseline untested",
	  { F, F, "exit 1", 5, 0, 0, P, P, NULL, 3, 0, 0 },
	  FINDING_UNTESTED, 5, 0, "baseline untested" },
	{ "no baseline, but passed before: baseline untested",
	  { F, F, "exit 1", 0, 0, 0, P, P, NULL, 3, 0, 0 },
	  FINDING_UNTESTED, 0, 0, "baseline untested" },
	{ "never passed on the branch",
	  { F, F, "exit 1", 5, 1, 1, F, F, "exit 1", 0, 0, 0 },
	  FINDING_NEVER_PASS, 0, 0, "never pass" },
	{ "never passed and no baseline",
	  { F, F, "exit 1", 0, 0, 0, P, P, NULL, 0, 0, 0 },
	  FINDING_NEVER_PASS, 0, 0, "never pass" },
	{ "a blocked job",
	  { K, S, NULL, 5, 1, 1, P, P, NULL, 5, 0, 0 },
	  FINDING_BLOCKED_NA, 0, 0, "blocked n/a" },
	{ "passed on the same revisions elsewhere: flaky",
	  { F, F, "exit 1", 5, 1, 1, P, P, NULL, 5, 9, 0 },
	  FINDING_PASS_IN, 9, 0, "pass in 9" },
	{ "flaky wins over never pass",
	  { F, F, "exit 1", 0, 0, 0, P, P, NULL, 0, 9, 0 },
	  FINDING_PASS_IN, 9, 0, "pass in 9" },
	{ "queued: unfinished",
	  { Q, Q, NULL, 5, 1, 1, P, P, NULL, 5, 0, 0 },
	  FINDING_UNFINISHED, 0, 1, "unfinished" },
	{ "running: unfinished",
	  { R, R, NULL, 5, 1, 1, P, P, NULL, 5, 0, 0 },
	  FINDING_UNFINISHED, 0, 1, "unfinished" },
	{ "skipped in an aborted job: unfinished",
	  { A, S, NULL, 5, 1, 1, P, P, NULL, 5, 0, 0 },
	  FINDING_UNFINISHED, 0, 1, "unfinished" },
	{ "notes missing on both sides: failed in, not like",
	  { F, F, NULL, 5, 1, 1, F, F, NULL, 3, 0, 0 },
	  FINDING_FAILED_IN, 5, 0, "failed in 5" },
};

static void
test_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct judge_case *c = &cases[i];
		struct judgement j = judge_step(&c->in);
		char *text = finding_text(&j);

		print_message("# %s\n", c->what);
		assert_int_equal(j.finding, c->finding);
		assert_int_equal(j.flight, c->flight);
		assert_int_equal(j.blocks, c->blocks);
		assert_string_equal(text, c->text);
		free(text);
	}
}

static void
test_names(void **state)
{
	int f;

	(void)state;
	for (f = 0; f <= FINDING_LAST; f++)
		assert_string_not_equal(finding_name((enum finding)f), "?");
	assert_string_equal(finding_name(FINDING_NEVER_PASS), "never-pass");
}

static void
test_tolerance_parse(void **state)
{
	static const struct { const char *s; int ok, sign; double fraction; } tcases[] = {
		{ "-20%", 1, -1, 0.2 }, { "+50%", 1, 1, 0.5 }, { "-2.5%", 1, -1, 0.025 },
		{ "-0%", 1, -1, 0 }, { "20%", 0, 0, 0 }, { "-20", 0, 0, 0 }, { "-%", 0, 0, 0 },
		{ "-inf%", 0, 0, 0 }, { "-1e3%", 0, 0, 0 }, { "-1001%", 0, 0, 0 },
		{ "- 20%", 0, 0, 0 }, { "-.5%", 0, 0, 0 }, { "-1.2.3%", 0, 0, 0 }, { "", 0, 0, 0 },
	};
	struct tolerance t;
	size_t i;

	(void)state;
	assert_int_equal(tolerance_parse(NULL, &t), -1);
	for (i = 0; i < sizeof(tcases) / sizeof(tcases[0]); i++) {
		print_message("# '%s'\n", tcases[i].s);
		assert_int_equal(tolerance_parse(tcases[i].s, &t) == 0, tcases[i].ok);
		if (tcases[i].ok) {
			assert_int_equal(t.sign, tcases[i].sign);
			assert_true(t.fraction > tcases[i].fraction - 1e-9 &&
				    t.fraction < tcases[i].fraction + 1e-9);
		}
	}
}

static void
test_metric(void **state)
{
	struct tolerance down = { -1, 0.2 }, up = { 1, 0.5 };
	struct metric_judgement mj;
	double odd[] = { 110, 90, 100 }, even[] = { 85, 110, 90, 100 }, one[] = { 10 };

	(void)state;
	assert_int_equal(judge_metric(1, odd, 0, &down, &mj), -1);
	/* Median of an odd history is its middle value: 100. */
	assert_int_equal(judge_metric(80, odd, 3, &down, &mj), 0);
	assert_true(mj.median == 100);
	assert_int_equal(mj.regressed, 0);	/* exactly at the tolerance */
	assert_int_equal(judge_metric(79.9, odd, 3, &down, &mj), 0);
	assert_int_equal(mj.regressed, 1);
	/* Of an even one, the mean of the two middle values: 95. */
	assert_int_equal(judge_metric(70, even, 4, &down, &mj), 0);
	assert_true(mj.median == 95);
	assert_true(mj.change < -0.263 && mj.change > -0.264);
	assert_int_equal(mj.regressed, 1);
	/* Faster is never a regression when lower is worse. */
	assert_int_equal(judge_metric(1000, even, 4, &down, &mj), 0);
	assert_int_equal(mj.regressed, 0);
	/* Higher is worse (seconds): 16 s against 10 s is beyond +50 %. */
	assert_int_equal(judge_metric(16, one, 1, &up, &mj), 0);
	assert_int_equal(mj.regressed, 1);
	assert_int_equal(judge_metric(15, one, 1, &up, &mj), 0);
	assert_int_equal(mj.regressed, 0);
	assert_int_equal(judge_metric(1, one, 1, &up, &mj), 0);
	assert_int_equal(mj.regressed, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_tolerance_parse),
		cmocka_unit_test(test_metric),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
