/*
 * What a step declares about itself, as plain data: its name, its flags and
 * the runvars it reads. The step table (run/steps.c) holds the real entries;
 * recipes (recipe.c) are checked against them when a flight is created, so
 * that a job missing a runvar a step needs, or setting one no step reads,
 * is refused before anything runs. This header is below the step layer on
 * purpose: core code sees the declarations, never the step functions.
 */
#ifndef PVCI_STEPDECL_H
#define PVCI_STEPDECL_H

/* How a runvar's value is checked when the flight is created. */
enum runvar_kind {
	RUNVAR_TEXT,		/* any text */
	RUNVAR_NAME,		/* a name: [A-Za-z0-9._-], at most 128 characters */
	RUNVAR_NAMES,		/* names separated by spaces */
	RUNVAR_INTEGER,		/* a whole number in [min, max] */
	RUNVAR_NUMBER,		/* a decimal number in [min, max] */
	RUNVAR_PATH,		/* a relative path inside a folder: no "..", not absolute */
	RUNVAR_ARGV,		/* a JSON array of strings, not empty */
};

/* Flags of a runvar declaration. */
#define RUNVAR_REQUIRED	0x1	/* the step cannot run without it */
#define RUNVAR_FROM_STEP 0x2	/* written by an earlier step while the flight runs;
				   a recipe must not set it */

/*
 * One runvar a step reads. name is a plain name or a pattern holding one
 * "{testid}" (the step's name in the job, as for cmd_{testid}) or one
 * "{tree}" (each tree the job uses, as for tree_{tree}).
 */
struct runvar_decl {
	const char *name;
	unsigned flags;
	enum runvar_kind kind;
	double min, max;	/* RUNVAR_INTEGER and RUNVAR_NUMBER */
	const char *what;	/* a few words for messages and 'pvci help steps' */
};

/* A step as recipes see it. inputs ends with an entry whose name is NULL. */
struct step_decl {
	const char *name;
	int always;		/* runs even after an earlier step failed */
	int infra;		/* a time-limit expiry is "broken", not "fail" */
	int default_timeout;	/* seconds, when the recipe gives none */
	const struct runvar_decl *inputs;
};

/*
 * Finds the declaration of a step by name: fills *out and returns 0, or
 * returns -1 when there is no such step. The strings and inputs are lent
 * and live for the program's life. run/steps.c gives step_declaration.
 */
typedef int step_decl_fn(const char *name, struct step_decl *out);

#endif
