/*
 * An instance: the directory holding one pvci's config.json, results.db,
 * logs/, artifacts/, images/, keys/. Found from --home, else $PVCI_HOME,
 * else /var/lib/pvci for root and ~/.local/share/pvci for other users.
 */
#ifndef PVCI_INSTANCE_H
#define PVCI_INSTANCE_H

struct config;
struct db;

struct instance {
	char *home;		/* absolute */
	struct config *cfg;
	struct db *db;
};

/* The directory an instance lives in, from the option, env or default. */
char *instance_home(const char *home_opt);

/* Creates (or completes) an instance; idempotent. */
int instance_init(const char *home);

/*
 * Opens an existing instance: loads the config, opens the database (applying
 * migrations) and marks jobs left running by dead processes as broken.
 */
struct instance *instance_open(const char *home_opt);
void instance_close(struct instance *inst);

/* A setting holding a path, resolved against the instance; caller frees. */
char *instance_path(const struct instance *inst, const char *config_key);
/* home/rel, or rel when absolute; caller frees. */
char *instance_resolve(const char *home, const char *rel);

#endif
