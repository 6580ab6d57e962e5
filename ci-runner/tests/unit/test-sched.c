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
	  { { "a", "queued", NULL, 0, 1 }, { "b", "queued", needs_a, 1, 1 } }, 2,
	  SCHED_RUN, 0, -1 },
	{ "a job runs once what it needs passed",
	  { { "a", "pass", NULL, 0, 1 }, { "b", "queued", needs_a, 1, 1 } }, 2,
	  SCHED_RUN, 1, -1 },
	{ "a failed need blocks",
	  { { "a", "fail", NULL, 0, 1 }, { "b", "queued", needs_a, 1, 1 } }, 2,
	  SCHED_BLOCK, 1, 0 },
	{ "a broken need blocks",
	  { { "a", "broken", NULL, 0, 1 }, { "b", "queued", needs_a, 1, 1 } }, 2,
	  SCHED_BLOCK, 1, 0 },
	{ "blocking spreads down a chain",
	  { { "a", "fail", NULL, 0, 1 }, { "b", "blocked", needs_a, 1, 1 },
	    { "c", "queued", needs_b, 1, 1 } }, 3,
	  SCHED_BLOCK, 2, 1 },
	{ "blocking comes before running",
	  { { "x", "queued", NULL, 0, 1 }, { "a", "fail", NULL, 0, 1 },
	    { "b", "queued", needs_a, 1, 1 } }, 3,
	  SCHED_BLOCK, 2, 1 },
	{ "a missing need blocks",
	  { { "a", "queued", needs_gone, 1, 1 } }, 1,
	  SCHED_BLOCK, 0, -1 },
	{ "all needs must pass",
	  { { "a", "pass", NULL, 0, 1 }, { "b", "queued", NULL, 0, 0 },
	    { "c", "queued", needs_ab, 2, 1 } }, 3,
	  SCHED_DONE, -1, -1 },
	{ "a need running elsewhere means wait",
	  { { "a", "running", NULL, 0, 1 }, { "b", "queued", needs_a, 1, 1 } }, 2,
	  SCHED_WAIT, -1, -1 },
	{ "unselected jobs do not run",
	  { { "a", "queued", NULL, 0, 0 }, { "b", "queued", NULL, 0, 1 } }, 2,
	  SCHED_RUN, 1, -1 },
	{ "nothing left",
	  { { "a", "pass", NULL, 0, 1 }, { "b", "fail", NULL, 0, 1 } }, 2,
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
	assert_true(sched_status_final("pass"));
	assert_true(sched_status_final("blocked"));
	assert_true(sched_status_final("aborted"));
	assert_false(sched_status_final("queued"));
	assert_false(sched_status_final("running"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decisions),
		cmocka_unit_test(test_final_statuses),
	};

	return cmocka_run_group_tests_name("sched", tests, NULL, NULL);
}
