#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "step.h"
#include "stepdecl.h"

static int
cmd_help_exec(struct cmd_opts *opts, int argc, char **argv)
{
	const struct cmd_entry *const *t = cmd_table();
	static const struct cmd_form form = { "help", "help [COMMAND | steps | config]" };
	const struct step_def *steps;
	int i, n;

	optind = 0;
	if (cmd_getopt(&form, opts, argc, argv, "", NULL) != -1)
		return EXIT_USAGE;
	/* What is left: the topic, if any, first. */
	argc -= optind - 1;
	argv += optind - 1;
	if (argc > 2)
		return cmd_form_error(&form, "takes one topic, not '%s'", argv[2]);
	if (argc > 1 && strcmp(argv[1], "steps") == 0) {
		steps = step_table(&n);
		printf("Steps a recipe can use (always: runs after a failure too):\n\n");
		for (i = 0; i < n; i++) {
			const struct runvar_decl *d;

			printf("  %-18s %s%s (default limit %d s)\n", steps[i].name,
			       steps[i].description, steps[i].always ? "; always" : "",
			       steps[i].default_timeout);
			/* The runvars it reads, as flight create checks them. */
			for (d = steps[i].inputs; d && d->name; d++)
				if (!(d->flags & RUNVAR_FROM_STEP))
					printf("  %-18s   runvar %s%s%s%s\n", "", d->name,
					       d->flags & RUNVAR_REQUIRED ? " (required)" : "",
					       d->what ? ": " : "", d->what ? d->what : "");
		}
		return EXIT_PASS;
	}
	if (argc > 1 && strcmp(argv[1], "config") == 0) {
		printf("Settings of config.json (sections and keys, JSON):\n\n");
		config_print_keys();
		return EXIT_PASS;
	}
	if (argc > 1) {
		const struct cmd_entry *e = cmd_lookup(argv[1]);

		if (!e) {
			fprintf(stderr, "pvci help: no command '%s'\n", argv[1]);
			return EXIT_USAGE;
		}
		cmd_print_help(e);
		return EXIT_PASS;
	}
	printf("usage: pvci [--home DIR] [-v] COMMAND [ARGS]\n\n"
	       "pvci builds, signs and tests the Xen Windows PV drivers.\n\nCommands:\n");
	for (i = 0; t[i]; i++)
		printf("  %-11s %s\n", t[i]->name, t[i]->summary);
	printf("\n'pvci help COMMAND' or 'pvci COMMAND --help' tells more;\n"
	       "'pvci help steps' lists the steps recipes can use;\n"
	       "'pvci help config' lists the settings.\n\n"
	       "The instance directory is --home DIR, else $PVCI_HOME, else /var/lib/pvci\n"
	       "(root) or ~/.local/share/pvci.\n\n"
	       "Exit status: 0 all passed, 1 something failed or was blocked,\n"
	       "2 something broke, 3 error, 64 usage.\n");
	return EXIT_PASS;
}

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.usage = "help [COMMAND | steps | config]",
	.summary = "list commands, steps or settings",
	.exec = cmd_help_exec,
};
