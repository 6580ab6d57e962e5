/* Recipe parsing and validation: what loads, what it expands to, what is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "recipe.h"

static const char good[] =
	"{ \"name\": \"r\", \"trees\": [ {\"name\": \"t\", \"url\": \"sub/repo\"} ],\n"
	"  \"runvars\": { \"v\": \"9.1.0\", \"n\": 3 },\n"
	"  \"jobs\": [\n"
	"   { \"name\": \"build-{arch}-{d}\", \"matrix\": {\"arch\": [\"x64\", \"x86\"], \"d\": [\"a\", \"b\"]},\n"
	"     \"runvars\": {\"cmd_run\": [\"echo\", \"{d}\"], \"lit\": \"${{HOME}}\"},\n"
	"     \"steps\": [ {\"step\": \"run\"}, {\"step\": \"cleanup\"} ] },\n"
	"   { \"name\": \"test\", \"needs\": [\"build-x64-a\"], \"trees\": [],\n"
	"     \"steps\": [ {\"step\": \"run\", \"as\": \"one\", \"timeout\": 5},\n"
	"                {\"step\": \"run\", \"as\": \"two\", \"always\": true} ] } ] }\n";

static const char *
runvar(struct recipe_job *job, const char *name)
{
	int i;

	for (i = 0; i < job->nrunvars; i++)
		if (!strcmp(job->runvars[i].name, name))
			return job->runvars[i].value;
	return NULL;
}

static void
test_good_recipe_expands(void **state)
{
	struct recipe *r = recipe_parse("good.json", good, "/base");
	struct recipe_job *job;

	(void)state;
	assert_non_null(r);
	assert_int_equal(r->njobs, 5);
	assert_string_equal(r->jobs[0].name, "build-x64-a");
	assert_string_equal(r->jobs[1].name, "build-x64-b");
	assert_string_equal(r->jobs[3].name, "build-x86-b");
	assert_string_equal(r->trees[0].url, "/base/sub/repo");
	assert_string_equal(r->trees[0].branch, "HEAD");
	job = recipe_job(r, "build-x86-b");
	assert_non_null(job);
	assert_string_equal(runvar(job, "cmd_run"), "[\"echo\",\"b\"]");
	assert_string_equal(runvar(job, "v"), "9.1.0");
	assert_string_equal(runvar(job, "n"), "3");
	assert_string_equal(runvar(job, "lit"), "${HOME}");
	assert_int_equal(job->ntrees, 1);
	assert_int_equal(job->steps[1].always, 1);	/* cleanup is an always step */
	job = recipe_job(r, "test");
	assert_int_equal(job->ntrees, 0);
	assert_int_equal(job->nneeds, 1);
	assert_int_equal(job->steps[0].timeout, 5);
	assert_string_equal(job->steps[1].testid, "two");
	assert_int_equal(job->steps[1].always, 1);
	recipe_free(r);
}

static void
test_select_keeps_needed_jobs(void **state)
{
	struct recipe *r = recipe_parse("good.json", good, "/base");

	(void)state;
	assert_int_equal(recipe_select_jobs(r, "test"), 0);
	assert_int_equal(recipe_job(r, "test")->selected, 1);
	assert_int_equal(recipe_job(r, "build-x64-a")->selected, 1);
	assert_int_equal(recipe_job(r, "build-x64-b")->selected, 0);
	assert_int_equal(recipe_select_jobs(r, "nothing*"), -1);
	recipe_free(r);
}

/* Each of these must be refused. */
static const char *const bad[] = {
	"",
	"[]",
	"{ \"name\": \"r\" }",
	"{ \"name\": \"r\", \"jobs\": [] }",
	"{ \"name\": \"r\", \"jobs\": [ {\"name\": \"a\", \"steps\": []} ] }",
	"{ \"name\": \"r\", \"jobs\": [ {\"name\": \"a\", \"steps\": [{\"step\": \"run\"}], \"x\": 1} ] }",
	"{ \"name\": \"r\", \"extra\": 1, \"jobs\": [ {\"name\": \"a\", \"steps\": [{\"step\": \"run\"}]} ] }",
	"{ \"name\": \"r\", \"jobs\": [ {\"name\": \"a\", \"needs\": [\"b\"], \"steps\": [{\"step\": \"run\"}]} ] }",
	"{ \"name\": \"r\", \"jobs\": [ {\"name\": \"a\", \"needs\": [\"a\"], \"steps\": [{\"step\": \"run\"}]} ] }",
	"{ \"name\": \"r\", \"jobs\": [ {\"name\": \"a\", \"needs\": [\"b\"], \"steps\": [{\"step\": \"run\"}]},"
	"  {\"name\": \"b\", \"needs\": [\"a\"], \"steps\": [{\"step\": \"run\"}]} ] }",
	"{ \"name\": \"r\", \"jobs\": [ {\"name\": \"a\", \"steps\": [{\"step\": \"run\"}]},"
	"  {\"name\": \"a\", \"steps\": [{\"step\": \"run\"}]} ] }",
	"{ \"name\": \"r\", \"jobs\": [ {\"name\": \"a b\", \"steps\": [{\"step\": \"run\"}]} ] }",
	"{ \"name\": \"r\", \"jobs\": [ {\"name\": \"../x\", \"steps\": [{\"step\": \"run\"}]} ] }",
	"{ \"name\": \"r\", \"jobs\": [ {\"name\": \"a-{v}\", \"steps\": [{\"step\": \"run\"}]} ] }",
	"{ \"name\": \"r\", \"jobs\": [ {\"name\": \"a-{v\", \"matrix\": {\"v\": [\"1\"]}, \"steps\": [{\"step\": \"run\"}]} ] }",
	"{ \"name\": \"r\", \"jobs\": [ {\"name\": \"a\", \"matrix\": {\"v\": [\"x/y\"]}, \"steps\": [{\"step\": \"run\"}]} ] }",
	"{ \"name\": \"r\", \"jobs\": [ {\"name\": \"a\", \"steps\": [{\"step\": \"nosuch\"}]} ] }",
	"{ \"name\": \"r\", \"jobs\": [ {\"name\": \"a\", \"steps\": [{\"step\": \"run\"}, {\"step\": \"run\"}]} ] }",
	"{ \"name\": \"r\", \"jobs\": [ {\"name\": \"a\", \"steps\": [{\"step\": \"run\", \"timeout\": 0}]} ] }",
	"{ \"name\": \"r\", \"jobs\": [ {\"name\": \"a\", \"steps\": [{\"step\": \"run\", \"always\": 1}]} ] }",
	"{ \"name\": \"r\", \"jobs\": [ {\"name\": \"a\", \"runvars\": {\"x y\": \"1\"}, \"steps\": [{\"step\": \"run\"}]} ] }",
	"{ \"name\": \"r\", \"jobs\": [ {\"name\": \"a\", \"runvars\": {\"x\": {}}, \"steps\": [{\"step\": \"run\"}]} ] }",
	"{ \"name\": \"r\", \"jobs\": [ {\"name\": \"a\", \"trees\": [\"nosuch\"], \"steps\": [{\"step\": \"run\"}]} ] }",
	"{ \"name\": \"r\", \"trees\": [ {\"name\": \"t\"} ], \"jobs\": [ {\"name\": \"a\", \"steps\": [{\"step\": \"run\"}]} ] }",
	"{ \"name\": \"r\", \"trees\": [ {\"name\": \"t\", \"url\": \"u\"}, {\"name\": \"t\", \"url\": \"v\"} ],"
	"  \"jobs\": [ {\"name\": \"a\", \"steps\": [{\"step\": \"run\"}]} ] }",
	"{ \"name\": \"r\", \"name\": \"s\", \"jobs\": [ {\"name\": \"a\", \"steps\": [{\"step\": \"run\"}]} ] }",
};

static void
test_bad_recipes_are_refused(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct recipe *r = recipe_parse("bad.json", bad[i], NULL);

		if (r) {
			recipe_free(r);
			fail_msg("recipe %zu was accepted: %s", i, bad[i]);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_recipe_expands),
		cmocka_unit_test(test_select_keeps_needed_jobs),
		cmocka_unit_test(test_bad_recipes_are_refused),
	};

	return cmocka_run_group_tests_name("recipe", tests, NULL, NULL);
}
