/*
 * The "always" steps of a guest job: capture-logs and cleanup. Both work
 * from names derived from the flight and the job alone, so they also tidy
 * up after a job that was killed half way.
 *
 * capture-logs keeps, as artifacts of kind "log": serial0.log (the kernel
 * console; serial0.log.N from before a restore), qemu.log (the domain's log
 * in the setting toolstack.log_dir, when readable), dmesg.txt
 * (through the agent, when it answers).
 * cleanup destroys and undefines the domain and deletes the overlay and
 * any save file. It is idempotent.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "guest-os.h"
#include "guest.h"
#include "log.h"
#include "steps.h"
#include "toolstack.h"
#include "util.h"

#define LOG_MAX (64L * 1024 * 1024)

static void
keep(struct step_ctx *ctx, const char *from, const char *name)
{
	char *to = path_join(step_artifacts_dir(ctx), name);

	if (copy_file(from, to, 0644) == 0)
		step_add_artifact(ctx, to, "log");
	free(to);
}

enum step_status
step_capture_logs(struct step_ctx *ctx)
{
	double started = now_monotonic();
	enum ts_state state;
	char *qemu_log;
	struct guest g;
	int n;

	guest_init(&g, ctx);
	/* Console logs of QEMU processes before a restore, oldest first. */
	for (n = 1; n < 100; n++) {
		char *old = xasprintf("%s.%d", g.console_log, n), *name;

		if (!file_exists(old)) {
			free(old);
			break;
		}
		name = xasprintf("serial0.log.%d", n);
		keep(ctx, old, name);
		free(name);
		free(old);
	}
	if (file_exists(g.console_log)) {
		keep(ctx, g.console_log, "serial0.log");
		guest_log_console_tail(&g, 20);
	} else
		step_log(ctx, "no console log '%s' (the guest never started?)", g.console_log);

	qemu_log = guest_domain_log(&g);
	if (qemu_log == NULL)
		step_log(ctx, "setting toolstack.log_dir is empty: not keeping the domain log");
	else if (access(qemu_log, R_OK) == 0)
		keep(ctx, qemu_log, "qemu.log");
	else
		step_log(ctx, "no readable domain log '%s' (setting toolstack.log_dir)", qemu_log);
	free(qemu_log);

	if (guest_open_toolstack(&g) < 0) {
		step_log(ctx, "no toolstack: no guest kernel log");
		goto out;
	}
	if (toolstack_lookup(g.ts, g.name, &g.dom) != 1 || toolstack_state(g.dom, &state) < 0 ||
	    state != TS_STATE_RUNNING) {
		step_log(ctx, "domain '%s' is not running: no guest kernel log", g.name);
		goto out;
	}
	if (guest_pick_os(&g, NULL) < 0) {
		step_log(ctx, "unknown guest operating system: no guest kernel log");
		goto out;
	}
	if (guest_connect(&g, guest_time_limit(&g, 5), NULL, NULL) == 0) {
		char *out = NULL;
		int status;

		if (guest_run(&g, g.os->kernel_log_cmd, guest_time_limit(&g, 20), &status, &out,
			      0) == 0) {
			char *path = path_join(step_artifacts_dir(ctx), "dmesg.txt");

			if (write_file_atomic(path, out, strlen(out), 0644) == 0)
				step_add_artifact(ctx, path, "log");
			free(path);
		}
		free(out);
	} else
		step_log(ctx, "the agent of '%s' does not answer: no guest kernel log", g.name);
out:
	guest_log_harness_time(&g, started);
	guest_release(&g);
	/* Whatever could not be kept is said in the log; the step itself passes. */
	return STEP_PASS;
}

static int
remove_file(struct step_ctx *ctx, const char *path, const char *what)
{
	if (unlink(path) == 0) {
		step_log(ctx, "deleted %s '%s'", what, path);
		return 0;
	}
	if (errno == ENOENT)
		return 0;
	return error("cannot delete %s '%s'", what, path);
}

enum step_status
step_cleanup(struct step_ctx *ctx)
{
	enum step_status rc = STEP_PASS;
	double started = now_monotonic();
	struct guest g;
	char *dir;
	int r;

	guest_init(&g, ctx);
	if (guest_open_toolstack(&g) < 0) {
		step_log(ctx, "cannot reach the toolstack: cannot make sure domain '%s' is gone",
			 g.name);
		rc = STEP_BROKEN;
	} else if ((r = toolstack_lookup(g.ts, g.name, &g.dom)) < 0) {
		rc = STEP_BROKEN;
	} else if (r == 0) {
		step_log(ctx, "no domain '%s'", g.name);
	} else {
		if (toolstack_destroy(g.dom) < 0 || toolstack_undefine(g.dom) < 0)
			rc = STEP_BROKEN;
		else
			step_log(ctx, "destroyed and undefined domain '%s'", g.name);
	}
	/* The files go even when the toolstack is gone: they are ours alone. */
	if (remove_file(ctx, g.overlay, "overlay") < 0 ||
	    remove_file(ctx, g.save_file, "save file") < 0)
		rc = STEP_BROKEN;
	dir = xstrdup(g.overlay);
	*strrchr(dir, '/') = '\0';
	rmdir(dir);	/* the flight's overlay folder, once its last job is done */
	free(dir);
	guest_log_harness_time(&g, started);
	guest_release(&g);
	return rc;
}
