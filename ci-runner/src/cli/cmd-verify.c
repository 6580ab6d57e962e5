/*
 * pvci verify: checks a signed driver package (.tar), installer ISO or
 * directory against the CA (see verify.h for the checks).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "config.h"
#include "instance.h"
#include "keys.h"
#include "log.h"
#include "util.h"
#include "verify.h"

static int
cmd_verify_exec(struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ca", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	const char *ca_opt = NULL;
	char *ca, *home = NULL;
	int c, rc;

	static const struct cmd_form form = { "verify", "verify [--ca CA.pem] PATH" };

	optind = 0;
	while ((c = cmd_getopt(&form, opts, argc, argv, "c:", longopts)) != -1) {
		if (c != 'c')
			return EXIT_USAGE;
		ca_opt = optarg;
	}
	if (argc - optind != 1)
		return cmd_form_error(&form, "give one PATH to verify");
	if (ca_opt) {
		ca = xstrdup(ca_opt);
	} else {
		struct config *cfg = keys_instance_config(opts->home, &home);

		if (!cfg) {
			free(home);
			return EXIT_ERROR;
		}
		ca = instance_resolve(home, config_str(cfg, "signing.ca"));
		config_free(cfg);
	}
	rc = verify_path(argv[optind], ca, stdout, opts->verbose ? 2 : -1);
	if (rc == 0)
		printf("'%s': every check passed\n", argv[optind]);
	else if (rc > 0)
		printf("'%s': verification FAILED\n", argv[optind]);
	free(ca);
	free(home);
	return rc == 0 ? EXIT_PASS : rc > 0 ? EXIT_FAILED : EXIT_ERROR;
}

const struct cmd_entry cmd_verify_entry = {
	.name = "verify",
	.usage = "verify [--ca CA.pem] PATH",
	.summary = "check the signatures and checksums of a driver package, ISO or directory",
	.help =
	"  PATH is a package (.tar), an installer ISO or a directory. Checks that\n"
	"  every PE and catalog carries an Authenticode signature chaining to the\n"
	"  CA, that SHA256SUMS lists and matches every file, and that its CMS\n"
	"  signature SHA256SUMS.p7s is valid; prints one line per check.\n"
	"    --ca CA.pem   the CA to trust (default: the instance's signing.ca)\n"
	"  Exit status: 0 all passed, 1 a check failed, 3 could not check.\n",
	.exec = cmd_verify_exec,
};
