#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "instance.h"
#include "publish.h"
#include "util.h"

#define PUBLISH_USAGE "publish FLIGHT [--to URL] [--dir DIR]"

static int
cmd_publish_exec(struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "dir", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct cmd_form form = { "publish", PUBLISH_USAGE };
	const char *url = NULL, *dir = NULL;
	struct instance *inst;
	long flight;
	int c, rc;

	optind = 0;
	while ((c = cmd_getopt(&form, opts, argc, argv, "", longopts)) != -1) {
		switch (c) {
		case 't':
			url = optarg;
			break;
		case 'd':
			dir = optarg;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc)
		return cmd_form_error(&form, "needs one FLIGHT");
	if (parse_long(argv[optind], &flight) < 0 || flight <= 0)
		return cmd_form_error(&form, "FLIGHT '%s' is not a flight number", argv[optind]);
	/* Read-only: a publish, failed or not, never changes the flight's results. */
	inst = instance_open(opts->home, INSTANCE_READ);
	if (!inst)
		return EXIT_ERROR;
	rc = publish_instance(inst, flight, url, dir);
	instance_close(inst);
	return rc < 0 ? EXIT_ERROR : EXIT_PASS;
}

const struct cmd_entry cmd_publish_entry = {
	.name = "publish",
	.usage = PUBLISH_USAGE,
	.summary = "upload a flight's pages, logs and artifacts to a web server",
	.help =
	"Writes the flight's pages (the same as pvci serve shows), its logs and its\n"
	"artifacts as static files into a staging folder, then uploads them to the\n"
	"target: file:///PATH, sftp://HOST:PORT/PATH (key authentication) or\n"
	"https://HOST:PORT/PATH (WebDAV). Files the target's manifest (.pvci-manifest)\n"
	"already lists with the same SHA-256 are skipped; the index and badge go last,\n"
	"the manifest after them, so an interrupted publish is completed by the next.\n"
	"Credentials come from publish.credentials_file (mode 0600). Prints\n"
	"\"publish: flight N: U uploaded, K unchanged to URL\".\n\n"
	"  --to URL   the target (default: config publish.url)\n"
	"  --dir DIR  the staging folder (default: HOME/publish/FLIGHT)\n",
	.exec = cmd_publish_exec,
};
