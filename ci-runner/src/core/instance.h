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

/*
 * Creates (or completes) an instance; idempotent; upgrades its database.
 * Refuses to make a new database where logs/ holds flights already: that
 * database was lost, and a new one would restart flight numbers at 1.
 */
int instance_init(const char *home);

/*
 * How a command uses the instance:
 * INSTANCE_READ   reads only (flight show/list, job show): the database is
 *                 opened read-only, so a user who may read the instance but
 *                 not write it can; no migration, no recovery.
 * INSTANCE_WRITE  writes (flight create, keys, image): the schema must be
 *                 current already.
 * INSTANCE_RUN    runs jobs (flight run, the daemon): applies missing
 *                 migrations; the caller then runs recover_orphans().
 */
enum instance_mode {
	INSTANCE_READ,
	INSTANCE_WRITE,
	INSTANCE_RUN,
};

/*
 * Opens an existing instance: loads the config and opens its database,
 * which must exist (only instance_init creates one).
 */
struct instance *instance_open(const char *home_opt, enum instance_mode mode);
void instance_close(struct instance *inst);

/* A setting holding a path, resolved against the instance; caller frees. */
char *instance_path(const struct instance *inst, const char *config_key);
/* home/rel, or rel when absolute; caller frees. */
char *instance_resolve(const char *home, const char *rel);

#endif
