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
#include "token.h"
#include "util.h"

#define INIT_USAGE "keys init [--days N] [--force] [--ca-key PATH | --no-keep-ca]"
#define SHOW_USAGE "keys show"

static const struct cmd_form init_form = { "keys init", INIT_USAGE };
static const struct cmd_form show_form = { "keys show", SHOW_USAGE };

static int
keys_init(struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "days", required_argument, NULL, 'd' },
		{ "force", no_argument, NULL, 'f' },
		{ "ca-key", required_argument, NULL, 'c' },
		{ "no-keep-ca", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *ca_key_opt = NULL;
	char *ca_key_out = NULL;
	int no_keep = 0;
	struct keys_paths kp;
	struct config *cfg;
	char *home;
	long days = -1;
	int force = 0, c, rc;

	optind = 0;
	while ((c = cmd_getopt(&init_form, opts, argc, argv, "d:fc:n", longopts)) != -1) {
		switch (c) {
		case 'd':
			if (parse_long(optarg, &days) < 0 || days < 1 || days > 36500)
				return cmd_form_error(&init_form, "--days needs a number of days "
						      "(1..36500), not '%s'", optarg);
			break;
		case 'f':
			force = 1;
			break;
		case 'c':
			ca_key_opt = optarg;
			break;
		case 'n':
			no_keep = 1;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return cmd_form_error(&init_form, "unexpected argument '%s'", argv[optind]);
	if (ca_key_opt && no_keep)
		return cmd_form_error(&init_form, "--ca-key and --no-keep-ca exclude each other");
	if (ca_key_opt && !*ca_key_opt)
		return cmd_form_error(&init_form, "--ca-key needs a file name");
	cfg = keys_instance_config(opts->home, &home);
	if (!cfg) {
		free(home);
		return EXIT_ERROR;
	}
	if (days < 0)
		days = config_int(cfg, "signing.validity_days");
	keys_paths_init(&kp, cfg, home);
	if (ca_key_opt)
		ca_key_out = path_absolute(ca_key_opt);
	rc = keys_create_mode(&kp, home, (int)days, force, ca_key_out);
	if (rc == 1) {
		printf("keys already exist ('%s', '%s'): kept (use --force to replace them)\n",
		       kp.ca, kp.cert);
	} else if (rc == 0) {
		printf("made a test CA '%s' and a code-signing certificate '%s', "
		       "valid for %ld days\n", kp.ca, kp.cert, days);
		if (kp.pkcs11)
			printf("the code-signing key was made inside token '%s' (%s); its PIN "
			       "is in '%s'\n", kp.token_label, kp.pkcs11_module, kp.pin_file);
		if (ca_key_out)
			printf("the CA's private key is in '%s' (mode 0600): keep it offline\n",
			       ca_key_out);
		else if (kp.pkcs11)
			printf("the CA's private key was not kept%s\n", no_keep ? "" :
			       " (give --ca-key PATH outside the instance to keep it)");
		else
			printf("the CA's private key is in '%s' (keys.mode file: a throwaway "
			       "instance)\n", kp.ca_key);
	}
	free(ca_key_out);
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
	if (kp.pkcs11) {
		int present = token_key_present(&kp);

		printf("mode: pkcs11 (the code-signing key lives in a token)\n");
		printf("key: token '%s', key '%s' (%s)\n", kp.token_label, kp.key_label,
		       present > 0 ? "present" : present == 0 ? "missing" : "cannot tell");
		printf("module: %s\n", kp.pkcs11_module);
		printf("engine: %s\n", kp.pkcs11_engine ? kp.pkcs11_engine : "pkcs11 (OpenSSL's)");
		if (kp.softhsm_conf)
			printf("softhsm: %s (SoftHSM2 tokens managed by pvci)\n", kp.softhsm_conf);
		printf("pin file: %s (%s)\n", kp.pin_file, file_exists(kp.pin_file) ?
		       "present" : "missing");
		bad |= present <= 0;
	} else if (keys_is_pkcs11(kp.key)) {
		char *shown = redact_secrets(kp.key);

		printf("key: %s (PKCS#11, module %s)\n", shown,
		       kp.pkcs11_module ? kp.pkcs11_module : "unset");
		free(shown);
	} else {
		printf("mode: file (the code-signing key is a plain file: a throwaway "
		       "instance only)\n");
		printf("key: %s (%s)\n", kp.key, file_exists(kp.key) ? "present" : "missing");
	}
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
	"           say. keys.mode pkcs11 (the default): the code-signing key is\n"
	"           generated inside the PKCS#11 token (SoftHSM2 set up in the\n"
	"           instance, its PIN in keys.pin_file, 0600) and never leaves\n"
	"           it; the CA's private key is written only to --ca-key. keys.mode\n"
	"           file: plain key files, mode 0600 (a throwaway instance).\n"
	"           Existing keys are kept unless --force.\n"
	"    --days N        validity in days (default: signing.validity_days)\n"
	"    --force         replace existing keys (and a SoftHSM2 token)\n"
	"    --ca-key PATH   keep the CA's private key there (0600), outside the\n"
	"                    instance\n"
	"    --no-keep-ca    do not keep it (the default in pkcs11 mode)\n"
	"  show     print subject, SHA-256 fingerprint and expiry of each\n"
	"           certificate, and the key's mode and place (never the key or\n"
	"           the PIN)\n",
	.exec = cmd_keys_exec,
};
