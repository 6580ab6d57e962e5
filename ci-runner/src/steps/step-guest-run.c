/*
 * guest-run: runs the command in runvar cmd_TESTID (a plain string for the
 * guest's shell) in the guest, within the step's time limit. A non-zero
 * exit, a guest that goes down under it, or an agent that stops answering
 * is a failure.
 */
#include <stdlib.h>

#include "guest.h"
#include "log.h"
#include "steps.h"
#include "util.h"

enum step_status
step_guest_run(struct step_ctx *ctx)
{
	char *var = xasprintf("cmd_%s", step_testid(ctx));
	const char *cmd = step_runvar(ctx, var);
	enum step_status rc = STEP_FAIL;
	double started = now_monotonic();
	struct guest g;
	int status;

	guest_init(&g, ctx);
	if (cmd == NULL || *cmd == '\0') {
		step_log(ctx, "runvar '%s' is not set: nothing to run", var);
		rc = STEP_BROKEN;
		goto out;
	}
	if (guest_attach(&g) < 0) {
		rc = guest_verdict(&g);
		goto out;
	}
	if (guest_run(&g, cmd, guest_time_limit(&g, step_timeout(ctx)), &status, NULL, 1) < 0) {
		rc = guest_verdict(&g);
		goto out;
	}
	if (status != 0)
		step_log(ctx, "the command exited with status %d", status);
	else
		rc = STEP_PASS;
out:
	guest_log_harness_time(&g, started);
	guest_release(&g);
	free(var);
	return rc;
}
