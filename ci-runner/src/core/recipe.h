/*
 * Flight recipes (the JSON files in flights/, format in flights/README.md): trees, job
 * templates expanded over a matrix, dependencies, ordered steps with time
 * limits, and runvars. recipe_load validates everything before anything is
 * created: a recipe that loads can be turned into a flight.
 */
#ifndef PVCI_RECIPE_H
#define PVCI_RECIPE_H

#include <stddef.h>

#include "stepdecl.h"

/* OSSTEST flights have up to about 85 jobs; this bounds a runaway matrix. */
#define RECIPE_MAX_JOBS 4096
/*
 * What a recipe may expand to, all jobs together: runvar rows (those pvci
 * adds for trees included) and bytes of runvar values. A small recipe with
 * a wide matrix must not turn into millions of database rows.
 */
#define RECIPE_MAX_RUNVARS 200000
#define RECIPE_MAX_RUNVAR_BYTES (64 << 20)
/* Dependencies ("needs") of all jobs together. */
#define RECIPE_MAX_NEEDS 100000
/* The largest recipe file read. */
#define RECIPE_MAX_FILE (4 << 20)

/* A place in the recipe file; line 0 when the thing is not from the file. */
struct recipe_pos {
	int line, col;
};

/* Where a runvar of a job came from. */
enum runvar_origin {
	RUNVAR_GIVEN = 0,	/* set after loading: tree runvars, --runvar */
	RUNVAR_IN_JOB,		/* the job template's "runvars" */
	RUNVAR_IN_RECIPE,	/* the recipe's "runvars", given to every job */
};

struct runvar {
	char *name;
	char *value;
	struct recipe_pos pos;	/* of its name in the file */
	enum runvar_origin origin;
};

struct recipe_step {
	char *step;		/* the step function's name */
	char *testid;		/* its name in this job */
	int always;
	int timeout;
	struct recipe_pos pos;	/* of the step in the job template */
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
	struct recipe_pos pos;		/* of the template's name */
	struct recipe_pos *needs_pos;	/* of each of needs[] */
	struct recipe_pos *trees_pos;	/* of each of trees[] (line 0: by default) */
	int no_host;		/* "needs_host": false: runs without a host of the pool */
	char *needs_flags;	/* "needs_flags": the flags its host must have, by spaces */
};

struct recipe_tree {
	char *name;
	char *url;		/* a relative path is resolved against the recipe's folder */
	char *branch;
	char *subdir;		/* may be NULL */
	char *revision;		/* NULL until resolved or given */
	char *push_url;		/* where the push gate pushes its tested revision, or NULL */
	char *tested_ref;	/* the ref it pushes; NULL: refs/heads/tested/BRANCH */
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
	struct runvar *runvars;	/* the recipe's own "runvars" (also in each job) */
	int nrunvars;
};

/*
 * Parses, validates and checks every job against the declarations of its
 * steps (recipe_check); NULL after reporting the problems found, each with
 * file:line:col. steps finds a step's declaration (step_declaration in
 * run/steps.c). The file must be a regular file of at most RECIPE_MAX_FILE
 * bytes.
 */
struct recipe *recipe_load(const char *path, step_decl_fn *steps);
/* The same, from len bytes in memory (path is only used in messages). */
struct recipe *recipe_parse(const char *path, const char *text, size_t len,
			    const char *basedir, step_decl_fn *steps);
void recipe_free(struct recipe *r);

/*
 * Checks every selected job against the declarations of its steps: each
 * step exists, every runvar a step requires is set (or will be set by pvci
 * from the job's trees), no runvar is set that no step of the job reads, no
 * runvar a step writes while running is set beforehand, and every value
 * passes its declaration's validator. A runvar of the recipe's own
 * "runvars" must be read by some job. recipe_load does this already; the
 * creation code calls it again after applying --runvar and --tree, so that
 * what the command line added is checked too. -1 after reporting.
 */
int recipe_check(struct recipe *r, step_decl_fn *steps);

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
