#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "log.h"

#ifndef PVCI_VERSION
#define PVCI_VERSION "unknown"
#endif

/*
 * pvci [--home DIR] [-v] COMMAND [ARGS]: one binary, subcommands like git.
 * --home may also come after the command, as users tend to type it there;
 * so may -v, which each command's option parser takes.
 */
static int
run(int argc, char **argv)
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
				fprintf(stderr, "pvci: option '--home' needs a directory\n");
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
	/* An empty --home (an unset variable in a script) must not mean the default. */
	if (opts.home && !*opts.home) {
		fprintf(stderr, "pvci: option '--home' needs a directory, not ''\n");
		free(args);
		return EXIT_USAGE;
	}
	log_init("pvci", opts.verbose);
	if (n == 0 || !strcmp(args[0], "--help") || !strcmp(args[0], "-h"))
		args[0] = (char *)"help", n = n ? n : 1;
	if (!strcmp(args[0], "--version")) {
		printf("pvci %s\n", PVCI_VERSION);
		free(args);
		return EXIT_PASS;
	}
	entry = cmd_lookup(args[0]);
	if (!entry) {
		if (args[0][0] == '-')
			fprintf(stderr, "pvci: unknown option '%s'; see 'pvci help'\n", args[0]);
		else
			fprintf(stderr, "pvci: '%s' is not a pvci command; see 'pvci help'\n",
				args[0]);
		free(args);
		return EXIT_USAGE;
	}
	if (cmd_wants_help(n, args)) {
		cmd_print_help(entry);
		free(args);
		return EXIT_PASS;
	}
	rc = entry->exec(&opts, n, args);
	free(args);
	return rc;
}

int
main(int argc, char **argv)
{
	int rc;

	/*
	 * A reader that goes away ("pvci flight run | head -1") must not kill
	 * a run half way and leave its jobs to recovery: writes fail instead,
	 * and the run goes on. Programs pvci starts get the default back.
	 */
	signal(SIGPIPE, SIG_IGN);
	rc = run(argc, argv);
	/* A report cut short by a full disk is an error, not a success. */
	if (cmd_close_stdout() < 0 && rc == EXIT_PASS)
		rc = EXIT_ERROR;
	return rc;
}
