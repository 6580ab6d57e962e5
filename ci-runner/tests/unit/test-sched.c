/* The scheduler: state in, decision out. Table-driven. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "sched.h"

static char *needs_a[] = { (char *)"a" };
static char *needs_b[] = { (char *)"b" };
static char *needs_ab[] = { (char *)"a", (char *)"b" };
static char *needs_gone[] = { (char *)"gone" };

struct sched_case {
	const char *what;
	struct sched_job jobs[4];
	int n;
	enum sched_action action;
	int job;
	int because;
};

static const struct sched_case cases[] = {
	{ "first queued job without needs runs",
	  { { "a", STATUS_QUEUED, NULL, 0, 1 }, { "b", STATUS_QUEUED, needs_a, 1, 1 } }, 2,
	  SCHED_RUN, 0, -1 },
	{ "a job runs once what it needs passed",
	  { { "a", STATUS_PASS, NULL, 0, 1 }, { "b", STATUS_QUEUED, needs_a, 1, 1 } }, 2,
	  SCHED_RUN, 1, -1 },
	{ "a failed need blocks",
	  { { "a", STATUS_FAIL, NULL, 0, 1 }, { "b", STATUS_QUEUED, needs_a, 1, 1 } }, 2,
	  SCHED_BLOCK, 1, 0 },
	{ "a broken need blocks",
	  { { "a", STATUS_BROKEN, NULL, 0, 1 }, { "b", STATUS_QUEUED, needs_a, 1, 1 } }, 2,
	  SCHED_BLOCK, 1, 0 },
	{ "blocking spreads down a chain",
	  { { "a", STATUS_FAIL, NULL, 0, 1 }, { "b", STATUS_BLOCKED, needs_a, 1, 1 },
	    { "c", STATUS_QUEUED, needs_b, 1, 1 } }, 3,
	  SCHED_BLOCK, 2, 1 },
	{ "blocking comes before running",
	  { { "x", STATUS_QUEUED, NULL, 0, 1 }, { "a", STATUS_FAIL, NULL, 0, 1 },
	    { "b", STATUS_QUEUED, needs_a, 1, 1 } }, 3,
	  SCHED_BLOCK, 2, 1 },
	{ "a missing need blocks",
	  { { "a", STATUS_QUEUED, needs_gone, 1, 1 } }, 1,
	  SCHED_BLOCK, 0, -1 },
	{ "all needs must pass",
	  { { "a", STATUS_PASS, NULL, 0, 1 }, { "b", STATUS_QUEUED, NULL, 0, 0 },
	    { "c", STATUS_QUEUED, needs_ab, 2, 1 } }, 3,
	  SCHED_DONE, -1, -1 },
	{ "a need running elsewhere means wait",
	  { { "a", STATUS_RUNNING, NULL, 0, 1 }, { "b", STATUS_QUEUED, needs_a, 1, 1 } }, 2,
	  SCHED_WAIT, -1, -1 },
	{ "unselected jobs do not run",
	  { { "a", STATUS_QUEUED, NULL, 0, 0 }, { "b", STATUS_QUEUED, NULL, 0, 1 } }, 2,
	  SCHED_RUN, 1, -1 },
	{ "nothing left",
	  { { "a", STATUS_PASS, NULL, 0, 1 }, { "b", STATUS_FAIL, NULL, 0, 1 } }, 2,
	  SCHED_DONE, -1, -1 },
};

static void
test_decisions(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sched_decision d = sched_next(cases[i].jobs, cases[i].n);

		if (d.action != cases[i].action || d.job != cases[i].job ||
		    (cases[i].action == SCHED_BLOCK && d.because != cases[i].because))
			fail_msg("%s: got action %d job %d because %d", cases[i].what,
				 d.action, d.job, d.because);
	}
}

static void
test_final_statuses(void **state)
{
	(void)state;
	assert_true(status_is_final(STATUS_PASS));
	assert_true(status_is_final(STATUS_BLOCKED));
	assert_true(status_is_final(STATUS_ABORTED));
	assert_true(status_is_final(STATUS_SKIPPED));
	assert_false(status_is_final(STATUS_QUEUED));
	assert_false(status_is_final(STATUS_RUNNING));
}

/* What a job left queued waits on: the first need that has not passed. */
static void
test_unmet_need(void **state)
{
	const struct sched_job jobs[] = {
		{ "a", STATUS_PASS, NULL, 0, 0 },
		{ "b", STATUS_QUEUED, NULL, 0, 0 },
		{ "c", STATUS_QUEUED, needs_ab, 2, 1 },
		{ "d", STATUS_QUEUED, needs_a, 1, 1 },
		{ "e", STATUS_QUEUED, needs_gone, 1, 1 },
	};

	(void)state;
	/* Selected c needs unselected b: nothing can run, and c waits on b. */
	assert_int_equal(sched_next(jobs, 3).action, SCHED_DONE);
	assert_int_equal(sched_unmet_need(jobs, 5, 2), 1);
	assert_int_equal(sched_unmet_need(jobs, 5, 3), -1);
	assert_int_equal(sched_unmet_need(jobs, 5, 0), -1);
	assert_int_equal(sched_unmet_need(jobs, 5, 4), -1);
}

/* Every status has a name, and the name reads back as that status. */
static void
test_status_names(void **state)
{
	enum status st;
	int i;

	(void)state;
	for (i = 0; i <= (int)STATUS_LAST; i++) {
		assert_int_equal(status_from_name(status_name((enum status)i), &st), 0);
		assert_int_equal(st, i);
	}
	assert_string_equal(status_name(STATUS_SKIPPED), "skipped");
	assert_int_equal(status_from_name("Pass", &st), -1);
	assert_int_equal(status_from_name("", &st), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decisions),
		cmocka_unit_test(test_final_statuses),
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_unmet_need),
	};

	return cmocka_run_group_tests_name("sched", tests, NULL, NULL);
}
