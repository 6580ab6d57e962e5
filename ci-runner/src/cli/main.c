#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "log.h"

/*
 * pvci [--home DIR] [-v] COMMAND [ARGS]: one binary, subcommands like git.
 * --home may also come after the command, as users tend to type it there.
 */
int
main(int argc, char **argv)
{
	struct cmd_opts opts = { 0 };
	const struct cmd_entry *entry;
	char **args = calloc((size_t)argc + 1, sizeof(char *));
	int i, n = 0, rc;

	if (!args)
		return EXIT_ERROR;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--home")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "pvci: --home needs a directory\n");
				free(args);
				return EXIT_USAGE;
			}
			opts.home = argv[++i];
		} else if (!strncmp(argv[i], "--home=", 7)) {
			opts.home = argv[i] + 7;
		} else if (n == 0 && (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose"))) {
			opts.verbose++;
		} else {
			args[n++] = argv[i];
		}
	}
	log_init("pvci", opts.verbose);
	if (n == 0 || !strcmp(args[0], "--help") || !strcmp(args[0], "-h"))
		args[0] = (char *)"help", n = n ? n : 1;
	if (!strcmp(args[0], "--version")) {
		printf("pvci 0.1\n");
		free(args);
		return EXIT_PASS;
	}
	entry = cmd_lookup(args[0]);
	if (!entry) {
		fprintf(stderr, "pvci: '%s' is not a pvci command; see 'pvci help'\n", args[0]);
		free(args);
		return EXIT_USAGE;
	}
	if (entry != &cmd_help_entry && cmd_wants_help(n, args)) {
		cmd_print_help(entry);
		free(args);
		return EXIT_PASS;
	}
	rc = entry->exec(&opts, n, args);
	free(args);
	return rc;
}
