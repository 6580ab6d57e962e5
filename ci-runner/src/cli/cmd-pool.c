#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "instance.h"
#include "log.h"
#include "supervisor.h"
#include "util.h"

static volatile sig_atomic_t pool_stop;

static void
on_stop(int sig)
{
	pool_stop = sig;
}

static int
cmd_pool_exec(struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "once", no_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct cmd_form form = { "pool run", "pool run [--interval MS] [--once]" };
	struct supervisor_tick t;
	struct supervisor *sv;
	struct instance *inst;
	struct sigaction sa;
	char self[4096];
	long interval = 500;
	ssize_t len;
	int c, once = 0, rc = EXIT_PASS;

	if (argc < 2 || strcmp(argv[1], "run"))
		return cmd_usage_error(&cmd_pool_entry, "which pool command?");
	argc--;
	argv++;
	optind = 0;
	while ((c = cmd_getopt(&form, opts, argc, argv, "", longopts)) != -1) {
		if (c == 'o')
			once = 1;
		else if (c == 'i' && parse_long(optarg, &interval) == 0 && interval >= 10 &&
			 interval <= 600000)
			continue;
		else if (c == 'i')
			return cmd_form_error(&form, "--interval takes milliseconds, 10 to 600000");
		else
			return EXIT_USAGE;
	}
	if (optind != argc)
		return cmd_form_error(&form, "takes no arguments");
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0) {
		error("cannot find this program's path");
		return EXIT_ERROR;
	}
	self[len] = '\0';
	inst = instance_open(opts->home, INSTANCE_RUN);
	if (!inst)
		return EXIT_ERROR;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sv = supervisor_new(self, inst->home);
	while (!pool_stop) {
		struct timespec ts = { interval / 1000, (interval % 1000) * 1000000L };

		if (supervisor_tick(sv, inst, &t) < 0) {
			rc = EXIT_ERROR;
			break;
		}
		if (t.started || t.blocked)
			printf("pool: started %d, blocked %d; queued %d, running %d, cleanups %d\n",
			       t.started, t.blocked, t.queued, t.running, t.cleanups);
		fflush(stdout);
		if (once)
			break;
		/* Idle: nothing queued, running or left to clean, and no worker of ours. */
		if (!t.queued && !t.running && !t.cleanups && !t.children && !t.started)
			break;
		/* Nothing runs that could free a slot: what is queued waits for a host that fits. */
		if (!t.running && !t.cleanups && !t.children && !t.started && !t.blocked) {
			errorx("%d queued job%s cannot start: no enabled host of the pool fits "
			       "(see 'pvci host list')", t.queued, t.queued == 1 ? "" : "s");
			rc = EXIT_FAILED;
			break;
		}
		nanosleep(&ts, NULL);
	}
	/* Workers carry on without us; reap those that are done. */
	supervisor_reap(sv);
	supervisor_free(sv);
	instance_close(inst);
	return rc;
}

const struct cmd_entry cmd_pool_entry = {
	.name = "pool",
	.usage = "pool run [--interval MS] [--once]",
	.summary = "run the queued jobs of all flights on the host pool until none are left",
	.help = "pool run is the daemon's scheduler and worker supervision in the foreground:\n"
		"every interval (default 500 ms) it notices dead workers (their jobs broken,\n"
		"guests cleaned up, leases freed, one retry), blocks jobs whose needs did not\n"
		"pass, and starts what the scheduler picks (priority scheduler.priority, oldest\n"
		"flight first, a flight's share bounded by scheduler.flight_share, never above a\n"
		"host's capacity), each job as a worker 'pvci job run FLIGHT JOB --host NAME'\n"
		"with its output in logs/FLIGHT/JOB/worker.log. It ends when nothing is queued,\n"
		"running or waiting for cleanup (exit 0), or when queued jobs cannot start on\n"
		"any enabled host while nothing runs (exit 1); --once does one round. SIGINT or SIGTERM stop\n"
		"it; running workers carry on, and the next pool run adopts them.\n",
	.exec = cmd_pool_exec,
};
