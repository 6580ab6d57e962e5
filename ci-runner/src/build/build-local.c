/* The local build executor: builds on this machine, in the job's work tree. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build-executor.h"
#include "util.h"

/* Whether prog can be run: an absolute path, or found in $PATH. */
static int
on_path(const char *prog)
{
	const char *path = getenv("PATH"), *p, *colon;

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	if (!path)
		path = "/usr/bin:/bin";
	for (p = path;; p = colon + 1) {
		char *cand;
		int ok, len;

		colon = strchr(p, ':');
		len = colon ? (int)(colon - p) : (int)strlen(p);
		cand = len ? xasprintf("%.*s/%s", len, p, prog) : xasprintf("./%s", prog);
		ok = access(cand, X_OK) == 0;
		free(cand);
		if (ok)
			return 1;
		if (!colon)
			return 0;
	}
}

static enum step_status
local_prepare(struct step_ctx *ctx, const struct build_job *job)
{
	const char *const *t;

	for (t = job->tools; t && *t; t++) {
		if (!on_path(*t)) {
			step_log(ctx, "toolchain: '%s' not found on this host: cannot build '%s'",
				 *t, job->driver);
			return STEP_BROKEN;
		}
	}
	if (!on_path(job->argv[0])) {
		step_log(ctx, "toolchain: build command '%s' not found on this host",
			 job->argv[0]);
		return STEP_BROKEN;
	}
	return STEP_PASS;
}

static enum step_status
local_run(struct step_ctx *ctx, const struct build_job *job)
{
	int rc = step_run(ctx, job->argv, job->src_dir, job->env, job->timeout);

	return build_status_of(ctx, rc, job->argv[0], job->out_dir);
}

static int
local_fetch(struct step_ctx *ctx, const struct build_job *job, const char *file,
	    const char *local_path)
{
	char *from = path_join(job->out_dir, file);
	int rc;

	(void)ctx;
	if (!file_exists(from)) {
		free(from);
		return 1;
	}
	rc = copy_file(from, local_path, 0644);
	free(from);
	return rc;
}

const struct build_executor build_executor_local = {
	.name = "local",
	.prepare = local_prepare,
	.run = local_run,
	.fetch = local_fetch,
	.release = NULL,
};
