/* Placeholders until the build-and-sign stage lands; each says so. */
#include "step.h"
#include "steps.h"

enum step_status
step_source(struct step_ctx *ctx)
{
	step_log(ctx, "the source step is not implemented yet");
	return STEP_BROKEN;
}

enum step_status
step_build(struct step_ctx *ctx)
{
	step_log(ctx, "the build step is not implemented yet");
	return STEP_BROKEN;
}

enum step_status
step_sign(struct step_ctx *ctx)
{
	step_log(ctx, "the sign step is not implemented yet");
	return STEP_BROKEN;
}
