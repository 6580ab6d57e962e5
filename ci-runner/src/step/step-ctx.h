/*
 * The runner's side of the step context (step.h is the steps' side). The
 * runner describes the step in a step_ctx_info and calls step_ctx_run in
 * the step's child process; the context lives as long as that call.
 */
#ifndef PVCI_STEP_CTX_H
#define PVCI_STEP_CTX_H

#include "step.h"

struct config;

struct step_ctx_info {
	const char *home;		/* the instance directory, absolute */
	const struct config *cfg;
	long flight;
	const char *job;
	int stepno;
	const char *step;		/* the step function's name, e.g. "run" */
	const char *testid;		/* the recipe's name for this step */
	int timeout;			/* the step's limit, seconds */
	double deadline;		/* when the runner kills it (monotonic) */
	int log_fd;
	const char *log_path;
};

/*
 * Opens the step's own database connection (a connection never crosses a
 * fork), runs fn with a context made of info, and releases it all.
 * Returns what fn returned, or STEP_BROKEN when the database cannot be
 * opened.
 */
enum step_status step_ctx_run(const struct step_ctx_info *info, step_fn fn);

/* Appends a time-stamped line to a step log, as step_log does. */
void step_log_to(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
