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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
