/*
 * pvci verify: checks a signed driver package (.tar), installer ISO or
 * directory against the CA (see verify.h for the checks).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "config.h"
#include "db.h"
#include "instance.h"
#include "keys.h"
#include "log.h"
#include "util.h"
#include "verify.h"

/* Which flights made and tested exactly the bytes of the package at path. */
static int
history(struct cmd_opts *opts, const char *path)
{
	struct db_catalog_use *u = NULL;
	struct instance *inst;
	char hex[65];
	int i, n = 0, tested = 0, rc = -1;

	if (verify_catalog(path, hex, NULL, opts->verbose ? 2 : -1) < 0)
		return -1;
	printf("catalog sha256 %s\n", hex);
	inst = instance_open(opts->home, INSTANCE_READ);
	if (!inst)
		return -1;
	if (db_catalog_uses(inst->db, hex, &u, &n) == 0) {
		for (i = 0; i < n; i++) {
			printf("flight %ld job %s (%s): %s%s\n", u[i].flight, u[i].job, u[i].branch,
			       u[i].status, u[i].tested ? "" : " (made this package)");
			tested += u[i].tested;
		}
		if (tested)
			printf("%d job%s tested exactly these bytes\n", tested,
			       tested == 1 ? "" : "s");
		else
			printf("no flight tested exactly these bytes%s\n",
			       n ? "" : " (and no flight made them)");
		rc = 0;
	}
	db_catalog_uses_free(u, n);
	instance_close(inst);
	return rc;
}

static int
cmd_verify_exec(struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ca", required_argument, NULL, 'c' },
		{ "history", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	const char *ca_opt = NULL;
	int want_history = 0;
	char *ca, *home = NULL;
	int c, rc;

	static const struct cmd_form form = { "verify", "verify [--ca CA.pem] [--history] PATH" };

	optind = 0;
	while ((c = cmd_getopt(&form, opts, argc, argv, "c:H", longopts)) != -1) {
		if (c == 'H')
			want_history = 1;
		else if (c == 'c')
			ca_opt = optarg;
		else
			return EXIT_USAGE;
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
	if (want_history && rc >= 0 && history(opts, argv[optind]) < 0)
		rc = -1;
	free(ca);
	free(home);
	return rc == 0 ? EXIT_PASS : rc > 0 ? EXIT_FAILED : EXIT_ERROR;
}

const struct cmd_entry cmd_verify_entry = {
	.name = "verify",
	.usage = "verify [--ca CA.pem] [--history] PATH",
	.summary = "check the signatures and checksums of a driver package, ISO or directory",
	.help =
	"  PATH is a package (.tar), an installer ISO or a directory. Checks that\n"
	"  every PE and catalog carries an Authenticode signature chaining to the\n"
	"  CA, that SHA256SUMS lists and matches every file, and that its CMS\n"
	"  signature SHA256SUMS.p7s is valid; prints one line per check.\n"
	"  Archives are read in memory (libarchive), never unpacked; members\n"
	"  with absolute or '..' names, links and devices are refused.\n"
	"    --ca CA.pem   the CA to trust (default: the instance's signing.ca)\n"
	"    --history     also compute the package's catalog (file, size, SHA-256,\n"
	"                  Authenticode digest) from its bytes and list the flights\n"
	"                  that made it and the test jobs that installed exactly\n"
	"                  these bytes, with their result\n"
	"  Exit status: 0 all passed, 1 a check failed, 3 could not check.\n",
	.exec = cmd_verify_exec,
};
