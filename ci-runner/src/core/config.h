/*
 * The service config: a JSON file (config.json in the instance) whose every
 * key is known in advance, with a default, so that "pvci init" alone gives a
 * working local instance. Unknown sections and keys, wrong types, numbers
 * out of their range, strings not among their choices, and null or empty
 * values for required settings (those with a default) are errors naming the
 * key, the file and the reason, so config_str() of a required setting is
 * never NULL.
 *
 * Keys are addressed by dotted path ("toolstack.uri"). Relative paths in
 * path-typed settings are taken relative to the instance directory.
 */
#ifndef PVCI_CONFIG_H
#define PVCI_CONFIG_H

#include <jansson.h>
#include <stddef.h>

struct config;

/* Loads path (which must exist) over the defaults; NULL on error. */
struct config *config_load(const char *path);
/* Only the defaults; used by "pvci init" and by tests. */
struct config *config_defaults(void);
void config_free(struct config *cfg);
/* As config_load, from len bytes of text (where names it in messages). */
struct config *config_parse(const char *text, size_t len, const char *where);

/* Sets a key from a string (command line, tests); -1 if unknown or bad. */
int config_set(struct config *cfg, const char *key, const char *value);

/* Lookups of known keys; an unknown key is a programming error (abort). */
const char *config_str(const struct config *cfg, const char *key);
long config_int(const struct config *cfg, const char *key);
int config_bool(const struct config *cfg, const char *key);

/* The default config as pretty JSON text, for "pvci init"; caller frees. */
char *config_default_text(void);

/* Lists every key, its type, default and description (for --help). */
void config_print_keys(void);

/*
 * The service (pvci daemon and its triggers): the "trees" section (see
 * config-service.h for its shape). Every string is owned by the config.
 */
struct config_schedule {
	int minute;		/* of the day, 0..1439, in the schedule's zone */
	unsigned days;		/* bit d set: weekday d (0 Sunday .. 6 Saturday) */
	int utc_offset;		/* seconds east of UTC of the schedule's zone */
};
struct config_branch {
	const char *tree;	/* the tree's name */
	const char *ref;	/* the git branch ("master") */
	const char *key;	/* "TREE/REF": names it in flights and logs */
	const char *flight_branch;	/* NULL: the recipe's branch */
	const char *push_recipe;	/* NULL: no push trigger */
	const char *nightly_recipe;	/* NULL: no nightly trigger */
	int has_schedule;
	struct config_schedule schedule;
};
struct config_tree {
	const char *name;
	const char *url;
};
/* The trees and branches, in the file's order. */
int config_trees(const struct config *cfg, const struct config_tree **trees);
int config_branches(const struct config *cfg, const struct config_branch **branches);
const struct config_tree *config_tree_find(const struct config *cfg, const char *name);

/*
 * Loads the secrets file service.secrets_file (relative to home), which
 * must be a regular file of mode 0600 (no group or other access):
 *   { "tokens": { "NAME": "TOKEN", ... }, "github_secret": "...", "gitlab_token": "..." }
 * Tokens have at least 16 characters. Unset: no secrets (every API call and
 * webhook is refused). Errors name the file and the key, never a value.
 */
int config_load_secrets(struct config *cfg, const char *home);
/* The name of the API token equal to token (compared in constant time), or NULL. */
const char *config_token_name(const struct config *cfg, const char *token);
/* The webhook secrets, NULL when unset. */
const char *config_github_secret(const struct config *cfg);
const char *config_gitlab_token(const struct config *cfg);

/*
 * The host pool: the config's "hosts" array (config-hosts.c), each entry
 * checked when the config loads; without one, a single host "local" on
 * toolstack.uri with the pool.local_* capacity and flags.
 */
#define CONFIG_HOST_MAX_FLAGS 32
struct config_host {
	char *name;
	char *toolstack;	/* "libvirt" or "xl" */
	char *uri;		/* libvirt URI; NULL for xl */
	char *domain_type;	/* NULL: toolstack.domain_type */
	long guests;		/* guests at once */
	long memory_mib;	/* guest memory at once */
	char **flags;		/* xen, kvm, windows, x64, ... */
	int nflags;
};
/* Lent: lives as long as cfg. */
const struct config_host *config_hosts(const struct config *cfg, int *count);
/* The host of that name, or NULL. */
const struct config_host *config_host(const struct config *cfg, const char *name);
/* Points toolstack.backend, .uri and .domain_type at host name; -1 (reported). */
int config_use_host(struct config *cfg, const char *name);
/* 1 when h has every flag of the space-separated list flags. */
int config_host_has_flags(const struct config_host *h, const char *flags);

/* config-hosts.c, for config.c. */
int config_hosts_parse(json_t *arr, const char *path, struct config_host **out, int *count);
struct config_host *config_host_local(const char *toolstack, const char *uri,
				      const char *domain_type, long guests, long memory_mib,
				      const char *flags);
void config_hosts_free(struct config_host *hosts, int count);
void config_hosts_print_help(void);
/* scheduler.priority: the classes push, adhoc, nightly, each once; -1 (reported). */
int config_check_priority(const char *value, const char *where);

#endif
