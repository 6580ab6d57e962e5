#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "instance.h"
#include "log.h"
#include "progress.h"
#include "show.h"
#include "util.h"
#include "worker.h"

static int
job_run(struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct cmd_form form = { "job run", "job run FLIGHT JOB [--host NAME]" };
	const char *host = NULL;
	struct instance *inst;
	enum run_outcome out;
	long flight;
	int c;

	optind = 0;
	while ((c = cmd_getopt(&form, opts, argc, argv, "", longopts)) != -1) {
		if (c != 'H')
			return EXIT_USAGE;
		host = optarg;
	}
	if (optind + 2 != argc)
		return cmd_form_error(&form, "needs FLIGHT and JOB");
	if (parse_long(argv[optind], &flight) < 0 || flight <= 0)
		return cmd_form_error(&form, "'%s' is not a flight number", argv[optind]);
	if (!name_is_valid(argv[optind + 1]))
		return cmd_form_error(&form, "'%s' is not a job name", argv[optind + 1]);
	if (host && !name_is_valid(host))
		return cmd_form_error(&form, "'%s' is not a host name", host);
	inst = instance_open(opts->home, INSTANCE_RUN);
	if (!inst)
		return EXIT_ERROR;
	out = worker_run(inst, flight, argv[optind + 1], host, &progress_listener);
	instance_close(inst);
	return (int)out;
}

static int
cmd_job_exec(struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct cmd_form form = { "job show", "job show FLIGHT JOB [--json]" };
	struct instance *inst;
	int c, json = 0, rc;
	long flight;

	if (argc >= 2 && !strcmp(argv[1], "run"))
		return job_run(opts, argc - 1, argv + 1);
	if (argc < 2 || strcmp(argv[1], "show"))
		return cmd_usage_error(&cmd_job_entry, "which job command?");
	argc--;
	argv++;
	optind = 0;
	while ((c = cmd_getopt(&form, opts, argc, argv, "", longopts)) != -1) {
		if (c != 'J')
			return EXIT_USAGE;
		json = 1;
	}
	if (optind + 2 != argc)
		return cmd_form_error(&form, "needs FLIGHT and JOB");
	if (parse_long(argv[optind], &flight) < 0 || flight <= 0)
		return cmd_form_error(&form, "'%s' is not a flight number", argv[optind]);
	if (!name_is_valid(argv[optind + 1]))
		return cmd_form_error(&form, "'%s' is not a job name", argv[optind + 1]);
	inst = instance_open(opts->home, INSTANCE_READ);
	if (!inst)
		return EXIT_ERROR;
	rc = show_job(inst, flight, argv[optind + 1], json) < 0 ? EXIT_ERROR : EXIT_PASS;
	instance_close(inst);
	return rc;
}

const struct cmd_entry cmd_job_entry = {
	.name = "job",
	.usage = "job show FLIGHT JOB [--json] | job run FLIGHT JOB [--host NAME]",
	.summary = "show a job: steps with logs, runvars, artifacts, measurements; run one job",
	.help = "job run runs one queued job of a flight in this process (a worker, as the\n"
		"daemon starts them): it takes a lease on host NAME of the pool (config.json\n"
		"'hosts', else the host 'local') and the job in one transaction, runs its steps\n"
		"on that host's toolstack, then frees the lease. A job with \"needs_host\": false\n"
		"runs without --host. It fails (exit 3) when the host is disabled, full or lacks\n"
		"the job's flags, or the job is not queued or waits on a job that has not\n"
		"passed. A job that ends broken is queued again once, on another host when one\n"
		"fits (pvci job show lists both attempts). Exit status as for flight run.\n",
	.exec = cmd_job_exec,
};
