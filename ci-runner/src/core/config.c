#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "config-service.h"
#include "log.h"
#include "util.h"

enum config_type { CT_STR, CT_INT, CT_BOOL };

struct config_key {
	const char *key;
	enum config_type type;
	const char *def;	/* default, as text; NULL: optional, may be null */
	const char *help;
	long min, max;		/* CT_INT: the range allowed */
	const char *choices;	/* CT_STR: "a|b|c" when only these are allowed */
	int may_be_empty;	/* CT_STR with a default: "" is a value (e.g. "none") */
};

/* A string with a default is required: neither null nor empty (unless it may be). */
#define REQUIRED(ck) ((ck)->def != NULL)
#define EMPTY_ALLOWED(ck) ((ck)->may_be_empty)

/*
 * Every setting pvci knows. Adding a setting means adding a row here; the
 * loader rejects anything not listed so that a typo never goes unnoticed.
 */
static const struct config_key config_keys[] = {
	{ .key = "toolstack.backend", .type = CT_STR, .def = "libvirt",
	  .help = "guest toolstack: libvirt or xl",
	  .choices = "libvirt|xl" },
	{ .key = "toolstack.uri", .type = CT_STR, .def = "qemu:///system",
	  .help = "libvirt connection URI" },
	{ .key = "toolstack.domain_type", .type = CT_STR, .def = "qemu",
	  .help = "libvirt domain type: kvm, qemu or xen",
	  .choices = "kvm|qemu|xen" },
	{ .key = "toolstack.network", .type = CT_STR, .def = "user",
	  .help = "guest network: user (QEMU user-mode) or a libvirt network name" },
	{ .key = "toolstack.emulator", .type = CT_STR, .def = "/usr/bin/qemu-system-x86_64",
	  .help = "device model binary for qemu and kvm domains" },
	{ .key = "toolstack.log_dir", .type = CT_STR, .def = "/var/log/libvirt/qemu",
	  .help = "where the toolstack writes each domain's own log (libvirt: NAME.log, xl: "
		  "qemu-dm-NAME.log; /var/log/xen for xl); capture-logs keeps it; empty: none",
	  .may_be_empty = 1 },
	{ .key = "guest.name_prefix", .type = CT_STR, .def = "pvci",
	  .help = "domain names are PREFIX-FLIGHT-JOB; give instances sharing a host different prefixes" },
	{ .key = "guest.memory_mib", .type = CT_INT, .def = "512",
	  .help = "memory of a test guest",
	  .min = 64, .max = 1048576 },
	{ .key = "guest.vcpus", .type = CT_INT, .def = "1",
	  .help = "virtual CPUs of a test guest",
	  .min = 1, .max = 512 },
	{ .key = "guest.boot_timeout", .type = CT_INT, .def = "120",
	  .help = "seconds for a guest to reach its agent",
	  .min = 1, .max = 86400 },
	{ .key = "guest.agent_timeout", .type = CT_INT, .def = "60",
	  .help = "default seconds for one agent request",
	  .min = 1, .max = 86400 },
	{ .key = "guest.shutdown_timeout", .type = CT_INT, .def = "60",
	  .help = "seconds for a clean shutdown",
	  .min = 1, .max = 86400 },
	{ .key = "images.dir", .type = CT_STR, .def = "images",
	  .help = "golden images (relative to the instance)" },
	{ .key = "images.overlays", .type = CT_STR, .def = "overlays",
	  .help = "per-job qcow2 overlays (relative to the instance)" },
	{ .key = "build.executor", .type = CT_STR, .def = "local",
	  .help = "where builds run: local or guest",
	  .choices = "local|guest" },
	{ .key = "build.host_image", .type = CT_STR, .def = NULL,
	  .help = "golden image of the Windows build VM (guest executor)" },
	{ .key = "build.timeout", .type = CT_INT, .def = "1800",
	  .help = "default seconds for a build",
	  .min = 1, .max = 604800 },
	{ .key = "signing.ca", .type = CT_STR, .def = "keys/ca.pem",
	  .help = "CA certificate signatures must chain to" },
	{ .key = "signing.ca_key", .type = CT_STR, .def = "keys/ca.key",
	  .help = "private key of the test CA made by 'pvci keys init'" },
	{ .key = "signing.cert", .type = CT_STR, .def = "keys/codesign.pem",
	  .help = "code-signing certificate (PEM)" },
	{ .key = "signing.chain", .type = CT_STR, .def = "keys/chain.pem",
	  .help = "certificate chain passed to osslsigncode" },
	{ .key = "signing.key", .type = CT_STR, .def = "keys/codesign.key",
	  .help = "code-signing private key, or a pkcs11: URI" },
	{ .key = "signing.pkcs11_module", .type = CT_STR, .def = NULL,
	  .help = "PKCS#11 module when signing.key is a pkcs11: URI" },
	{ .key = "signing.timestamp_url", .type = CT_STR, .def = NULL,
	  .help = "RFC 3161 timestamp server (optional)" },
	{ .key = "signing.min_validity_days", .type = CT_INT, .def = "14",
	  .help = "refuse to sign with a certificate expiring sooner",
	  .min = 0, .max = 36500 },
	{ .key = "signing.validity_days", .type = CT_INT, .def = "365",
	  .help = "validity of certificates made by 'pvci keys init'",
	  .min = 1, .max = 36500 },
	{ .key = "mail.smtp_url", .type = CT_STR, .def = NULL,
	  .help = "SMTP server the flight email goes to (smtp://HOST:PORT, smtps://...; no "
		  "user or password here); unset: no email after a flight" },
	{ .key = "mail.from", .type = CT_STR, .def = "pvci@localhost",
	  .help = "sender address of the flight email" },
	{ .key = "mail.to", .type = CT_STR, .def = NULL,
	  .help = "recipients, comma-separated: ADDRESS (every branch) or BRANCH=ADDRESS "
		  "(that branch only)" },
	{ .key = "mail.starttls", .type = CT_BOOL, .def = "false",
	  .help = "require STARTTLS before sending (smtp:// URLs)" },
	{ .key = "mail.ca_file", .type = CT_STR, .def = NULL,
	  .help = "CA certificates (PEM) the SMTP server's certificate must chain to, "
		  "relative to the instance; unset: the system's" },
	{ .key = "mail.credentials_file", .type = CT_STR, .def = NULL,
	  .help = "file with the SMTP user (first line) and password (second line), mode "
		  "0600, relative to the instance; unset: no AUTH" },
	{ .key = "verdicts.retry_regressions", .type = CT_BOOL, .def = "true",
	  .help = "run a real flight's regressed jobs again (a real-retry flight) before "
		  "the push gate decides; a step that passes then is flaky" },
	{ .key = "network.iperf3_port", .type = CT_INT, .def = "5201",
	  .help = "first host port for iperf3 servers",
	  .min = 1, .max = 65535 },
	{ .key = "service.poll_interval", .type = CT_INT, .def = "60",
	  .help = "seconds between two polls (git ls-remote) of the configured branches",
	  .min = 5, .max = 86400 },
	{ .key = "service.secrets_file", .type = CT_STR, .def = NULL,
	  .help = "file (mode 0600, relative to the instance) with the API tokens and the "
		  "webhook secrets: {\"tokens\": {\"NAME\": \"TOKEN\"}, \"github_secret\": ..., "
		  "\"gitlab_token\": ...}; unset: API and webhooks refuse everything" },
	{ .key = "service.recipes_dir", .type = CT_STR, .def = NULL,
	  .help = "where recipe names (trees.T.branches.B.push/nightly, POST /api/flights) are "
		  "looked up as NAME.json, relative to the instance; unset: pvci's flights/" },
	{ .key = "service.url", .type = CT_STR, .def = NULL,
	  .help = "the service's public base URL, for the flight URLs the API answers "
		  "(URL/flight/N); unset: a path, /flight/N" },
	{ .key = "service.nightly_catch_up", .type = CT_INT, .def = "21600",
	  .help = "seconds after its time a nightly slot missed (daemon down) still fires",
	  .min = 0, .max = 604800 },
	{ .key = "web.listen", .type = CT_STR, .def = "127.0.0.1:8080",
	  .help = "address the results pages listen on (pvci serve): ADDR:PORT, [ADDR6]:PORT; "
		  "port 0 picks a free one" },
	{ .key = "web.timeout", .type = CT_INT, .def = "10",
	  .help = "seconds an HTTP connection may stay idle before it is closed",
	  .min = 1, .max = 3600 },
	{ .key = "web.connections", .type = CT_INT, .def = "64",
	  .help = "HTTP connections served at once (16 at most from one address)",
	  .min = 1, .max = 10000 },
	{ .key = "build.sandbox_uid", .type = CT_INT, .def = "65534",
	  .help = "unprivileged uid (and gid) local builds run as, in their bubblewrap "
		  "sandbox, when pvci runs as root",
	  .min = 1, .max = 4294967294L },
	{ .key = "build.sandbox_memory_mib", .type = CT_INT, .def = "4096",
	  .help = "address-space limit of each process of a local build",
	  .min = 64, .max = 1048576 },
	{ .key = "build.sandbox_nproc", .type = CT_INT, .def = "512",
	  .help = "most processes the sandbox uid may have at once (a fork bomb stops here)",
	  .min = 8, .max = 1000000 },
	{ .key = "build.sandbox_fsize_mib", .type = CT_INT, .def = "2048",
	  .help = "largest file a local build may write",
	  .min = 1, .max = 1048576 },
	{ .key = "keys.mode", .type = CT_STR, .def = "pkcs11",
	  .help = "where the code-signing key lives: pkcs11 (a token: SoftHSM2 here, an HSM "
		  "in production) or file (signing.key, a PEM file: a throwaway instance only)",
	  .choices = "pkcs11|file" },
	{ .key = "keys.pkcs11_module", .type = CT_STR, .def = "/usr/lib/softhsm/libsofthsm2.so",
	  .help = "the token's PKCS#11 module (keys.mode pkcs11)" },
	{ .key = "keys.pkcs11_engine", .type = CT_STR, .def = "",
	  .help = "the OpenSSL engine that speaks PKCS#11, a .so path; empty: OpenSSL's "
		  "engine 'pkcs11' (Debian's libengine-pkcs11-openssl)",
	  .may_be_empty = 1 },
	{ .key = "keys.token_label", .type = CT_STR, .def = "pvci",
	  .help = "label of the token holding the code-signing key" },
	{ .key = "keys.key_label", .type = CT_STR, .def = "pvci-codesign",
	  .help = "label of the code-signing key in the token" },
	{ .key = "keys.pin_file", .type = CT_STR, .def = "keys/token.pin",
	  .help = "file holding the token's user PIN, mode 0600, relative to the instance; "
		  "'pvci keys init' makes it for SoftHSM2" },
	{ .key = "keys.softhsm_conf", .type = CT_STR, .def = "keys/softhsm2.conf",
	  .help = "SOFTHSM2_CONF pvci writes and uses (its tokens next to it in softhsm/); "
		  "empty: a token pvci does not manage (an HSM)",
	  .may_be_empty = 1 },
	{ .key = "service.listen", .type = CT_STR, .def = "127.0.0.1:8080",
	  .help = "address pvci daemon's HTTP listener (pages, API, webhooks) listens on: "
		  "ADDR:PORT, [ADDR6]:PORT; port 0 picks a free one" },
	{ .key = "service.tick_ms", .type = CT_INT, .def = "500",
	  .help = "milliseconds between two rounds of the daemon (triggers due, workers, "
		  "finished flights)",
	  .min = 10, .max = 60000 },
	{ .key = "service.max_body", .type = CT_INT, .def = "1048576",
	  .help = "largest request body the daemon reads (webhooks, POST /api/flights); "
		  "larger ones get 413 unread",
	  .min = 1024, .max = 104857600 },
	{ .key = "pool.local_guests", .type = CT_INT, .def = "2",
	  .help = "guests at once on the host 'local' (the pool when no \"hosts\" are given)",
	  .min = 1, .max = 1024 },
	{ .key = "pool.local_memory_mib", .type = CT_INT, .def = "2048",
	  .help = "guest memory at once on the host 'local'",
	  .min = 64, .max = 16777216 },
	{ .key = "pool.local_flags", .type = CT_STR, .def = "", .may_be_empty = 1,
	  .help = "flags of the host 'local', separated by spaces (e.g. \"kvm x64\")" },
	{ .key = "pool.auto_disable_after", .type = CT_INT, .def = "2",
	  .help = "a host whose jobs end broken this many times in a row is disabled; 0: never",
	  .min = 0, .max = 1000 },
	{ .key = "scheduler.priority", .type = CT_STR, .def = "push,adhoc,nightly",
	  .help = "flight classes, highest priority first: push, adhoc (one-off), nightly" },
	{ .key = "scheduler.flight_share", .type = CT_INT, .def = "50",
	  .help = "percent of the pool's guest slots one flight may hold while other flights wait",
	  .min = 1, .max = 100 },
	{ .key = "scheduler.max_hostless", .type = CT_INT, .def = "2",
	  .help = "jobs needing no host (builds) running at once on this machine",
	  .min = 1, .max = 1024 },
	{ .key = "scheduler.job_timeout", .type = CT_INT, .def = "21600",
	  .help = "seconds a whole job may run (its always steps excepted), besides each "
		  "step's own limit",
	  .min = 1, .max = 604800 },
	{ .key = "publish.url", .type = CT_STR, .def = NULL,
	  .help = "where pvci publish sends a flight's pages, logs and artifacts: "
		  "file:///PATH, sftp://HOST:PORT/PATH (key authentication) or "
		  "https://HOST:PORT/PATH (WebDAV PUT and MKCOL); no password in it" },
	{ .key = "publish.credentials_file", .type = CT_STR, .def = NULL,
	  .help = "file (mode 0600, relative to the instance) with the target's "
		  "{\"user\": ..., \"password\": ..., \"key\": PRIVATE_KEY_PATH}; unset: none" },
	{ .key = "publish.ca_file", .type = CT_STR, .def = NULL,
	  .help = "https target: the CA certificate(s) to trust, relative to the instance; "
		  "unset: the system's" },
	{ .key = "publish.known_hosts", .type = CT_STR, .def = NULL,
	  .help = "sftp target: known_hosts file with the server's host key, relative to "
		  "the instance (required for sftp)" },
	{ .key = "publish.tries", .type = CT_INT, .def = "3",
	  .help = "tries per file before a publish gives up (backoff between them)",
	  .min = 1, .max = 20 },
	{ .key = "publish.after_flight", .type = CT_BOOL, .def = "false",
	  .help = "publish a flight when pvci flight run ends it (a failure is reported; "
		  "the flight's results do not change)" },
};

#define NKEYS (sizeof(config_keys) / sizeof(config_keys[0]))

struct config {
	char *values[NKEYS];
	int set[NKEYS];
	struct config_service *service;	/* trees, branches, secrets; NULL: none */
	struct config_host *hosts;	/* the "hosts" array; NULL: the local default */
	int nhosts;
	struct config_host *local;	/* the local default, made when first asked for */
};

struct config_service **
config_service_slot(const struct config *cfg)
{
	return (struct config_service **)&cfg->service;
}

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
	config_service_free(cfg->service);
	config_hosts_free(cfg->hosts, cfg->nhosts);
	config_hosts_free(cfg->local, cfg->local ? 1 : 0);
	free(cfg);
}

/* 1 when value is one of the '|'-separated choices. */
static int
is_choice(const char *choices, const char *value)
{
	size_t len = strlen(value);
	const char *p;

	for (p = choices; *p; p += strcspn(p, "|") + (p[strcspn(p, "|")] == '|')) {
		if (strcspn(p, "|") == len && !strncmp(p, value, len))
			return 1;
	}
	return 0;
}

static int
set_index(struct config *cfg, int idx, const char *value, const char *where)
{
	const struct config_key *ck = &config_keys[idx];
	long n;

	if (ck->type == CT_INT && parse_long(value, &n) < 0)
		return errorx("%s: setting '%s' must be a whole number, not '%s'",
			      where, ck->key, value);
	if (ck->type == CT_INT && (n < ck->min || n > ck->max))
		return errorx("%s: setting '%s' must be between %ld and %ld, not %ld",
			      where, ck->key, ck->min, ck->max, n);
	if (ck->type == CT_BOOL && strcmp(value, "true") && strcmp(value, "false"))
		return errorx("%s: setting '%s' must be true or false, not '%s'",
			      where, ck->key, value);
	if (ck->type == CT_STR && REQUIRED(ck) && !EMPTY_ALLOWED(ck) && !*value)
		return errorx("%s: setting '%s' is required and must not be empty",
			      where, ck->key);
	if (ck->type == CT_STR && ck->choices && !is_choice(ck->choices, value))
		return errorx("%s: setting '%s' must be one of %s, not '%s'", where,
			      ck->key, ck->choices, value);
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

/* 1 when some key lies in section name ("guest" for "guest.vcpus"). */
static int
is_section(const char *name)
{
	size_t i, len = strlen(name);

	for (i = 0; i < NKEYS; i++)
		if (!strncmp(config_keys[i].key, name, len) && config_keys[i].key[len] == '.')
			return 1;
	return 0;
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

		/* The service's trees are structured, read by config-service.c. */
		if (!*prefix && config_service_section(full)) {
			rc = config_service_load(&cfg->service, full, v, path);
			free(full);
			if (rc < 0)
				return -1;
			continue;
		}
		/* The host pool is a list of its own (config-hosts.c). */
		if (!*prefix && !strcmp(k, "hosts")) {
			free(full);
			config_hosts_free(cfg->hosts, cfg->nhosts);
			cfg->hosts = NULL;
			cfg->nhosts = 0;
			if (config_hosts_parse(v, path, &cfg->hosts, &cfg->nhosts) < 0)
				return -1;
			continue;
		}
		/* Sections hold settings; settings hold no objects. */
		if (json_is_object(v) && !*prefix) {
			if (!is_section(full)) {
				errorx("%s: unknown section '%s'", path, full);
				free(full);
				return -1;
			}
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
			if (json_is_null(v) && REQUIRED(&config_keys[idx])) {
				rc = errorx("%s: setting '%s' is required and cannot be null "
					    "(default: \"%s\")", path, full, config_keys[idx].def);
			} else if (json_is_null(v)) {
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

/* The loaded root over the defaults; root is the caller's. */
static struct config *
config_from_json(json_t *root, const char *path)
{
	struct config *cfg;

	if (!json_is_object(root)) {
		errorx("%s: the config must be a JSON object", path);
		return NULL;
	}
	cfg = config_defaults();
	if (load_object(cfg, root, "", path) < 0 ||
	    config_check_priority(config_str(cfg, "scheduler.priority"), path) < 0) {
		config_free(cfg);
		cfg = NULL;
	}
	return cfg;
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
	cfg = config_from_json(root, path);
	json_decref(root);
	return cfg;
}

struct config *
config_parse(const char *text, size_t len, const char *where)
{
	struct config *cfg;
	json_error_t jerr;
	json_t *root;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		errorx("%s:%d:%d: %s", where, jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	cfg = config_from_json(root, where);
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

const struct config_host *
config_hosts(const struct config *cfg, int *count)
{
	struct config *c = (struct config *)cfg;

	if (cfg->hosts) {
		*count = cfg->nhosts;
		return cfg->hosts;
	}
	/* Made on first use, so that settings changed by config_set count. */
	if (!c->local)
		c->local = config_host_local(config_str(cfg, "toolstack.backend"),
					     config_str(cfg, "toolstack.uri"),
					     config_str(cfg, "toolstack.domain_type"),
					     config_int(cfg, "pool.local_guests"),
					     config_int(cfg, "pool.local_memory_mib"),
					     config_str(cfg, "pool.local_flags"));
	*count = 1;
	return c->local;
}

const struct config_host *
config_host(const struct config *cfg, const char *name)
{
	const struct config_host *h;
	int n, i;

	h = config_hosts(cfg, &n);
	for (i = 0; i < n; i++)
		if (!strcmp(h[i].name, name))
			return &h[i];
	return NULL;
}

int
config_use_host(struct config *cfg, const char *name)
{
	const struct config_host *h = config_host(cfg, name);
	char *backend, *uri, *type;
	int rc;

	if (!h)
		return errorx("no host '%s' in the pool", name);
	/* Copies: setting a key may free the strings the local default was made from. */
	backend = xstrdup(h->toolstack);
	uri = xstrdup(h->uri ? h->uri : config_str(cfg, "toolstack.uri"));
	type = xstrdup(h->domain_type ? h->domain_type : config_str(cfg, "toolstack.domain_type"));
	rc = config_set(cfg, "toolstack.backend", backend) < 0 ||
		config_set(cfg, "toolstack.uri", uri) < 0 ||
		config_set(cfg, "toolstack.domain_type", type) < 0 ? -1 : 0;
	free(backend);
	free(uri);
	free(type);
	return rc;
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
	{
		const struct config_key *ck = &config_keys[i];
		char range[64] = "";

		if (ck->type == CT_INT)
			snprintf(range, sizeof(range), ", %ld..%ld", ck->min, ck->max);
		else if (ck->choices)
			snprintf(range, sizeof(range), ", one of %s", ck->choices);
		printf("  %-28s %-8s %s (default: %s%s)\n", ck->key,
		       ck->type == CT_INT ? "number" :
		       ck->type == CT_BOOL ? "boolean" : "string",
		       ck->help, ck->def ? ck->def : "unset, may be null", range);
	}
	printf("\n  The service's trees (pvci daemon, pvci trigger), section \"trees\":\n"
	       "  trees.TREE.url                        the tree's git URL (no credentials)\n"
	       "  trees.TREE.branches.REF.push          recipe (name or path) of a push flight\n"
	       "  trees.TREE.branches.REF.nightly       recipe of the nightly flight\n"
	       "  trees.TREE.branches.REF.schedule      {\"time\": \"HH:MM\", \"days\": [\"mon\", ...],\n"
	       "                                        \"utc_offset\": \"+HH:MM\"} of the nightly flight\n"
	       "  trees.TREE.branches.REF.flight_branch the flights' branch (default: the recipe's)\n");
	config_hosts_print_help();
}
