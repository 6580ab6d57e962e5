/*
 * The push trigger's decisions on a real instance: a new head makes a real
 * flight, a newer one while it is queued is coalesced into it (every job's
 * revision moves, in one transaction), a head already tested is skipped, a
 * flight that started is left alone; polls respect the interval; one-off
 * API requests are refused before anything is made.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "api-flights.h"
#include "config.h"
#include "db.h"
#include "instance.h"
#include "trigger-push.h"
#include "util.h"

#define A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define C "cccccccccccccccccccccccccccccccccccccccc"
#define D "dddddddddddddddddddddddddddddddddddddddd"

struct scratch {
	char dir[64];
	struct instance *inst;
	struct config *cfg;
};

static const char recipe_text[] =
	"{ \"name\": \"push\", \"trees\": [ { \"name\": \"drivers\", \"url\": \"/nowhere\" } ],\n"
	"  \"jobs\": [\n"
	"    { \"name\": \"a\", \"runvars\": { \"cmd_x\": [\"true\"] }, \"steps\": [ { \"step\": \"run\", \"as\": \"x\" } ] },\n"
	"    { \"name\": \"b\", \"needs\": [\"a\"], \"runvars\": { \"cmd_y\": [\"true\"] },\n"
	"      \"steps\": [ { \"step\": \"run\", \"as\": \"y\" } ] } ] }\n";

static int
setup(void **state)
{
	struct scratch *s = xcalloc(1, sizeof(*s));
	const char *src = getenv("PVCI_SRCDIR");
	char *path, *text;

	setenv("PVCI_DATADIR", src ? src : ".", 1);
	snprintf(s->dir, sizeof(s->dir), "/tmp/pvci-unit-trigger.XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	assert_int_equal(instance_init(s->dir), 0);
	path = path_join(s->dir, "push.json");
	assert_int_equal(write_file_atomic(path, recipe_text, strlen(recipe_text), 0644), 0);
	free(path);
	/* The tree's URL cannot be polled: only trigger_push_head gets heads here. */
	text = xasprintf("{ \"service\": {\"poll_interval\": 60}, \"trees\": { \"drivers\": {"
			 " \"url\": \"%s/no-repository\", \"branches\": { \"master\": {"
			 " \"push\": \"push.json\", \"flight_branch\": \"trunk\" } } } } }", s->dir);
	path = path_join(s->dir, "config.json");
	assert_int_equal(write_file_atomic(path, text, strlen(text), 0644), 0);
	free(path);
	free(text);
	s->inst = instance_open(s->dir, INSTANCE_RUN);
	assert_non_null(s->inst);
	s->cfg = s->inst->cfg;
	*state = s;
	return 0;
}

static int
teardown(void **state)
{
	struct scratch *s = *state;

	instance_close(s->inst);
	remove_tree(s->dir);
	free(s);
	return 0;
}

/* revision_drivers of job in flight, or "" (static buffer). */
static const char *
rev_of(struct scratch *s, long flight, const char *job)
{
	static char buf[64];
	char *v = db_runvar_get(s->inst->db, flight, job, "revision_drivers");

	snprintf(buf, sizeof(buf), "%s", v ? v : "");
	free(v);
	return buf;
}

static void
push(struct scratch *s, const char *head, enum trigger_decision want, long want_flight)
{
	const struct config_branch *b;
	struct trigger_result res;

	assert_int_equal(config_branches(s->cfg, &b), 1);
	assert_int_equal(trigger_push_head(s->inst, s->cfg, &b[0], head, "test", &res), 0);
	if (res.decision != want || res.flight != want_flight)
		fail_msg("head %.8s: %s flight %ld (%s), want %s flight %ld", head,
			 trigger_decision_name(res.decision), res.flight, res.reason,
			 trigger_decision_name(want), want_flight);
	trigger_result_release(&res);
}

static void
test_decisions(void **state)
{
	struct scratch *s = *state;
	struct db_flight_origin o;
	struct db_flight_info fi;

	push(s, A, TRIGGER_CREATED, 1);
	assert_int_equal(db_flight_info(s->inst->db, 1, &fi), 0);
	assert_string_equal(fi.blessing, "real");
	assert_string_equal(fi.branch, "trunk");
	db_flight_info_release(&fi);
	assert_int_equal(db_flight_origin(s->inst->db, 1, &o), 0);
	assert_string_equal(o.triggered_by, "push");
	assert_string_equal(o.trigger_key, "drivers/master");
	assert_string_equal(o.requester, "test");
	db_flight_origin_release(&o);

	/* Queued: B and C move it, in both jobs. */
	push(s, B, TRIGGER_COALESCED, 1);
	push(s, C, TRIGGER_COALESCED, 1);
	assert_string_equal(rev_of(s, 1, "a"), C);
	assert_string_equal(rev_of(s, 1, "b"), C);
	push(s, C, TRIGGER_SKIPPED, 1);

	/* One job left the queue: the flight is no longer coalesced into. */
	assert_int_equal(db_job_settle(s->inst->db, 1, "b", STATUS_ABORTED, "test"), 0);
	push(s, D, TRIGGER_CREATED, 2);
	assert_string_equal(rev_of(s, 1, "a"), C);
	assert_string_equal(rev_of(s, 2, "a"), D);
	/* A, coalesced away untested, is new again; B too, but it joins flight 3. */
	push(s, A, TRIGGER_COALESCED, 2);
	push(s, C, TRIGGER_SKIPPED, 1);
	assert_int_equal(db_flight_move_revision(s->inst->db, 1, "drivers", A), 0);
	assert_string_equal(rev_of(s, 1, "a"), C);
}

static void
test_refusals(void **state)
{
	struct scratch *s = *state;
	const struct config_branch *b;
	struct trigger_result res;

	assert_int_equal(config_branches(s->cfg, &b), 1);
	assert_int_equal(trigger_push_head(s->inst, s->cfg, &b[0], "abc", "test", &res), -1);
	assert_int_equal(trigger_push_head(s->inst, s->cfg, &b[0], A "0", "test", &res), -1);
}

/* A branch that cannot be polled is tried once per interval, not every tick. */
static void
test_poll_interval(void **state)
{
	struct scratch *s = *state;
	long last;

	assert_int_equal(trigger_push_poll(s->inst, s->cfg, 1000), -1);
	assert_int_equal(db_trigger_last_fire(s->inst->db, "poll drivers/master", &last, NULL), 1);
	assert_int_equal(last, 1000);
	assert_int_equal(trigger_push_poll(s->inst, s->cfg, 1059), 0);
	assert_int_equal(db_trigger_last_fire(s->inst->db, "poll drivers/master", &last, NULL), 1);
	assert_int_equal(last, 1000);
	assert_int_equal(trigger_push_poll(s->inst, s->cfg, 1060), -1);
	assert_int_equal(db_trigger_last_fire(s->inst->db, "poll drivers/master", &last, NULL), 1);
	assert_int_equal(last, 1060);
	/* pvci trigger poll polls whatever the interval. */
	assert_int_equal(trigger_push_poll_all(s->inst, s->cfg, 1061), -1);
	assert_int_equal(db_trigger_last_fire(s->inst->db, "poll drivers/master", &last, NULL), 1);
	assert_int_equal(last, 1061);
}

/* The API refuses before it reads the body, and tells the field at fault. */
static void
test_api_refusals(void **state)
{
	static const struct {
		const char *auth, *body;
		int status;
		const char *why;
	} cases[] = {
		{ NULL, "{}", 401, "no bearer token" },
		{ "Basic dXNlcjpwYXNz", "{}", 401, "no bearer token" },
		{ "Bearer ", "{}", 401, "not one of this service's tokens" },
		{ "Bearer wrong-token-0123456789", "not json", 401, "not one of" },
		{ "Bearer good-token-0123456789", "not json", 400, "not JSON" },
		{ "Bearer good-token-0123456789", "[]", 400, "must be a JSON object" },
		{ "bearer good-token-0123456789", "{}", 400, "field 'recipe' is required" },
		{ "Bearer good-token-0123456789", "{\"recipe\": \"../x\"}", 400, "field 'recipe'" },
		{ "Bearer good-token-0123456789", "{\"recipe\": \"x.json\"}", 400, "file name" },
		{ "Bearer good-token-0123456789", "{\"recipe\": \"x\", \"colour\": 1}", 400,
		  "unknown field 'colour'" },
		{ "Bearer good-token-0123456789", "{\"recipe\": \"x\", \"trees\": [1]}", 400,
		  "field 'trees' must be an object" },
		{ "Bearer good-token-0123456789", "{\"recipe\": \"x\", \"trees\": {\"d\": 1}}", 400,
		  "field 'trees.d'" },
		{ "Bearer good-token-0123456789", "{\"recipe\": \"x\", \"trees\": {\"d\": \"/etc#x\"}}",
		  400, "neither a network URL" },
		{ "Bearer good-token-0123456789", "{\"recipe\": \"x\", \"trees\": {\"d\": \"#-x\"}}",
		  400, "starts with '-'" },
		{ "Bearer good-token-0123456789", "{\"recipe\": \"x\", \"runvars\": {\"a:b c\": \"1\"}}",
		  400, "runvar name 'b c'" },
		{ "Bearer good-token-0123456789", "{\"recipe\": \"x\", \"runvars\": {\"n\": 1}}", 400,
		  "field 'runvars.n' must be a string" },
		{ "Bearer good-token-0123456789", "{\"recipe\": \"nosuch\"}", 400,
		  "field 'recipe': no recipe 'nosuch'" },
	};
	struct scratch *s = *state;
	char *path = path_join(s->dir, "secrets.json");
	const char *text = "{\"tokens\": {\"carol\": \"good-token-0123456789\"}}";
	size_t i;
	long before;

	assert_int_equal(write_file_atomic(path, text, strlen(text), 0600), 0);
	free(path);
	assert_int_equal(config_set(s->cfg, "service.secrets_file", "secrets.json"), 0);
	assert_int_equal(config_load_secrets(s->cfg, s->dir), 0);
	before = db_trigger_queued_flight(s->inst->db, "push", "drivers/master");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct service_header h = { "Authorization", cases[i].auth };
		struct service_request req = { &h, cases[i].auth ? 1 : 0, cases[i].body,
					       strlen(cases[i].body) };
		struct service_answer a;
		int st = api_flights_post(s->inst, s->cfg, &req, &a);

		if (st != cases[i].status || !a.body || !strstr(a.body, cases[i].why))
			fail_msg("%s %s: %d %s, want %d %s", cases[i].auth ? cases[i].auth : "-",
				 cases[i].body, st, a.body ? a.body : "", cases[i].status,
				 cases[i].why);
		service_answer_release(&a);
	}
	assert_int_equal(db_trigger_queued_flight(s->inst->db, "push", "drivers/master"), before);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decisions),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_poll_interval),
		cmocka_unit_test(test_api_refusals),
	};

	return cmocka_run_group_tests_name("trigger-push", tests, setup, teardown);
}
