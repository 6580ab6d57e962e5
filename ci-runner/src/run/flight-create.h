/*
 * Creating a flight from a recipe: select jobs, apply tree and runvar
 * overrides, resolve each used tree's branch to a commit, set the tree
 * runvars, and insert it all in one transaction. The CLI's "flight create"
 * calls it; so will the HTTP API.
 */
#ifndef PVCI_FLIGHT_CREATE_H
#define PVCI_FLIGHT_CREATE_H

struct db;
struct instance;

/* --tree NAME=URL[#REV] */
struct flight_tree_opt {
	const char *name;
	const char *url;	/* "" keeps the recipe's; a relative path is made absolute */
	const char *rev;	/* a full commit id, or a ref to resolve; NULL: the branch */
};

/* --runvar [JOB:]NAME=VALUE */
struct flight_runvar_opt {
	const char *job_glob;	/* NULL: every job of the flight */
	const char *name;
	const char *value;
};

struct flight_create_opts {
	const char *recipe;	/* path of the recipe file */
	const char *branch;	/* NULL: the recipe's */
	const char *blessing;	/* real, adhoc, play or bisect; NULL: adhoc */
	const char *jobs_glob;	/* NULL: every job */
	const struct flight_tree_opt *trees;
	int ntrees;
	const struct flight_runvar_opt *runvars;
	int nrunvars;
	/* The flight's origin (db_flight_set_origin); each may be NULL. */
	const char *requester;	/* who asked: the Unix user, an API token's name, ... */
	const char *trigger;	/* push, nightly, one-off */
	const char *trigger_key;	/* the config's TREE/BRANCH for push and nightly */
	/*
	 * Called inside the creating transaction with the new flight's number
	 * (a trigger records its state there, so that the flight and the state
	 * are written together or not at all); -1 rolls everything back.
	 */
	int (*in_transaction)(struct db *db, long flight, void *arg);
	void *in_transaction_arg;
};

/* 1 for real, adhoc, play and bisect. */
int flight_blessing_valid(const char *blessing);

/*
 * Checks everything before anything is written, then writes the whole
 * flight or nothing. Returns the new flight's number, or -1 with the error
 * reported.
 */
long flight_create(struct instance *inst, const struct flight_create_opts *opts);

#endif
