#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "instance.h"
#include "log.h"
#include "show.h"
#include "util.h"

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
	.usage = "job show FLIGHT JOB [--json]",
	.summary = "show a job: steps with logs, runvars, artifacts, measurements",
	.exec = cmd_job_exec,
};
