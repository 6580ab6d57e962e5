#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "log.h"
#include "util.h"

enum config_type { CT_STR, CT_INT, CT_BOOL };

struct config_key {
	const char *key;
	enum config_type type;
	const char *def;	/* default, as text; NULL means unset (string) */
	const char *help;
};

/*
 * Every setting pvci knows. Adding a setting means adding a row here; the
 * loader rejects anything not listed so that a typo never goes unnoticed.
 */
static const struct config_key config_keys[] = {
	{ "toolstack.backend", CT_STR, "libvirt", "guest toolstack: libvirt or xl" },
	{ "toolstack.uri", CT_STR, "qemu:///system", "libvirt connection URI" },
	{ "toolstack.domain_type", CT_STR, "qemu", "libvirt domain type: kvm, qemu or xen" },
	{ "toolstack.network", CT_STR, "user", "guest network: user (QEMU user-mode) or a libvirt network name" },
	{ "toolstack.emulator", CT_STR, "/usr/bin/qemu-system-x86_64", "device model binary for qemu and kvm domains" },
	{ "toolstack.log_dir", CT_STR, "/var/log/libvirt/qemu", "where the toolstack writes each domain's own log (libvirt: NAME.log, xl: qemu-dm-NAME.log; /var/log/xen for xl); capture-logs keeps it" },
	{ "guest.name_prefix", CT_STR, "pvci", "domain names are PREFIX-FLIGHT-JOB; give instances sharing a host different prefixes" },
	{ "guest.memory_mib", CT_INT, "512", "memory of a test guest" },
	{ "guest.vcpus", CT_INT, "1", "virtual CPUs of a test guest" },
	{ "guest.boot_timeout", CT_INT, "120", "seconds for a guest to reach its agent" },
	{ "guest.agent_timeout", CT_INT, "60", "default seconds for one agent request" },
	{ "guest.shutdown_timeout", CT_INT, "60", "seconds for a clean shutdown" },
	{ "images.dir", CT_STR, "images", "golden images (relative to the instance)" },
	{ "images.overlays", CT_STR, "overlays", "per-job qcow2 overlays (relative to the instance)" },
	{ "build.executor", CT_STR, "local", "where builds run: local or guest" },
	{ "build.host_image", CT_STR, NULL, "golden image of the Windows build VM (guest executor)" },
	{ "build.timeout", CT_INT, "1800", "default seconds for a build" },
	{ "signing.ca", CT_STR, "keys/ca.pem", "CA certificate signatures must chain to" },
	{ "signing.ca_key", CT_STR, "keys/ca.key", "private key of the test CA made by 'pvci keys init'" },
	{ "signing.cert", CT_STR, "keys/codesign.pem", "code-signing certificate (PEM)" },
	{ "signing.chain", CT_STR, "keys/chain.pem", "certificate chain passed to osslsigncode" },
	{ "signing.key", CT_STR, "keys/codesign.key", "code-signing private key, or a pkcs11: URI" },
	{ "signing.pkcs11_module", CT_STR, NULL, "PKCS#11 module when signing.key is a pkcs11: URI" },
	{ "signing.timestamp_url", CT_STR, NULL, "RFC 3161 timestamp server (optional)" },
	{ "signing.min_validity_days", CT_INT, "14", "refuse to sign with a certificate expiring sooner" },
	{ "signing.validity_days", CT_INT, "365", "validity of certificates made by 'pvci keys init'" },
	{ "network.iperf3_port", CT_INT, "5201", "first host port for iperf3 servers" },
};

#define NKEYS (sizeof(config_keys) / sizeof(config_keys[0]))

struct config {
	char *values[NKEYS];
	int set[NKEYS];
};

static int
key_index(const char *key)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(config_keys[i].key, key) == 0)
			return (int)i;
	return -1;
}

struct config *
config_defaults(void)
{
	struct config *cfg = xcalloc(1, sizeof(*cfg));
	size_t i;

	for (i = 0; i < NKEYS; i++)
		cfg->values[i] = config_keys[i].def ? xstrdup(config_keys[i].def) : NULL;
	return cfg;
}

void
config_free(struct config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < NKEYS; i++)
		free(cfg->values[i]);
	free(cfg);
}

static int
set_index(struct config *cfg, int idx, const char *value, const char *where)
{
	long n;

	if (config_keys[idx].type == CT_INT && parse_long(value, &n) < 0)
		return errorx("%s: setting '%s' must be a whole number, not '%s'",
			      where, config_keys[idx].key, value);
	if (config_keys[idx].type == CT_BOOL && strcmp(value, "true") &&
	    strcmp(value, "false"))
		return errorx("%s: setting '%s' must be true or false, not '%s'",
			      where, config_keys[idx].key, value);
	free(cfg->values[idx]);
	cfg->values[idx] = xstrdup(value);
	cfg->set[idx] = 1;
	return 0;
}

int
config_set(struct config *cfg, const char *key, const char *value)
{
	int idx = key_index(key);

	if (idx < 0)
		return errorx("unknown setting '%s'", key);
	return set_index(cfg, idx, value, "command line");
}

static int
load_object(struct config *cfg, json_t *obj, const char *prefix, const char *path)
{
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v) {
		char *full = *prefix ? xasprintf("%s.%s", prefix, k) : xstrdup(k);
		char num[32];
		int idx, rc = 0;

		if (json_is_object(v)) {
			rc = load_object(cfg, v, full, path);
			free(full);
			if (rc < 0)
				return -1;
			continue;
		}
		idx = key_index(full);
		if (idx < 0) {
			errorx("%s: unknown setting '%s'", path, full);
			free(full);
			return -1;
		}
		switch (config_keys[idx].type) {
		case CT_STR:
			if (json_is_null(v)) {
				free(cfg->values[idx]);
				cfg->values[idx] = NULL;
			} else if (json_is_string(v)) {
				rc = set_index(cfg, idx, json_string_value(v), path);
			} else {
				rc = errorx("%s: setting '%s' must be a string", path, full);
			}
			break;
		case CT_INT:
			if (!json_is_integer(v)) {
				rc = errorx("%s: setting '%s' must be a whole number", path, full);
				break;
			}
			snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
			rc = set_index(cfg, idx, num, path);
			break;
		case CT_BOOL:
			if (!json_is_boolean(v)) {
				rc = errorx("%s: setting '%s' must be true or false", path, full);
				break;
			}
			rc = set_index(cfg, idx, json_is_true(v) ? "true" : "false", path);
			break;
		}
		free(full);
		if (rc < 0)
			return -1;
	}
	return 0;
}

struct config *
config_load(const char *path)
{
	struct config *cfg;
	json_error_t jerr;
	json_t *root;

	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		errorx("%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		errorx("%s: the config must be a JSON object", path);
		json_decref(root);
		return NULL;
	}
	cfg = config_defaults();
	if (load_object(cfg, root, "", path) < 0) {
		config_free(cfg);
		cfg = NULL;
	}
	json_decref(root);
	return cfg;
}

static int
must_index(const char *key)
{
	int idx = key_index(key);

	if (idx < 0)
		fatalx("internal: unknown setting '%s'", key);
	return idx;
}

const char *
config_str(const struct config *cfg, const char *key)
{
	return cfg->values[must_index(key)];
}

long
config_int(const struct config *cfg, const char *key)
{
	const char *v = cfg->values[must_index(key)];
	long n = 0;

	if (v)
		parse_long(v, &n);
	return n;
}

int
config_bool(const struct config *cfg, const char *key)
{
	const char *v = cfg->values[must_index(key)];

	return v && strcmp(v, "true") == 0;
}

char *
config_default_text(void)
{
	json_t *root = json_object();
	char *text;
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		const struct config_key *ck = &config_keys[i];
		const char *dot = strchr(ck->key, '.');
		char *section = xasprintf("%.*s", (int)(dot - ck->key), ck->key);
		json_t *obj = json_object_get(root, section);
		json_t *val;
		long n = 0;

		if (!obj) {
			obj = json_object();
			json_object_set_new(root, section, obj);
		}
		if (!ck->def)
			val = json_null();
		else if (ck->type == CT_INT && parse_long(ck->def, &n) == 0)
			val = json_integer(n);
		else if (ck->type == CT_BOOL)
			val = json_boolean(strcmp(ck->def, "true") == 0);
		else
			val = json_string(ck->def);
		json_object_set_new(obj, dot + 1, val);
		free(section);
	}
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	return text;
}

void
config_print_keys(void)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		printf("  %-28s %-8s %s (default: %s)\n", config_keys[i].key,
		       config_keys[i].type == CT_INT ? "number" :
		       config_keys[i].type == CT_BOOL ? "boolean" : "string",
		       config_keys[i].help,
		       config_keys[i].def ? config_keys[i].def : "unset");
}
