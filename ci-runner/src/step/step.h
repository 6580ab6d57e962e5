/*
 * The step interface: what a step function sees while it runs.
 *
 * exec runs each step in a child process of its own (so that a time limit
 * can kill it and everything it started, and a crash in a step cannot take
 * the flight down). The step function runs in that child; everything it
 * records (runvars, measurements, artifacts) goes to the database at once,
 * through the functions below, so a step killed half way leaves what it had
 * recorded and nothing half-written.
 *
 * A step returns STEP_PASS, STEP_FAIL (the thing under test is wrong) or
 * STEP_BROKEN (the infrastructure is wrong). Never report an infrastructure
 * fault as a failure, nor the other way round.
 */
#ifndef PVCI_STEP_H
#define PVCI_STEP_H

#include <stdarg.h>
#include <stddef.h>

struct config;
/* In core/stepdecl.h, which steps do not see: they only point at it. */
struct runvar_decl;
struct step_decl;
struct step_ctx;

enum step_status {
	STEP_PASS = 0,
	STEP_FAIL = 1,
	STEP_BROKEN = 2,
};

typedef enum step_status (*step_fn)(struct step_ctx *ctx);

struct step_def {
	const char *name;
	const char *description;
	step_fn run;
	int always;		/* runs even after an earlier step failed (logs, cleanup) */
	int infra;		/* a time-limit expiry is "broken", not "fail" */
	int default_timeout;	/* seconds, when the recipe gives none */
	const struct runvar_decl *inputs;	/* the runvars it reads; ends with name NULL */
};

/* The table of every step, in steps.c. */
const struct step_def *step_lookup(const char *name);
const struct step_def *step_table(int *count);
/* The declaration of a step, for checking recipes (a step_decl_fn). */
int step_declaration(const char *name, struct step_decl *out);

/* Where we are. All strings are lent and live as long as the step. */
long step_flight(const struct step_ctx *ctx);
const char *step_job(const struct step_ctx *ctx);
int step_number(const struct step_ctx *ctx);
const char *step_name(const struct step_ctx *ctx);	/* e.g. "storage-stress" */
const char *step_testid(const struct step_ctx *ctx);	/* the recipe's name for this step */
/* The instance's config, to hand on to layers that take it (keys); opaque here. */
const struct config *step_config(const struct step_ctx *ctx);
/* One setting of config.json ("guest.memory_mib"): lent string, or number. */
const char *step_setting(const struct step_ctx *ctx, const char *key);
long step_setting_int(const struct step_ctx *ctx, const char *key);
const char *step_home(const struct step_ctx *ctx);	/* the instance directory */
int step_timeout(const struct step_ctx *ctx);		/* this step's limit, seconds */
int step_seconds_left(const struct step_ctx *ctx);	/* before exec kills the step */

/*
 * Runvars of this job: definition runvars from the recipe and synthetic
 * ones set while running. step_runvar lends (NULL when unset);
 * step_set_runvar records (replacing) a synthetic runvar at once.
 * step_job_runvar reads another job of the same flight; caller frees.
 */
const char *step_runvar(struct step_ctx *ctx, const char *name);
int step_set_runvar(struct step_ctx *ctx, const char *name, const char *value);
char *step_job_runvar(struct step_ctx *ctx, const char *job, const char *name);

/* A measurement of this step (e.g. "read_bw", 812.5, "MiB/s"). */
int step_measure(struct step_ctx *ctx, const char *metric, double value, const char *unit);

/*
 * Records a file as an artifact of this job (size and SHA-256 computed
 * here). kind is a short word: "sys", "inf", "cat", "exe", "pdb", "package",
 * "sums", "sums-sig", "iso", ... step_job_artifact finds the path of another
 * job's artifact of that kind (and, if name is not NULL, that file name);
 * caller frees.
 */
int step_add_artifact(struct step_ctx *ctx, const char *path, const char *kind);
char *step_job_artifact(struct step_ctx *ctx, const char *job, const char *kind,
			const char *name);

/* A registered golden image as JSON (name, path, format, size, sha256,
 * kind), path absolute; a new reference, NULL if there is none. */
struct json_t;
struct json_t *step_image(struct step_ctx *ctx, const char *name);

/* artifacts/FLIGHT/JOB, created on first use; lent. */
const char *step_artifacts_dir(struct step_ctx *ctx);
/* A per-job scratch directory, work/FLIGHT/JOB, created on first use; lent. */
const char *step_work_dir(struct step_ctx *ctx);

/* The step log: a timestamped line, or the raw descriptor for children. */
void step_log(struct step_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int step_log_fd(const struct step_ctx *ctx);
const char *step_log_path(const struct step_ctx *ctx);

/*
 * Runs argv (no shell) with its output appended to the step log, within
 * timeout seconds (0: what is left of the step's own limit). cwd and env
 * (extra "NAME=VALUE" entries, NULL-terminated) may be NULL. Returns the
 * exit status, 128+signal if it was killed, STEP_RUN_TIMEOUT if it ran out
 * of time, or -1 if it could not be started (no fork, no pipe: the
 * infrastructure) or its output was too long (logged).
 */
#define STEP_RUN_TIMEOUT (-2)
int step_run(struct step_ctx *ctx, const char *const argv[], const char *cwd,
	     const char *const env[], int timeout);
/* As step_run, with stdout captured (at most max bytes) into *out. */
int step_run_capture(struct step_ctx *ctx, const char *const argv[], const char *cwd,
		     const char *const env[], int timeout, char **out, size_t max);

#endif
