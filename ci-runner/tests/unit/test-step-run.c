/*
 * The "run" step and step_run when the host cannot start a process: a
 * failed fork or pipe is broken infrastructure, not a command that "did
 * not finish in time". fork and pipe2 are interposed here to fail on
 * request; the step runs against a scratch instance.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "db.h"
#include "instance.h"
#include "step-ctx.h"
#include "steps.h"
#include "util.h"

static int fail_fork, fail_pipe;

pid_t
fork(void)
{
	pid_t (*real)(void) = (pid_t (*)(void))dlsym(RTLD_NEXT, "fork");

	if (fail_fork) {
		errno = EAGAIN;
		return -1;
	}
	return real();
}

int
pipe2(int fds[2], int flags)
{
	int (*real)(int *, int) = (int (*)(int *, int))dlsym(RTLD_NEXT, "pipe2");

	if (fail_pipe) {
		errno = EMFILE;
		return -1;
	}
	return real(fds, flags);
}

struct scratch {
	char dir[64];
	struct instance *inst;
	char *log_path;
	int log_fd;
	long flight;
};

static int
setup(void **state)
{
	struct scratch *s = xcalloc(1, sizeof(*s));
	const char *src = getenv("PVCI_SRCDIR");

	setenv("PVCI_DATADIR", src ? src : ".", 1);
	snprintf(s->dir, sizeof(s->dir), "/tmp/pvci-unit-step-run.XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	assert_int_equal(instance_init(s->dir), 0);
	s->inst = instance_open(s->dir, INSTANCE_RUN);
	assert_non_null(s->inst);
	assert_int_equal(db_begin(s->inst->db), 0);
	s->flight = db_flight_insert(s->inst->db, "b", "play", "unit");
	assert_true(s->flight > 0);
	assert_int_equal(db_job_insert(s->inst->db, s->flight, "j", 0), 0);
	assert_int_equal(db_step_insert(s->inst->db, s->flight, "j", 1, "run", "go", 0, 60), 0);
	assert_int_equal(db_runvar_set(s->inst->db, s->flight, "j", "cmd_go", "[\"true\"]", 0),
			 0);
	assert_int_equal(db_commit(s->inst->db), 0);
	s->log_path = path_join(s->dir, "step.log");
	s->log_fd = open(s->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	assert_true(s->log_fd >= 0);
	*state = s;
	return 0;
}

static int
teardown(void **state)
{
	struct scratch *s = *state;

	fail_fork = fail_pipe = 0;
	close(s->log_fd);
	instance_close(s->inst);
	remove_tree(s->dir);
	free(s->log_path);
	free(s);
	return 0;
}

static enum step_status
run_step(struct scratch *s, step_fn fn)
{
	struct step_ctx_info info = {
		.home = s->inst->home, .cfg = s->inst->cfg, .flight = s->flight, .job = "j",
		.stepno = 1, .step = "run", .testid = "go", .timeout = 60,
		.deadline = now_monotonic() + 60, .log_fd = s->log_fd, .log_path = s->log_path,
	};

	return step_ctx_run(&info, fn);
}

static int
log_has(struct scratch *s, const char *what)
{
	char *text = read_file(s->log_path, 1 << 20, NULL);
	int found = text && strstr(text, what);

	free(text);
	return found;
}

static void
test_run_step_passes(void **state)
{
	assert_int_equal(run_step(*state, step_run_command), STEP_PASS);
}

static void
test_run_step_without_fork_is_broken(void **state)
{
	struct scratch *s = *state;

	fail_fork = 1;
	assert_int_equal(run_step(s, step_run_command), STEP_BROKEN);
	fail_fork = 0;
	assert_true(log_has(s, "'true' could not be run"));
	assert_false(log_has(s, "did not finish in time"));
}

/* step_run_capture without a pipe: -1 (could not start), not a time-out. */
static enum step_status
capture_step(struct step_ctx *ctx)
{
	const char *argv[] = { "echo", "hi", NULL };
	char *out = NULL;
	int rc = step_run_capture(ctx, argv, NULL, NULL, 0, &out, 64);

	free(out);
	return rc == -1 ? STEP_BROKEN : rc == STEP_RUN_TIMEOUT ? STEP_FAIL : STEP_PASS;
}

static void
test_capture_without_pipe_cannot_start(void **state)
{
	struct scratch *s = *state;

	assert_int_equal(run_step(s, capture_step), STEP_PASS);
	fail_pipe = 1;
	assert_int_equal(run_step(s, capture_step), STEP_BROKEN);
	fail_pipe = 0;
	assert_true(log_has(s, "'echo' could not be run"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_run_step_passes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_step_without_fork_is_broken, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_capture_without_pipe_cannot_start, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("step-run", tests, NULL, NULL);
}
