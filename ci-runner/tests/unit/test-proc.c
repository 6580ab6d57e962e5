/* Running programs: start failures told apart from exit statuses. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "proc.h"
#include "util.h"

/* Runs argv with stderr (where errors are reported) caught in *err. */
static int
run_catching(const char *const argv[], const struct proc_opts *o, char **err)
{
	char path[] = "/tmp/pvci-test-proc.XXXXXX";
	int fd = mkstemp(path), saved = dup(2), rc;

	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(fd, 2);
	rc = proc_run(argv, o);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	*err = read_file(path, 1 << 16, NULL);
	unlink(path);
	assert_non_null(*err);
	return rc;
}

static void
test_missing_program_cannot_run(void **state)
{
	const char *argv[] = { "pvci-no-such-program", NULL };
	const char *argv_path[] = { "/nonexistent/pvci-prog", NULL };
	struct proc_opts o = { .out_fd = -1 };
	char *err;

	(void)state;
	assert_int_equal(run_catching(argv, &o, &err), -1);
	assert_non_null(strstr(err, "cannot run 'pvci-no-such-program': No such file or directory"));
	free(err);
	assert_int_equal(run_catching(argv_path, &o, &err), -1);
	assert_non_null(strstr(err, "cannot run '/nonexistent/pvci-prog': No such file or directory"));
	free(err);
}

static void
test_exit_127_is_a_status(void **state)
{
	const char *argv[] = { "sh", "-c", "exit 127", NULL };
	struct proc_opts o = { .out_fd = -1 };
	char *err;

	(void)state;
	assert_int_equal(run_catching(argv, &o, &err), 127);
	assert_string_equal(err, "");
	free(err);
}

static void
test_not_executable(void **state)
{
	char path[] = "/tmp/pvci-test-proc-x.XXXXXX";
	int fd = mkstemp(path);
	const char *argv[] = { path, NULL };
	struct proc_opts o = { .out_fd = -1 };
	char *err;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\n", 10), 10);
	close(fd);
	chmod(path, 0644);
	/* root may exec nothing without an x bit either. */
	assert_int_equal(run_catching(argv, &o, &err), -1);
	assert_non_null(strstr(err, "Permission denied"));
	free(err);
	unlink(path);
}

static void
test_bad_cwd(void **state)
{
	const char *argv[] = { "true", NULL };
	struct proc_opts o = { .out_fd = -1, .cwd = "/nonexistent/pvci-dir" };
	char *err;

	(void)state;
	assert_int_equal(run_catching(argv, &o, &err), -1);
	assert_non_null(strstr(err, "cannot run 'true' in '/nonexistent/pvci-dir': "
				    "No such file or directory"));
	free(err);
}

static void
test_env_and_path(void **state)
{
	const char *env[] = { "PVCI_TEST_VAR=bar", NULL };
	const char *no_path[] = { "PATH=/nonexistent", NULL };
	const char *argv[] = { "sh", "-c", "test \"$PVCI_TEST_VAR\" = bar", NULL };
	struct proc_opts o = { .out_fd = -1, .env = env };
	char *err;

	(void)state;
	assert_int_equal(proc_run(argv, &o), 0);
	/* The program is looked up in the PATH the child gets. */
	o.env = no_path;
	assert_int_equal(run_catching(argv, &o, &err), -1);
	assert_non_null(strstr(err, "cannot run 'sh'"));
	free(err);
}

static void
test_capture(void **state)
{
	const char *argv[] = { "sh", "-c", "echo out; echo err >&2", NULL };
	char *out = NULL;
	struct proc_opts o = { .out_fd = -1, .capture = &out, .capture_max = 100 };

	(void)state;
	assert_int_equal(proc_run(argv, &o), 0);
	assert_string_equal(out, "out\n");
	free(out);
}

static void
test_signals_reset(void **state)
{
	const char *pipe_argv[] = { "sh", "-c", "kill -PIPE $$", NULL };
	const char *term_argv[] = { "sh", "-c", "kill -TERM $$", NULL };
	struct proc_opts o = { .out_fd = -1 };
	sigset_t set, old;

	(void)state;
	/* What the parent ignores or blocks, the child does not inherit. */
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(proc_run(pipe_argv, &o), 128 + SIGPIPE);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, &old);
	assert_int_equal(proc_run(term_argv, &o), 128 + SIGTERM);
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGPIPE, SIG_DFL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_program_cannot_run),
		cmocka_unit_test(test_exit_127_is_a_status),
		cmocka_unit_test(test_not_executable),
		cmocka_unit_test(test_bad_cwd),
		cmocka_unit_test(test_env_and_path),
		cmocka_unit_test(test_capture),
		cmocka_unit_test(test_signals_reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
