/* flight diff: two flights' rows in, changes out. Table-driven. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "flight-diff.h"
#include "util.h"

#define S(x) ((char *)(x))
#define HEAD "  A  flight 1: branch -, -, recipe -\n  B  flight 2: branch -, -, recipe -\n"
#define MAXROWS 8

/* One flight's rows, sorted as db_diff_flight returns them. */
struct rows {
	struct db_diff_job jobs[MAXROWS];
	struct db_diff_step steps[MAXROWS];
	struct db_diff_runvar runvars[MAXROWS];
	struct db_diff_measure measures[MAXROWS];
};

struct diff_case {
	const char *what;
	struct rows a, b;
	const char *text;	/* the whole text output */
};

#define JOB(j, st) { S(j), STATUS_##st }
#define STEP(j, t, st) { S(j), S(t), STATUS_##st }
#define RV(j, n, v, synth) { S(j), S(n), S(v), synth }
#define M(j, t, m, u, v) { S(j), S(t), S(m), S(u), v }

static const struct diff_case cases[] = {
	{ "identical flights: revisions the same, nothing else listed",
	  { { JOB("a", PASS) }, { STEP("a", "one", PASS) },
	    { RV("a", "cmd_one", "x", 0), RV("a", "revision_src", "r1", 0) }, { { 0 } } },
	  { { JOB("a", PASS) }, { STEP("a", "one", PASS) },
	    { RV("a", "cmd_one", "x", 0), RV("a", "revision_src", "r1", 0) }, { { 0 } } },
	  "flight diff 1 -> 2\n" HEAD "\n"
	  "revisions:\n  src  r1 (same)\n\n"
	  "status changes:\n  (none)\n\n"
	  "runvars:\n  (none)\n\n"
	  "measurements:\n  (none)\n" },
	{ "statuses: changed, step in one flight, job in one flight (its steps not listed)",
	  { { JOB("a", PASS), JOB("gone", FAIL) },
	    { STEP("a", "one", PASS), STEP("a", "two", PASS), STEP("gone", "x", FAIL) },
	    { { 0 } }, { { 0 } } },
	  { { JOB("a", FAIL), JOB("new", PASS) },
	    { STEP("a", "one", FAIL), STEP("a", "three", PASS), STEP("a", "two", PASS),
	      STEP("new", "y", PASS) },
	    { { 0 } }, { { 0 } } },
	  "flight diff 1 -> 2\n" HEAD "\n"
	  "revisions:\n  (none recorded)\n\n"
	  "status changes:\n"
	  "  a        pass -> fail\n"
	  "  a one    pass -> fail\n"
	  "  a three  (absent) -> pass\n"
	  "  gone     fail -> (absent)\n"
	  "  new      (absent) -> pass\n\n"
	  "runvars:\n  (none)\n\n"
	  "measurements:\n  (none)\n" },
	{ "runvars: differ, one side only, synthetic; revisions and one-flight jobs left out",
	  { { JOB("a", PASS), JOB("gone", PASS) }, { { 0 } },
	    { RV("a", "cmd_one", "x", 0), RV("a", "old", "o", 0), RV("a", "revision_src", "r1", 0),
	      RV("a", "same", "s", 0), RV("gone", "k", "v", 0) },
	    { { 0 } } },
	  { { JOB("a", PASS) }, { { 0 } },
	    { RV("a", "built_version", "1.2", 1), RV("a", "cmd_one", "y", 0),
	      RV("a", "revision_src", "r2", 0), RV("a", "same", "s", 0) },
	    { { 0 } } },
	  "flight diff 1 -> 2\n" HEAD "\n"
	  "revisions:\n  src  r1 -> r2\n\n"
	  "status changes:\n  gone  pass -> (absent)\n\n"
	  "runvars:\n"
	  "  a built_version (synth)  (absent) -> 1.2\n"
	  "  a cmd_one                x -> y\n"
	  "  a old                    o -> (absent)\n\n"
	  "measurements:\n  (none)\n" },
	{ "revisions: per tree, requested then built; values of all jobs, empty ignored",
	  { { JOB("a", PASS), JOB("b", PASS) }, { { 0 } },
	    { RV("a", "built_revision_src", "r1", 1), RV("a", "revision_src", "r1", 0),
	      RV("a", "revision_tools", "", 0), RV("b", "revision_src", "r1", 0) },
	    { { 0 } } },
	  { { JOB("a", PASS), JOB("b", PASS) }, { { 0 } },
	    { RV("a", "built_revision_src", "r2", 1), RV("a", "revision_src", "r2", 0),
	      RV("a", "revision_tools", "t1", 0), RV("b", "revision_src", "r3", 0) },
	    { { 0 } } },
	  "flight diff 1 -> 2\n" HEAD "\n"
	  "revisions:\n"
	  "  src          r1 -> r2 r3\n"
	  "  src (built)  r1 -> r2\n"
	  "  tools        (absent) -> t1\n\n"
	  "status changes:\n  (none)\n\n"
	  "runvars:\n  (none)\n\n"
	  "measurements:\n  (none)\n" },
	{ "measurements: medians, relative change, zero baseline, one side only",
	  { { JOB("a", PASS) }, { { 0 } }, { { 0 } },
	    { M("a", "disk", "old", "us", 5), M("a", "net", "rx", "Gbit/s", 2),
	      M("a", "net", "rx", "Gbit/s", 4), M("a", "net", "tx", "Gbit/s", 10),
	      M("a", "net", "zero", "count", 0) } },
	  { { JOB("a", PASS) }, { { 0 } }, { { 0 } },
	    { M("a", "disk", "new", "us", 7), M("a", "net", "rx", "Gbit/s", 1),
	      M("a", "net", "rx", "Gbit/s", 3.3), M("a", "net", "rx", "Gbit/s", 9),
	      M("a", "net", "tx", "Gbit/s", 8), M("a", "net", "zero", "count", 3) } },
	  "flight diff 1 -> 2\n" HEAD "\n"
	  "revisions:\n  (none recorded)\n\n"
	  "status changes:\n  (none)\n\n"
	  "runvars:\n  (none)\n\n"
	  "measurements:\n"
	  "  a disk new  (absent) -> 7 us\n"
	  "  a disk old  5 -> (absent) us\n"
	  "  a net rx    3 -> 3.3 Gbit/s  +10.0%  (median of 2 / 3)\n"
	  "  a net tx    10 -> 8 Gbit/s  -20.0%\n"
	  "  a net zero  0 -> 3 count\n" },
};

static int
count_jobs(const struct db_diff_job *r)
{
	int n = 0;

	while (n < MAXROWS && r[n].job)
		n++;
	return n;
}

static int
count_steps(const struct db_diff_step *r)
{
	int n = 0;

	while (n < MAXROWS && r[n].job)
		n++;
	return n;
}

static int
count_runvars(const struct db_diff_runvar *r)
{
	int n = 0;

	while (n < MAXROWS && r[n].job)
		n++;
	return n;
}

static int
count_measures(const struct db_diff_measure *r)
{
	int n = 0;

	while (n < MAXROWS && r[n].job)
		n++;
	return n;
}

static struct db_diff_flight
flight_of(long flight, const struct rows *r)
{
	struct db_diff_flight f = { .flight = flight };

	f.jobs = (struct db_diff_job *)r->jobs;
	f.njobs = count_jobs(r->jobs);
	f.steps = (struct db_diff_step *)r->steps;
	f.nsteps = count_steps(r->steps);
	f.runvars = (struct db_diff_runvar *)r->runvars;
	f.nrunvars = count_runvars(r->runvars);
	f.measures = (struct db_diff_measure *)r->measures;
	f.nmeasures = count_measures(r->measures);
	return f;
}

static void
test_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct db_diff_flight a = flight_of(1, &cases[i].a), b = flight_of(2, &cases[i].b);
		struct flight_diff *d = flight_diff(&a, &b);
		struct strbuf sb;

		strbuf_init(&sb);
		flight_diff_text(d, &sb);
		if (strcmp(sb.buf, cases[i].text))
			print_message("case '%s': got\n%s", cases[i].what, sb.buf);
		assert_string_equal(sb.buf, cases[i].text);
		strbuf_release(&sb);
		flight_diff_free(d);
	}
}

static void
test_median(void **state)
{
	static const struct {
		double v[4];
		int n;
		double median;
	} m[] = {
		{ { 7 }, 1, 7 },
		{ { 1, 2 }, 2, 1.5 },
		{ { 1, 2, 10 }, 3, 2 },
		{ { -4, 0, 1, 100 }, 4, 0.5 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		assert_true(flight_diff_median(m[i].v, m[i].n) == m[i].median);
}

/* JSON: absent sides are null, the change is a number or null. */
static void
test_json(void **state)
{
	struct db_diff_flight a = flight_of(1, &cases[4].a), b = flight_of(2, &cases[4].b);
	struct flight_diff *d = flight_diff(&a, &b);
	json_t *obj = flight_diff_json(d), *meas = json_object_get(obj, "measurements"), *m;

	(void)state;
	assert_int_equal(json_integer_value(json_object_get(json_object_get(obj, "a"), "flight")), 1);
	assert_true(json_is_null(json_object_get(json_object_get(obj, "b"), "branch")));
	assert_int_equal(json_array_size(meas), 5);
	m = json_array_get(meas, 0);
	assert_true(json_is_null(json_object_get(m, "a")));
	assert_true(json_is_null(json_object_get(m, "change_percent")));
	m = json_array_get(meas, 2);
	assert_string_equal(json_string_value(json_object_get(m, "metric")), "rx");
	assert_int_equal(json_integer_value(json_object_get(m, "count_b")), 3);
	assert_true(json_real_value(json_object_get(m, "change_percent")) > 9.99 &&
		    json_real_value(json_object_get(m, "change_percent")) < 10.01);
	json_decref(obj);
	flight_diff_free(d);

	a = flight_of(1, &cases[1].a);
	b = flight_of(2, &cases[1].b);
	d = flight_diff(&a, &b);
	obj = flight_diff_json(d);
	m = json_array_get(json_object_get(obj, "statuses"), 0);
	assert_true(json_is_null(json_object_get(m, "step")));
	assert_string_equal(json_string_value(json_object_get(m, "b")), "fail");
	m = json_array_get(json_object_get(obj, "statuses"), 2);
	assert_true(json_is_null(json_object_get(m, "a")));
	json_decref(obj);
	flight_diff_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_median),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests_name("flight-diff", tests, NULL, NULL);
}
