#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "instance.h"

static int
cmd_init_exec(struct cmd_opts *opts, int argc, char **argv)
{
	static const struct cmd_form form = { "init", "init" };
	char *home;
	int rc;

	optind = 0;
	if (cmd_getopt(&form, opts, argc, argv, "", NULL) != -1)
		return EXIT_USAGE;
	if (optind != argc)
		return cmd_form_error(&form, "takes no arguments");
	home = instance_home(opts->home);
	rc = instance_init(home);
	if (rc == 0)
		printf("pvci instance ready in %s\n", home);
	free(home);
	return rc == 0 ? EXIT_PASS : EXIT_ERROR;
}

const struct cmd_entry cmd_init_entry = {
	.name = "init",
	.usage = "init",
	.summary = "create the instance directory (config, database, logs); idempotent",
	.help = "Creates config.json with working defaults, results.db, logs/, artifacts/,\n"
		"images/, overlays/, keys/ in the instance directory. Running it again\n"
		"keeps what is there, checks the config and applies new migrations.\n",
	.exec = cmd_init_exec,
};
