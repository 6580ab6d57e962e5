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

#endif
