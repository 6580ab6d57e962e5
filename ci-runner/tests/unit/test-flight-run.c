/*
 * The runner's API as a daemon would use it: flight_create from an options
 * struct, run_flight with a listener, and the events in the order they
 * come, on a scratch instance.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "db.h"
#include "flight-create.h"
#include "flight-run.h"
#include "instance.h"
#include "util.h"

static const char recipe_text[] =
	"{ \"name\": \"ev\", \"jobs\": [\n"
	"  { \"name\": \"a\", \"runvars\": { \"cmd_go\": [\"sh\", \"-c\", \"echo one; echo two\"] },\n"
	"    \"steps\": [ { \"step\": \"run\", \"as\": \"go\" } ] },\n"
	"  { \"name\": \"b\", \"needs\": [\"a\"], \"runvars\": { \"cmd_no\": [\"false\"], "
	"\"cmd_later\": [\"true\"] },\n"
	"    \"steps\": [ { \"step\": \"run\", \"as\": \"no\" }, { \"step\": \"run\", \"as\": "
	"\"later\" } ] },\n"
	"  { \"name\": \"c\", \"needs\": [\"b\"], \"runvars\": { \"cmd_run\": [\"true\"] },\n"
	"    \"steps\": [ { \"step\": \"run\" } ] } ] }\n";

struct scratch {
	char dir[64];
	char *recipe;
	struct instance *inst;
	struct strbuf seen;	/* one line per event */
};

static void
record(const struct run_event *ev, void *opaque)
{
	struct strbuf *sb = opaque;

	switch (ev->type) {
	case RUN_FLIGHT_STARTED:
		strbuf_addf(sb, "flight %ld started\n", ev->flight);
		break;
	case RUN_FLIGHT_FINISHED:
		strbuf_addf(sb, "flight %ld %s\n", ev->flight, status_name(ev->status));
		break;
	case RUN_JOB_STARTED:
		strbuf_addf(sb, "%s started\n", ev->job);
		break;
	case RUN_JOB_FINISHED:
		strbuf_addf(sb, "%s %s%s%s\n", ev->job, status_name(ev->status),
			    ev->note ? ": " : "", ev->note ? ev->note : "");
		break;
	case RUN_JOB_CLEANUP:
	case RUN_WAITING:
	case RUN_INTERRUPTED:
	case RUN_JOB_LOST:
	case RUN_JOB_ELSEWHERE:
	case RUN_STOPPED:
		strbuf_addf(sb, "unexpected event %d\n", (int)ev->type);
		break;
	case RUN_JOB_UNRUNNABLE:
		strbuf_addf(sb, "%s waits on %s (%s)\n", ev->job, ev->need,
			    status_name(ev->need_status));
		break;
	case RUN_STEP_STARTED:
		strbuf_addf(sb, "%s %02d %s started\n", ev->job, ev->stepno, ev->testid);
		break;
	case RUN_STEP_FINISHED:
		strbuf_addf(sb, "%s %02d %s %s%s\n", ev->job, ev->stepno, ev->testid,
			    status_name(ev->status), ev->log_lines >= 4 ? "" : " (short log)");
		break;
	}
}

static int
setup(void **state)
{
	struct scratch *s = xcalloc(1, sizeof(*s));
	const char *src = getenv("PVCI_SRCDIR");

	setenv("PVCI_DATADIR", src ? src : ".", 1);
	snprintf(s->dir, sizeof(s->dir), "/tmp/pvci-unit-flight-run.XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	assert_int_equal(instance_init(s->dir), 0);
	s->inst = instance_open(s->dir, INSTANCE_RUN);
	assert_non_null(s->inst);
	s->recipe = path_join(s->dir, "ev.json");
	assert_int_equal(write_file_atomic(s->recipe, recipe_text, strlen(recipe_text), 0644), 0);
	strbuf_init(&s->seen);
	*state = s;
	return 0;
}

static int
teardown(void **state)
{
	struct scratch *s = *state;

	instance_close(s->inst);
	remove_tree(s->dir);
	free(s->recipe);
	strbuf_release(&s->seen);
	free(s);
	return 0;
}

static void
test_events_in_order(void **state)
{
	struct scratch *s = *state;
	struct flight_create_opts o = { .recipe = s->recipe, .blessing = "play" };
	struct run_listener l = { .fn = record, .opaque = &s->seen };
	long flight = flight_create(s->inst, &o);

	assert_int_equal(flight, 1);
	assert_int_equal(run_flight(s->inst, flight, NULL, &l), RUN_FAILED);
	assert_string_equal(s->seen.buf,
			    "flight 1 started\n"
			    "a started\n"
			    "a 01 go started\n"
			    "a 01 go pass\n"
			    "a pass\n"
			    "b started\n"
			    "b 01 no started\n"
			    "b 01 no fail\n"
			    "b fail\n"
			    "c blocked: job 'b' did not pass\n"
			    "flight 1 fail\n");
}

static void
test_unrunnable_selection(void **state)
{
	struct scratch *s = *state;
	struct flight_create_opts o = { .recipe = s->recipe };
	struct run_listener l = { .fn = record, .opaque = &s->seen };
	long flight = flight_create(s->inst, &o);

	assert_true(flight > 0);
	assert_int_equal(run_flight(s->inst, flight, "[bc]", &l), RUN_FAILED);
	assert_non_null(strstr(s->seen.buf, "b waits on a (queued)\nc waits on b (queued)\n"));
}

static void
test_create_refuses(void **state)
{
	struct scratch *s = *state;
	struct flight_create_opts o = { .recipe = s->recipe, .blessing = "gold" };
	struct flight_runvar_opt rv = { .job_glob = "zz*", .name = "x", .value = "1" };

	assert_int_equal(flight_create(s->inst, &o), -1);
	o.blessing = NULL;
	o.runvars = &rv;
	o.nrunvars = 1;
	assert_int_equal(flight_create(s->inst, &o), -1);
	o.nrunvars = 0;
	assert_int_equal(flight_create(s->inst, &o), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_events_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unrunnable_selection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_refuses, setup, teardown),
	};

	return cmocka_run_group_tests_name("flight-run", tests, NULL, NULL);
}
