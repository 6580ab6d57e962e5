/*
 * The guest build executor: the upstream drivers build only on Windows
 * (build.ps1 under the EWDK), so the build runs in a Windows build VM
 * started from config build.host_image, driven through the guest agent:
 * copy the source in, run the command, copy the outputs out. Until a
 * Windows build image exists the executor says so, as broken: a missing
 * build host is an infrastructure fault, not a driver failure.
 */
#include <stdlib.h>

#include "build-executor.h"

static enum step_status
guest_prepare(struct step_ctx *ctx, const struct build_job *job)
{
	const char *image = step_setting(ctx, "build.host_image");

	if (!image || !*image) {
		step_log(ctx, "no Windows build host configured (config build.host_image "
			 "is unset): cannot build '%s'", job->driver);
		return STEP_BROKEN;
	}
	step_log(ctx, "the guest build executor cannot drive build image '%s' yet: "
		 "cannot build '%s'", image, job->driver);
	return STEP_BROKEN;
}

static enum step_status
guest_run(struct step_ctx *ctx, const struct build_job *job)
{
	(void)job;
	step_log(ctx, "the guest build executor cannot run builds yet");
	return STEP_BROKEN;
}

static int
guest_fetch(struct step_ctx *ctx, const struct build_job *job, const char *file,
	    const char *local_path)
{
	(void)job;
	(void)local_path;
	step_log(ctx, "the guest build executor cannot fetch '%s' yet", file);
	return -1;
}

const struct build_executor build_executor_guest = {
	.name = "guest",
	.prepare = guest_prepare,
	.run = guest_run,
	.fetch = guest_fetch,
	.release = NULL,
};
