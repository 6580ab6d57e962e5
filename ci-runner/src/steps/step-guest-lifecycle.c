/*
 * The lifecycle steps: guest-reboot, guest-saverestore, guest-stop.
 *
 * guest-reboot: the guest OS's reboot command through the agent (RUNBG), then a READY with a new
 *   boot id, and the installed driver (runvar installed_version, when set)
 *   is still there. Sets runvar guest_boot_id. Measures reboot_seconds.
 * guest-saverestore: save the running guest to a file, restore it, the
 *   agent answers from the same boot and the installed driver is still the
 *   one driver-install recorded (runvar installed_version, when set).
 *   Measures save_seconds, restore_seconds, save_mib.
 * guest-stop: the guest OS's shutdown command through the agent; a domain not off within
 *   guest.shutdown_timeout is destroyed and the step fails. Measures
 *   shutdown_seconds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "guest-os.h"
#include "guest.h"
#include "log.h"
#include "steps.h"
#include "toolstack.h"
#include "util.h"

enum step_status
step_guest_reboot(struct step_ctx *ctx)
{
	int boot_timeout = (int)step_setting_int(ctx, "guest.boot_timeout");
	enum step_status rc = STEP_FAIL;
	double started = now_monotonic(), t0;
	char *old = NULL;
	struct guest g;

	guest_init(&g, ctx);
	if (guest_attach(&g) < 0) {
		rc = guest_verdict(&g);
		goto out;
	}
	old = xstrdup(g.boot_id);
	t0 = now_monotonic();
	if (agent_run_bg(g.agent, g.os->reboot_cmd, guest_time_limit(&g, 30)) < 0) {
		rc = guest_verdict(&g);
		goto out;
	}
	step_log(ctx, "asked '%s' to reboot (boot %s)", g.name, old);
	if (guest_connect(&g, guest_time_limit(&g, boot_timeout), NULL, old) < 0) {
		rc = guest_verdict(&g);
		goto out;
	}
	step_measure(ctx, "reboot_seconds", now_monotonic() - t0, "s");
	step_set_runvar(ctx, "guest_boot_id", g.boot_id);
	step_log(ctx, "'%s' rebooted: boot %s -> %s", g.name, old, g.boot_id);
	rc = guest_check_driver(&g, step_runvar(ctx, "installed_version"));
out:
	guest_log_harness_time(&g, started);
	guest_release(&g);
	free(old);
	return rc;
}

/*
 * The restored QEMU starts serial0 afresh (unless the template asks for
 * append='on'): keep what the first one wrote as serial0.log.N.
 */
static void
rotate_console_log(struct guest *g)
{
	char *to = NULL;
	int n;

	if (!file_exists(g->console_log))
		return;
	for (n = 1; n < 100; n++) {
		free(to);
		to = xasprintf("%s.%d", g->console_log, n);
		if (!file_exists(to))
			break;
	}
	if (rename(g->console_log, to) < 0)
		log_warn("cannot rename '%s' to '%s'", g->console_log, to);
	else
		step_log(g->ctx, "console log so far kept as '%s'", to);
	free(to);
}

enum step_status
step_guest_saverestore(struct step_ctx *ctx)
{
	enum step_status rc = STEP_FAIL;
	double started = now_monotonic(), t0;
	enum ts_event ev;
	char *boot_id = NULL;
	struct guest g;
	struct stat st;

	guest_init(&g, ctx);
	if (guest_attach(&g) < 0) {
		rc = guest_verdict(&g);
		goto out;
	}
	boot_id = xstrdup(g.boot_id);
	/* The console goes with the QEMU process; reopen it after the restore. */
	guest_disconnect(&g);
	if (unlink(g.save_file) < 0 && errno != ENOENT)
		log_warn("cannot remove '%s'", g.save_file);
	t0 = now_monotonic();
	if (toolstack_save(g.dom, g.save_file) < 0) {
		rc = guest_verdict(&g);
		goto out;
	}
	step_measure(ctx, "save_seconds", now_monotonic() - t0, "s");
	if (stat(g.save_file, &st) == 0)
		step_measure(ctx, "save_mib", (double)st.st_size / (1024 * 1024), "MiB");
	rotate_console_log(&g);
	/* The save's own "stopped" event is not news. */
	toolstack_wait(g.ts, 0);
	while (toolstack_next_event(g.dom, &ev) == 1)
		;
	t0 = now_monotonic();
	if (toolstack_restore(g.dom, g.save_file) < 0) {
		rc = guest_verdict(&g);
		goto out;
	}
	step_measure(ctx, "restore_seconds", now_monotonic() - t0, "s");
	if (unlink(g.save_file) < 0)
		log_warn("cannot remove '%s'", g.save_file);
	if (guest_connect(&g, guest_time_limit(&g, 60), boot_id, NULL) < 0) {
		rc = guest_verdict(&g);
		goto out;
	}
	rc = guest_check_driver(&g, step_runvar(ctx, "installed_version"));
out:
	guest_log_harness_time(&g, started);
	guest_release(&g);
	free(boot_id);
	return rc;
}

enum step_status
step_guest_stop(struct step_ctx *ctx)
{
	int limit = (int)step_setting_int(ctx, "guest.shutdown_timeout"), via_agent = 0;
	enum step_status rc = STEP_FAIL;
	double started = now_monotonic(), t0;
	struct guest g;

	guest_init(&g, ctx);
	if (guest_attach(&g) == 0 &&
	    agent_run_bg(g.agent, g.os->shutdown_cmd, guest_time_limit(&g, 30)) == 0)
		via_agent = 1;
	if (!via_agent) {
		if (guest_verdict(&g) == STEP_BROKEN) {
			rc = STEP_BROKEN;
			goto out;
		}
		if (g.dom == NULL)
			goto out;
		/* The step fails either way; still, try to stop the guest cleanly. */
		step_log(ctx, "no agent to ask: asking '%s' through ACPI instead", g.name);
		toolstack_shutdown(g.dom);
	}
	t0 = now_monotonic();
	guest_disconnect(&g);
	if (guest_wait_off(&g, guest_time_limit(&g, limit)) < 0) {
		if (!toolstack_alive(g.ts)) {
			rc = STEP_BROKEN;
			goto out;
		}
		step_log(ctx, "domain '%s' did not shut down within %d seconds", g.name, limit);
		guest_log_console_tail(&g, 50);
		if (toolstack_destroy(g.dom) == 0)
			step_log(ctx, "destroyed domain '%s'", g.name);
		goto out;
	}
	step_measure(ctx, "shutdown_seconds", now_monotonic() - t0, "s");
	step_log(ctx, "domain '%s' is off", g.name);
	if (via_agent)
		rc = STEP_PASS;
out:
	guest_log_harness_time(&g, started);
	guest_release(&g);
	return rc;
}
