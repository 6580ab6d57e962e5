/*
 * Flight recipes (the JSON files in flights/, format in flights/README.md): trees, job
 * templates expanded over a matrix, dependencies, ordered steps with time
 * limits, and runvars. recipe_load validates everything before anything is
 * created: a recipe that loads can be turned into a flight.
 */
#ifndef PVCI_RECIPE_H
#define PVCI_RECIPE_H

/* OSSTEST flights have up to about 85 jobs; this bounds a runaway matrix. */
#define RECIPE_MAX_JOBS 4096

struct runvar {
	char *name;
	char *value;
};

struct recipe_step {
	char *step;		/* the step function's name */
	char *testid;		/* its name in this job */
	int always;
	int timeout;
};

struct recipe_job {
	char *name;
	char **needs;
	int nneeds;
	char **trees;
	int ntrees;
	struct runvar *runvars;
	int nrunvars;
	struct recipe_step *steps;
	int nsteps;
	int selected;		/* kept by --jobs (or needed by a kept job) */
};

struct recipe_tree {
	char *name;
	char *url;		/* a relative path is resolved against the recipe's folder */
	char *branch;
	char *subdir;		/* may be NULL */
	char *revision;		/* NULL until resolved or given */
};

struct recipe {
	char *path;
	char *name;
	char *description;
	char *branch;		/* default branch of flights made from it */
	struct recipe_tree *trees;
	int ntrees;
	struct recipe_job *jobs;
	int njobs;
};

/* Parses and validates; NULL after reporting every problem found. */
struct recipe *recipe_load(const char *path);
/* The same, from text already in memory (path is only used in messages). */
struct recipe *recipe_parse(const char *path, const char *text, const char *basedir);
void recipe_free(struct recipe *r);

struct recipe_job *recipe_job(struct recipe *r, const char *name);
struct recipe_tree *recipe_tree(struct recipe *r, const char *name);

/* Sets (replacing) a runvar of a job. */
void recipe_job_set_runvar(struct recipe_job *job, const char *name, const char *value);

/*
 * Keeps only the jobs matching glob and the jobs they need (transitively);
 * -1 if nothing matches.
 */
int recipe_select_jobs(struct recipe *r, const char *glob);

#endif
