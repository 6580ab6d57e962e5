#include <getopt.h>
#include <stdio.h>
#include <time.h>

#include "cmd.h"
#include "instance.h"
#include "report.h"
#include "util.h"

#define REGRESSIONS_USAGE "regressions [--branch B] [--all]"

static int
cmd_regressions_exec(struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "branch", required_argument, NULL, 'b' },
		{ "all", no_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct cmd_form form = { "regressions", REGRESSIONS_USAGE };
	const char *branch = NULL;
	struct instance *inst;
	int c, all = 0, rc;

	optind = 0;
	while ((c = cmd_getopt(&form, opts, argc, argv, "", longopts)) != -1) {
		switch (c) {
		case 'b':
			if (!name_is_valid(optarg))
				return cmd_form_error(&form, "'%s' is not a branch name", optarg);
			branch = optarg;
			break;
		case 'A':
			all = 1;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return cmd_form_error(&form, "unexpected '%s'", argv[optind]);
	inst = instance_open(opts->home, INSTANCE_RUN);
	if (!inst)
		return EXIT_ERROR;
	rc = report_regressions(inst->db, branch, all, (long)time(NULL), stdout) < 0
		? EXIT_ERROR : EXIT_PASS;
	instance_close(inst);
	if (cmd_flush_stdout() < 0)
		rc = EXIT_ERROR;
	return rc;
}

const struct cmd_entry cmd_regressions_entry = {
	.name = "regressions",
	.usage = REGRESSIONS_USAGE,
	.summary = "list open regressions: failing since N (D days, K flights)",
	.help =
	"A regression opens when pvci report judges a real flight in which a\n"
	"step failed that passed in the baseline, and is fixed by the first\n"
	"real flight judged where it passes again.\n\n"
	"  --branch B   only branch B\n"
	"  --all        fixed ones too\n",
	.exec = cmd_regressions_exec,
};
