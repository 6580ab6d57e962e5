/*
 * A step's child process: its exit status and death by signal come through
 * the PID namespace's init, the deadline kills it, and interrupts read from
 * the signalfd either stop it or let it go on, as on_signal says.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "supervise.h"
#include "util.h"

static int
return_arg(void *arg)
{
	return *(int *)arg;
}

static int
return_pid(void *arg)
{
	(void)arg;
	return (int)getpid();
}

static int
die_of_sigusr1(void *arg)
{
	(void)arg;
	kill(getpid(), SIGUSR1);
	return 0;
}

static int
sleep_long(void *arg)
{
	(void)arg;
	sleep(60);
	return 0;
}

static void
run(int (*fn)(void *), void *arg, double seconds, int sigfd,
    int (*on_signal)(int, void *), void *opaque, struct supervise_result *res)
{
	struct supervise_opts o = {
		.out_fd = 2, .deadline = now_monotonic() + seconds, .sigfd = sigfd,
		.on_signal = on_signal, .opaque = opaque,
	};

	supervise_run(fn, arg, &o, res);
}

static void
test_ends(void **state)
{
	struct supervise_result res;
	int seven = 7;

	(void)state;
	run(return_arg, &seven, 30, -1, NULL, NULL, &res);
	assert_int_equal(res.end, SUPERVISE_EXITED);
	assert_int_equal(res.status, 7);

	run(die_of_sigusr1, NULL, 30, -1, NULL, NULL, &res);
	assert_int_equal(res.end, SUPERVISE_SIGNALED);
	assert_int_equal(res.status, SIGUSR1);

	/* As root, the step is the first child of its namespace's init. */
	run(return_pid, NULL, 30, -1, NULL, NULL, &res);
	assert_int_equal(res.end, SUPERVISE_EXITED);
	if (supervise_uses_pidns())
		assert_int_equal(res.status, 2);
	else
		assert_int_not_equal(res.status, 2);

	run(sleep_long, NULL, 0.2, -1, NULL, NULL, &res);
	assert_int_equal(res.end, SUPERVISE_TIMEOUT);
}

/*
 * The step tells a helper thread it runs (pipe started); the thread sends
 * SIGINT to this process; on_signal, called for it, tells the thread
 * (pipe seen), which then lets the step end (pipe go).
 */
struct handshake {
	int started[2], seen[2], go[2];
	int calls;
	int stop;		/* what on_signal returns */
};

static int
step_waits(void *arg)
{
	struct handshake *h = arg;
	char c = 'x';

	if (write(h->started[1], &c, 1) != 1 || read(h->go[0], &c, 1) != 1)
		return 100;
	return 3;
}

static void *
helper(void *arg)
{
	struct handshake *h = arg;
	char c;

	if (read(h->started[0], &c, 1) != 1)
		return NULL;
	kill(getpid(), SIGINT);
	if (read(h->seen[0], &c, 1) == 1 && write(h->go[1], &c, 1) != 1)
		return NULL;
	return NULL;
}

static int
on_signal(int sig, void *opaque)
{
	struct handshake *h = opaque;
	char c = 'x';

	assert_int_equal(sig, SIGINT);
	h->calls++;
	if (write(h->seen[1], &c, 1) != 1)
		return 1;
	return h->stop;
}

static void
interrupt_case(int stop, struct supervise_result *res, int *calls)
{
	struct handshake h = { .stop = stop };
	pthread_t t;
	int sigfd;

	assert_int_equal(pipe(h.started), 0);
	assert_int_equal(pipe(h.seen), 0);
	assert_int_equal(pipe(h.go), 0);
	/* Blocked before the thread starts, so it is blocked there too. */
	sigfd = supervise_signals_open();
	assert_true(sigfd >= 0);
	assert_int_equal(pthread_create(&t, NULL, helper, &h), 0);
	run(step_waits, &h, 30, sigfd, on_signal, &h, res);
	/* A step that was killed never read go: let the helper finish. */
	close(h.go[0]);
	pthread_join(t, NULL);
	supervise_signals_close(sigfd);
	*calls = h.calls;
	for (int i = 0; i < 2; i++) {
		close(h.started[i]);
		close(h.seen[i]);
		if (i)
			close(h.go[i]);
	}
}

static void
test_interrupts(void **state)
{
	struct supervise_result res;
	int calls;

	(void)state;
	interrupt_case(1, &res, &calls);
	assert_int_equal(calls, 1);
	assert_int_equal(res.end, SUPERVISE_INTERRUPTED);
	assert_int_equal(res.status, SIGINT);

	interrupt_case(0, &res, &calls);
	assert_int_equal(calls, 1);
	assert_int_equal(res.end, SUPERVISE_EXITED);
	assert_int_equal(res.status, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ends),
		cmocka_unit_test(test_interrupts),
	};

	/*
	 * The helper may write go after the step was killed and go's read end
	 * closed: EPIPE, which it handles, rather than the signal killing
	 * the test (pvci itself ignores SIGPIPE in main).
	 */
	signal(SIGPIPE, SIG_IGN);
	supervise_init();
	return cmocka_run_group_tests_name("supervise", tests, NULL, NULL);
}
