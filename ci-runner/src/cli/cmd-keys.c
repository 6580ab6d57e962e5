/*
 * pvci keys: makes and describes the signing keys (test CA and code-signing
 * certificate) named by the signing.* settings.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "keys.h"
#include "log.h"
#include "util.h"

#define INIT_USAGE "keys init [--days N] [--force]"
#define SHOW_USAGE "keys show"

static const struct cmd_form init_form = { "keys init", INIT_USAGE };
static const struct cmd_form show_form = { "keys show", SHOW_USAGE };

static int
keys_init(struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "days", required_argument, NULL, 'd' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct keys_paths kp;
	struct config *cfg;
	char *home;
	long days = -1;
	int force = 0, c, rc;

	optind = 0;
	while ((c = cmd_getopt(&init_form, opts, argc, argv, "d:f", longopts)) != -1) {
		switch (c) {
		case 'd':
			if (parse_long(optarg, &days) < 0 || days < 1 || days > 36500)
				return cmd_form_error(&init_form, "--days needs a number of days "
						      "(1..36500), not '%s'", optarg);
			break;
		case 'f':
			force = 1;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return cmd_form_error(&init_form, "unexpected argument '%s'", argv[optind]);
	cfg = keys_instance_config(opts->home, &home);
	if (!cfg) {
		free(home);
		return EXIT_ERROR;
	}
	if (days < 0)
		days = config_int(cfg, "signing.validity_days");
	keys_paths_init(&kp, cfg, home);
	rc = keys_create(&kp, (int)days, force);
	if (rc == 1)
		printf("keys already exist ('%s', '%s'): kept (use --force to replace them)\n",
		       kp.ca, kp.cert);
	else if (rc == 0)
		printf("made a test CA '%s' and a code-signing certificate '%s', "
		       "valid for %ld days\n", kp.ca, kp.cert, days);
	keys_paths_release(&kp);
	config_free(cfg);
	free(home);
	return rc >= 0 ? EXIT_PASS : EXIT_ERROR;
}

static int
show_cert(const char *what, const char *path, long long now)
{
	struct keys_info info;
	char date[16];
	long long left;

	if (!path || !file_exists(path)) {
		if (path)
			errorx("%s certificate '%s' is missing (run 'pvci keys init')", what, path);
		else
			errorx("no %s certificate is set (see 'pvci help config')", what);
		return -1;
	}
	if (keys_cert_info(path, &info) < 0)
		return -1;
	keys_format_date(info.not_after, date, sizeof(date));
	left = (info.not_after - now) / 86400;
	printf("%s: %s\n", what, path);
	printf("  subject: %s\n", info.subject);
	printf("  issuer:  %s\n", info.issuer);
	printf("  sha256:  %s\n", info.fingerprint);
	if (info.not_after <= now)
		printf("  expires: %s (expired)\n", date);
	else
		printf("  expires: %s (in %lld days)\n", date, left);
	keys_info_release(&info);
	return 0;
}

static int
keys_show(struct cmd_opts *opts, int argc, char **argv)
{
	struct keys_paths kp;
	struct config *cfg;
	long long now = now_seconds();
	char *home;
	int bad = 0;

	optind = 0;
	if (cmd_getopt(&show_form, opts, argc, argv, "", NULL) != -1)
		return EXIT_USAGE;
	if (optind != argc)
		return cmd_form_error(&show_form, "unexpected argument '%s'", argv[optind]);
	cfg = keys_instance_config(opts->home, &home);
	if (!cfg) {
		free(home);
		return EXIT_ERROR;
	}
	keys_paths_init(&kp, cfg, home);
	bad |= show_cert("ca", kp.ca, now) < 0;
	bad |= show_cert("codesign", kp.cert, now) < 0;
	/* Only where the key is, never what it is. */
	if (keys_is_pkcs11(kp.key)) {
		char *shown = redact_secrets(kp.key);

		printf("key: %s (PKCS#11, module %s)\n", shown,
		       kp.pkcs11_module ? kp.pkcs11_module : "unset");
		free(shown);
	} else
		printf("key: %s (%s)\n", kp.key, file_exists(kp.key) ? "present" : "missing");
	printf("chain: %s (%s)\n", kp.chain, file_exists(kp.chain) ? "present" : "missing");
	keys_paths_release(&kp);
	config_free(cfg);
	free(home);
	return bad ? EXIT_ERROR : EXIT_PASS;
}

static int
cmd_keys_exec(struct cmd_opts *opts, int argc, char **argv)
{
	if (argc < 2)
		return cmd_usage_error(&cmd_keys_entry, "which keys command?");
	if (strcmp(argv[1], "init") == 0)
		return keys_init(opts, argc - 1, argv + 1);
	if (strcmp(argv[1], "show") == 0)
		return keys_show(opts, argc - 1, argv + 1);
	return cmd_usage_error(&cmd_keys_entry, "unknown keys command '%s'", argv[1]);
}

const struct cmd_entry cmd_keys_entry = {
	.name = "keys",
	.usage = INIT_USAGE " | " SHOW_USAGE,
	.summary = "make or show the signing keys (test CA and code-signing certificate)",
	.help =
	"  init     make a test-signing CA and a code-signing certificate\n"
	"           (extendedKeyUsage codeSigning) where the signing.* settings\n"
	"           say; private keys are mode 0600. Existing keys are kept\n"
	"           unless --force.\n"
	"    --days N   validity in days (default: signing.validity_days)\n"
	"    --force    replace existing keys\n"
	"  show     print subject, SHA-256 fingerprint and expiry of each\n"
	"           certificate\n",
	.exec = cmd_keys_exec,
};
