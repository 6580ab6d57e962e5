/* The instance layout: every path, relative (home NULL) and absolute. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "layout.h"

static void
expect(char *got, const char *want)
{
	assert_string_equal(got, want);
	free(got);
}

static void
test_paths(void **state)
{
	(void)state;
	expect(layout_config("/i"), "/i/config.json");
	expect(layout_db("/i"), "/i/results.db");
	expect(layout_db(NULL), "results.db");
	expect(layout_flight_logs("/i", 7), "/i/logs/7");
	expect(layout_job_logs("/i", 7, "build-x64"), "/i/logs/7/build-x64");
	expect(layout_step_log("/i", 7, "build-x64", 3, "sign"), "/i/logs/7/build-x64/03.sign.log");
	expect(layout_step_log(NULL, 12, "j", 10, "t"), "logs/12/j/10.t.log");
	expect(layout_flight_artifacts("/i", 7), "/i/artifacts/7");
	expect(layout_job_artifacts(NULL, 7, "j"), "artifacts/7/j");
	expect(layout_job_work("/i", 7, "j"), "/i/work/7/j");
}

static void
test_dirs(void **state)
{
	int i, keys = 0;

	(void)state;
	for (i = 0; layout_dirs[i]; i++)
		keys += !strcmp(layout_dirs[i], LAYOUT_KEYS_DIR);
	assert_int_equal(keys, 1);
	assert_true(i >= 6);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_dirs),
	};

	return cmocka_run_group_tests_name("layout", tests, NULL, NULL);
}
