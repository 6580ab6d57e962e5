/* Recipe parsing and validation: what loads, what it expands to, what is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "recipe.h"
#include "util.h"

/* Declarations of test steps, so that these tests do not follow the real table. */
static const struct runvar_decl run_in[] = {
	{ "cmd_{testid}", RUNVAR_REQUIRED, RUNVAR_ARGV, 0, 0, "the command" },
	{ "v", 0, RUNVAR_TEXT, 0, 0, NULL },
	{ "n", 0, RUNVAR_INTEGER, 1, 10, NULL },
	{ "lit", 0, RUNVAR_TEXT, 0, 0, NULL },
	{ NULL, 0, RUNVAR_TEXT, 0, 0, NULL },
};
static const struct runvar_decl fetch_in[] = {
	{ "trees", RUNVAR_REQUIRED, RUNVAR_NAMES, 0, 0, NULL },
	{ "tree_{tree}", RUNVAR_REQUIRED, RUNVAR_TEXT, 0, 0, NULL },
	{ "subdir_{tree}", 0, RUNVAR_PATH, 0, 0, NULL },
	{ "who", 0, RUNVAR_NAME, 0, 0, NULL },
	{ "booted", RUNVAR_FROM_STEP, RUNVAR_TEXT, 0, 0, "written by boot" },
	{ NULL, 0, RUNVAR_TEXT, 0, 0, NULL },
};
static const struct runvar_decl no_in[] = { { NULL, 0, RUNVAR_TEXT, 0, 0, NULL } };
static const struct step_decl test_steps[] = {
	{ "run", 0, 0, 600, run_in },
	{ "fetch", 0, 1, 600, fetch_in },
	{ "cleanup", 1, 1, 120, no_in },
};

static int
decls(const char *name, struct step_decl *out)
{
	size_t i;

	for (i = 0; i < sizeof(test_steps) / sizeof(test_steps[0]); i++) {
		if (strcmp(test_steps[i].name, name) == 0) {
			*out = test_steps[i];
			return 0;
		}
	}
	return -1;
}

static struct recipe *
parse(const char *path, const char *text, const char *basedir)
{
	return recipe_parse(path, text, strlen(text), basedir, decls);
}

/* Parses text with standard error captured; the messages, the caller frees. */
static char *
messages(const char *text, size_t len, struct recipe **rp)
{
	char path[] = "/tmp/pvci-test-recipe.XXXXXX", *out;
	int fd = mkstemp(path), saved = dup(2);
	struct recipe *r;

	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(fd, 2);
	r = recipe_parse("t.json", text, len, NULL, decls);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	out = read_file(path, 1 << 20, NULL);
	unlink(path);
	if (rp)
		*rp = r;
	else
		recipe_free(r);
	return out;
}

/* text is refused, and the messages hold want (a plain substring). */
static void
refused_with(const char *text, const char *want)
{
	struct recipe *r = NULL;
	char *out = messages(text, strlen(text), &r);

	if (r) {
		recipe_free(r);
		fail_msg("accepted: %s", text);
	}
	if (!strstr(out, want))
		fail_msg("messages lack '%s':\n%s", want, out);
	free(out);
}

static const char good[] =
	"{ \"name\": \"r\", \"trees\": [ {\"name\": \"t\", \"url\": \"sub/repo\"} ],\n"
	"  \"runvars\": { \"v\": \"9.1.0\", \"n\": 3 },\n"
	"  \"jobs\": [\n"
	"   { \"name\": \"build-{arch}-{d}\", \"matrix\": {\"arch\": [\"x64\", \"x86\"], \"d\": [\"a\", \"b\"]},\n"
	"     \"runvars\": {\"cmd_run\": [\"echo\", \"{d}\"], \"lit\": \"${{HOME}}\"},\n"
	"     \"steps\": [ {\"step\": \"run\"}, {\"step\": \"cleanup\"} ] },\n"
	"   { \"name\": \"test\", \"needs\": [\"build-x64-a\"], \"trees\": [],\n"
	"     \"runvars\": {\"cmd_one\": [\"true\"], \"cmd_two\": [\"true\"]},\n"
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
	struct recipe *r = parse("good.json", good, "/base");
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
	struct recipe *r = parse("good.json", good, "/base");

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
		struct recipe *r = parse("bad.json", bad[i], NULL);

		if (r) {
			recipe_free(r);
			fail_msg("recipe %zu was accepted: %s", i, bad[i]);
		}
	}
}

/* Jobs are checked against the declarations of their steps, with the place at fault. */
static void
test_jobs_are_checked_against_their_steps(void **state)
{
	(void)state;
	refused_with("{ \"name\": \"r\", \"jobs\": [\n"
		     "  { \"name\": \"a\", \"steps\": [ {\"step\": \"run\"} ] } ] }",
		     "t.json:2:29: job 'a': step 'run' needs runvar 'cmd_run' (the command)");
	refused_with("{ \"name\": \"r\", \"jobs\": [\n"
		     "  { \"name\": \"a\", \"runvars\": { \"cmd_run\": [\"true\"],\n"
		     "    \"cmd_rnu\": [\"x\"] }, \"steps\": [ {\"step\": \"run\"} ] } ] }",
		     "t.json:3:5: job 'a' sets runvar 'cmd_rnu', which none of its steps ('run') reads");
	refused_with("{ \"name\": \"r\", \"jobs\": [\n"
		     "  { \"name\": \"a\", \"runvars\": { \"cmd_run\": \"echo hi\" },\n"
		     "    \"steps\": [ {\"step\": \"run\"} ] } ] }",
		     "t.json:2:31: job 'a': runvar 'cmd_run' must be a non-empty array of strings "
		     "(an argv) for step 'run', not 'echo hi'");
	refused_with("{ \"name\": \"r\", \"jobs\": [\n"
		     "  { \"name\": \"a\", \"runvars\": { \"cmd_run\": [\"true\"], \"n\": 11 },\n"
		     "    \"steps\": [ {\"step\": \"run\"} ] } ] }",
		     "t.json:2:52: job 'a': runvar 'n' must be a whole number in range (1..10)");
	refused_with("{ \"name\": \"r\", \"trees\": [ {\"name\": \"t\", \"url\": \"/u\"} ],\n"
		     "  \"jobs\": [ { \"name\": \"a\", \"runvars\": { \"booted\": \"x\" },\n"
		     "    \"steps\": [ {\"step\": \"fetch\"} ] } ] }",
		     "t.json:2:41: job 'a' sets runvar 'booted', which a step writes while the "
		     "flight runs (written by boot)");
	refused_with("{ \"name\": \"r\", \"trees\": [ {\"name\": \"t\", \"url\": \"/u\"} ],\n"
		     "  \"jobs\": [ { \"name\": \"a\", \"runvars\": { \"subdir_t\": \"../x\" },\n"
		     "    \"steps\": [ {\"step\": \"fetch\"} ] } ] }",
		     "t.json:2:41: job 'a': runvar 'subdir_t' must be a relative path");
	refused_with("{ \"name\": \"r\", \"jobs\": [\n"
		     "  { \"name\": \"a\", \"trees\": [], \"steps\": [ {\"step\": \"fetch\"} ] } ] }",
		     "t.json:2:42: job 'a': step 'fetch' needs runvar 'trees'");
	refused_with("{ \"name\": \"r\",\n  \"runvars\": { \"zzz\": 1 }, \"jobs\": [\n"
		     "  { \"name\": \"a\", \"runvars\": { \"cmd_run\": [\"true\"] },\n"
		     "    \"steps\": [ {\"step\": \"run\"} ] } ] }",
		     "t.json:2:16: the recipe sets runvar 'zzz' for every job, and no step of any "
		     "job reads it");
}

/* What the check accepts: pvci's tree runvars, patterns, the recipe's runvars read somewhere. */
static void
test_check_accepts_declared_runvars(void **state)
{
	static const char text[] =
		"{ \"name\": \"r\", \"trees\": [ {\"name\": \"t\", \"url\": \"/u\", \"subdir\": \"s\"} ],\n"
		"  \"runvars\": { \"who\": \"me\" },\n"
		"  \"jobs\": [ { \"name\": \"a\", \"runvars\": { \"subdir_t\": \"x/y\" },\n"
		"    \"steps\": [ {\"step\": \"fetch\"}, {\"step\": \"cleanup\"} ] },\n"
		"    { \"name\": \"b\", \"trees\": [], \"runvars\": { \"cmd_x\": [\"true\"] },\n"
		"    \"steps\": [ {\"step\": \"run\", \"as\": \"x\"} ] } ] }";
	struct recipe *r = parse("ok.json", text, NULL);
	struct recipe_job *job;

	(void)state;
	assert_non_null(r);
	/* What the command line adds is checked by a second recipe_check. */
	job = recipe_job(r, "b");
	recipe_job_set_runvar(job, "tree_t", "/elsewhere");
	assert_int_equal(recipe_check(r, decls), -1);
	recipe_free(r);
}

/* Section 9 of issue 7: what a careless or hostile recipe must not do. */
static void
test_needs_twice_is_a_recipe_error(void **state)
{
	(void)state;
	refused_with("{ \"name\": \"r\", \"jobs\": [\n"
		     "  { \"name\": \"a\", \"runvars\": { \"cmd_run\": [\"true\"] }, \"steps\": [ {\"step\": \"run\"} ] },\n"
		     "  { \"name\": \"b\", \"needs\": [\"a\",\n"
		     "    \"a\"], \"runvars\": { \"cmd_run\": [\"true\"] }, \"steps\": [ {\"step\": \"run\"} ] } ] }",
		     "t.json:4:5: 'needs' names 'a' twice");
}

/* Two steps of one job with one name: the later one is at fault, whichever comes first. */
static void
test_step_named_twice_points_at_the_second(void **state)
{
	(void)state;
	refused_with("{ \"name\": \"r\", \"jobs\": [\n"
		     "  { \"name\": \"a\", \"runvars\": { \"cmd_z\": [\"true\"], \"cmd_y\": [\"true\"] },\n"
		     "    \"steps\": [ {\"step\": \"run\", \"as\": \"z\"}, {\"step\": \"run\", \"as\": \"y\"},\n"
		     "      {\"step\": \"run\", \"as\": \"y\"}, {\"step\": \"run\", \"as\": \"z\"} ] } ] }",
		     "t.json:4:29: job 'a': two steps are named 'y'");
}

static void
test_errors_point_at_the_offending_occurrence(void **state)
{
	(void)state;
	/* "cmd_x" appears first as a job name; the typo is the runvar on line 4. */
	refused_with("{ \"name\": \"r\", \"jobs\": [\n"
		     "  { \"name\": \"cmd_x\", \"runvars\": { \"cmd_run\": [\"true\"] }, \"steps\": [ {\"step\": \"run\"} ] },\n"
		     "  { \"name\": \"b\", \"runvars\": { \"cmd_run\": [\"true\"],\n"
		     "    \"cmd_x\": [\"x\"] }, \"steps\": [ {\"step\": \"run\"} ] } ] }",
		     "t.json:4:5: job 'b' sets runvar 'cmd_x'");
	/* The second of two jobs named alike, not the first. */
	refused_with("{ \"name\": \"r\", \"jobs\": [\n"
		     "  { \"name\": \"a\", \"steps\": [ {\"step\": \"cleanup\"} ] },\n"
		     "  { \"name\": \"a\", \"steps\": [ {\"step\": \"cleanup\"} ] } ] }",
		     "t.json:3:13: duplicate job name 'a'");
	/* "nosuch" is also a tree name earlier in the file. */
	refused_with("{ \"name\": \"r\", \"trees\": [ {\"name\": \"nosuch\", \"url\": \"/u\"} ], \"jobs\": [\n"
		     "  { \"name\": \"a\", \"trees\": [], \"steps\": [ {\"step\": \"cleanup\"} ] },\n"
		     "  { \"name\": \"b\", \"trees\": [], \"needs\": [\"nosuch\"], \"steps\": [ {\"step\": \"cleanup\"} ] } ] }",
		     "t.json:3:41: job 'b' needs 'nosuch', which is not a job");
}

static void
test_escaped_names_keep_their_position(void **state)
{
	(void)state;
	refused_with("{ \"name\": \"r\", \"jobs\": [\n"
		     "  { \"name\": \"a\", \"runvars\": { \"cmd_run\": [\"true\"],\n"
		     "    \"\\u0078yz\": \"1\" }, \"steps\": [ {\"step\": \"run\"} ] } ] }",
		     "t.json:3:5: job 'a' sets runvar 'xyz'");
	refused_with("{ \"name\": \"r\", \"jobs\": [\n"
		     "  { \"name\": \"b\", \"needs\": [\"\\u006eosuch\"], \"steps\": [ {\"step\": \"cleanup\"} ] } ] }",
		     "t.json:2:28: job 'b' needs 'nosuch'");
}

static void
test_nul_and_garbage_after_the_json_are_refused(void **state)
{
	static const char text[] = "{ \"name\": \"r\", \"jobs\": [ { \"name\": \"a\", "
				   "\"steps\": [ {\"step\": \"cleanup\"} ] } ] }\0garbage";
	struct recipe *r = NULL;
	char *out = messages(text, sizeof(text) - 1, &r);

	(void)state;
	assert_null(r);
	if (!strstr(out, "t.json:1:79: a NUL byte"))
		fail_msg("got: %s", out);
	free(out);
	/* The same without the NUL is accepted: the refusal is the NUL's. */
	out = messages(text, strlen(text), &r);
	assert_non_null(r);
	recipe_free(r);
	free(out);
}

static void
test_expansion_is_bounded(void **state)
{
	struct strbuf sb;
	int i;

	(void)state;
	/* 4096 jobs of 50 runvars: few bytes, too many rows. */
	strbuf_init(&sb);
	strbuf_adds(&sb, "{ \"name\": \"r\", \"runvars\": {");
	for (i = 0; i < 50; i++)
		strbuf_addf(&sb, "%s\"v%d\": \"{x}{y}\"", i ? ", " : "", i);
	strbuf_adds(&sb, "}, \"jobs\": [ { \"name\": \"j-{x}-{y}\", \"matrix\": {\"x\": [");
	for (i = 0; i < 64; i++)
		strbuf_addf(&sb, "%s\"%d\"", i ? ", " : "", i);
	strbuf_adds(&sb, "], \"y\": [");
	for (i = 0; i < 64; i++)
		strbuf_addf(&sb, "%s\"%d\"", i ? ", " : "", i);
	strbuf_adds(&sb, "]}, \"steps\": [ {\"step\": \"cleanup\"} ] } ] }");
	refused_with(sb.buf, "the recipe expands to more than 200000 runvars");
	strbuf_release(&sb);
}

static void
test_many_runvars_are_quick(void **state)
{
	struct timespec t0, t1;
	struct strbuf sb;
	struct recipe *r;
	char *out;
	int i;

	(void)state;
	strbuf_init(&sb);
	strbuf_adds(&sb, "{ \"name\": \"r\", \"runvars\": { \"v\": \"x\" }, \"jobs\": [ "
		    "{ \"name\": \"a\", \"runvars\": { \"cmd_run\": [\"true\"]");
	for (i = 0; i < 100000; i++)
		strbuf_addf(&sb, ", \"v%d\": \"x\"", i);
	strbuf_adds(&sb, "}, \"steps\": [ {\"step\": \"run\"} ] } ] }");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	out = messages(sb.buf, sb.len, &r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* Refused (no step reads them), but quickly: it took 30 s with a search per runvar. */
	assert_null(r);
	assert_non_null(strstr(out, "sets runvar 'v0'"));
	assert_true((t1.tv_sec - t0.tv_sec) < 10);
	free(out);
	strbuf_release(&sb);
}

static void
test_dependencies_are_bounded(void **state)
{
	struct strbuf sb;
	int i;

	(void)state;
	/* 64 jobs each needing 2048 others: 131,072 dependency rows. */
	strbuf_init(&sb);
	strbuf_adds(&sb, "{ \"name\": \"r\", \"jobs\": [ { \"name\": \"b-{x}-{y}\", \"matrix\": {\"x\": [");
	for (i = 0; i < 32; i++)
		strbuf_addf(&sb, "%s\"%d\"", i ? ", " : "", i);
	strbuf_adds(&sb, "], \"y\": [");
	for (i = 0; i < 64; i++)
		strbuf_addf(&sb, "%s\"%d\"", i ? ", " : "", i);
	strbuf_adds(&sb, "]}, \"steps\": [ {\"step\": \"cleanup\"} ] },\n"
		    "{ \"name\": \"a-{z}\", \"matrix\": {\"z\": [");
	for (i = 0; i < 64; i++)
		strbuf_addf(&sb, "%s\"%d\"", i ? ", " : "", i);
	strbuf_adds(&sb, "]}, \"needs\": [");
	for (i = 0; i < 2048; i++)
		strbuf_addf(&sb, "%s\"b-%d-%d\"", i ? ", " : "", i / 64, i % 64);
	strbuf_adds(&sb, "], \"steps\": [ {\"step\": \"cleanup\"} ] } ] }");
	refused_with(sb.buf, "t.json:2:422: the recipe expands to more than 100000 dependencies");
	strbuf_release(&sb);
}

/* The push gate's tree fields: checked, resolved, and set by pvci as runvars. */
static void
test_push_fields(void **state)
{
	static const struct { const char *fields, *want; } cases[] = {
		{ "\"push_url\": \"\"", "tree 't': 'push_url' must be a non-empty string" },
		{ "\"push_url\": 3", "tree 't': 'push_url' must be a non-empty string" },
		{ "\"push_url\": \"https://u:pw@h/x\"", "'push_url' must not hold credentials" },
		{ "\"tested_ref\": \"refs/heads/t\"", "tree 't': 'tested_ref' needs a 'push_url'" },
		{ "\"push_url\": \"/p\", \"tested_ref\": \"heads/t\"", "'tested_ref' must be a ref" },
		{ "\"push_url\": \"/p\", \"tested_ref\": \"refs/\"", "'tested_ref' must be a ref" },
		{ "\"push_url\": \"/p\", \"tested_ref\": \"refs/a/\"", "'tested_ref' must be a ref" },
		{ "\"push_url\": \"/p\", \"tested_ref\": \"refs/a//b\"", "'tested_ref' must be a ref" },
		{ "\"push_url\": \"/p\", \"tested_ref\": \"refs/a/../b\"", "'tested_ref' must be a ref" },
		{ "\"push_url\": \"/p\", \"tested_ref\": \"refs/.a\"", "'tested_ref' must be a ref" },
		{ "\"push_url\": \"/p\", \"tested_ref\": \"refs/a.lock\"", "'tested_ref' must be a ref" },
		{ "\"push_url\": \"/p\", \"tested_ref\": \"refs/a b\"", "'tested_ref' must be a ref" },
		{ "\"push_url\": \"/p\", \"tested_ref\": \"refs/a~1\"", "'tested_ref' must be a ref" },
	};
	struct recipe *r;
	struct recipe_tree *t;
	char *text;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		text = xasprintf("{ \"name\": \"r\", \"trees\": [ {\"name\": \"t\", \"url\": \"/u\", "
				 "%s} ],\n  \"jobs\": [ { \"name\": \"a\", "
				 "\"steps\": [ {\"step\": \"fetch\"} ] } ] }", cases[i].fields);
		refused_with(text, cases[i].want);
		free(text);
	}
	r = parse("/recipes/ok.json", "{ \"name\": \"r\", \"trees\": [\n"
		  "  {\"name\": \"t\", \"url\": \"/u\", \"push_url\": \"../tested.git\",\n"
		  "   \"tested_ref\": \"refs/heads/tested/win-10_x64\"},\n"
		  "  {\"name\": \"s\", \"url\": \"/v\", \"push_url\": \"git@host:s.git\"} ],\n"
		  "  \"jobs\": [ { \"name\": \"a\", \"steps\": [ {\"step\": \"fetch\"} ] } ] }",
		  "/recipes");
	assert_non_null(r);
	t = recipe_tree(r, "t");
	assert_string_equal(t->push_url, "/recipes/../tested.git");
	assert_string_equal(t->tested_ref, "refs/heads/tested/win-10_x64");
	t = recipe_tree(r, "s");
	assert_string_equal(t->push_url, "git@host:s.git");
	assert_null(t->tested_ref);
	/* Flight creation sets these; no step reads them, and that is right. */
	recipe_job_set_runvar(recipe_job(r, "a"), "push_url_t", "/recipes/../tested.git");
	recipe_job_set_runvar(recipe_job(r, "a"), "tested_ref_t", "refs/heads/tested/x");
	assert_int_equal(recipe_check(r, decls), 0);
	recipe_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_recipe_expands),
		cmocka_unit_test(test_select_keeps_needed_jobs),
		cmocka_unit_test(test_bad_recipes_are_refused),
		cmocka_unit_test(test_jobs_are_checked_against_their_steps),
		cmocka_unit_test(test_check_accepts_declared_runvars),
		cmocka_unit_test(test_needs_twice_is_a_recipe_error),
		cmocka_unit_test(test_step_named_twice_points_at_the_second),
		cmocka_unit_test(test_errors_point_at_the_offending_occurrence),
		cmocka_unit_test(test_escaped_names_keep_their_position),
		cmocka_unit_test(test_nul_and_garbage_after_the_json_are_refused),
		cmocka_unit_test(test_expansion_is_bounded),
		cmocka_unit_test(test_many_runvars_are_quick),
		cmocka_unit_test(test_dependencies_are_bounded),
		cmocka_unit_test(test_push_fields),
	};

	return cmocka_run_group_tests_name("recipe", tests, NULL, NULL);
}
