/*
 * driver-install: the build job's installer ISO goes into the guest's
 * CD-ROM drive; the guest OS's install_driver checks it against its
 * SHA256SUMS and installs it, and the one version the installed drivers
 * report must be the version the build made. What installing means inside
 * the guest belongs to its guest-OS entry (guest-os.h), not to this step.
 *
 * Reads runvars: buildjob (required), image, guest_boot_id; of the build
 * job: built_version.
 * Sets runvars: installed_version; installed_catalog, the SHA-256 of the
 * catalog (catalog.h) computed from the very bytes of the ISO installed, so
 * that "pvci verify --history" can tell which flights tested a package.
 */
#include <stdlib.h>
#include <string.h>

#include "guest-os.h"
#include "guest.h"
#include "log.h"
#include "steps.h"
#include "toolstack.h"
#include "util.h"
#include "verify.h"

/* Logs the installed driver services, for the reader; failing to list them is no failure. */
static void
log_services(struct guest *g, int limit)
{
	struct strbuf sb;
	char **names = NULL;
	int n = guest_os_driver_services(g, limit, &names);

	if (n < 0)
		return;
	strbuf_init(&sb);
	for (int i = 0; i < n; i++)
		strbuf_addf(&sb, "%s%s", i ? ", " : "", names[i]);
	step_log(g->ctx, "driver services: %s", n ? sb.buf : "none");
	strbuf_release(&sb);
	guest_os_strings_free(names);
}

enum step_status
step_driver_install(struct step_ctx *ctx)
{
	const char *buildjob = step_runvar(ctx, "buildjob");
	char *iso = NULL, *built = NULL, **versions = NULL;
	enum step_status rc = STEP_BROKEN;
	double started = now_monotonic();
	int limit, n, cd_released = 0;
	struct guest g;

	guest_init(&g, ctx);
	if (buildjob == NULL) {
		step_log(ctx, "runvar 'buildjob' is not set: which build's drivers to install?");
		goto out;
	}
	iso = step_job_artifact(ctx, buildjob, "iso", NULL);
	if (iso == NULL) {
		step_log(ctx, "job '%s' has no artifact of kind 'iso'", buildjob);
		goto out;
	}
	built = step_job_runvar(ctx, buildjob, "built_version");
	if (built == NULL || *built == '\0') {
		step_log(ctx, "job '%s' did not record runvar 'built_version'", buildjob);
		goto out;
	}
	step_log(ctx, "installing '%s' (version %s, from job '%s')", iso, built, buildjob);
	{
		char hex[65];

		if (verify_catalog(iso, hex, NULL, step_log_fd(ctx)) < 0 ||
		    step_set_runvar(ctx, "installed_catalog", hex) < 0) {
			step_log(ctx, "cannot record the catalog of '%s'", iso);
			goto out;
		}
	}
	if (guest_attach(&g) < 0) {
		rc = guest_verdict(&g);
		goto out;
	}
	if (toolstack_media_change(g.dom, GUEST_CDROM, iso) < 0) {
		/* The drive and the medium are ours, not the driver's. */
		rc = STEP_BROKEN;
		goto out;
	}
	step_log(ctx, "'%s' is in drive %s of '%s'", iso, GUEST_CDROM, g.name);
	limit = guest_time_limit(&g, 60);

	rc = guest_os_install_driver(&g, limit, &cd_released);
	if (rc != STEP_PASS)
		goto out;
	rc = STEP_FAIL;
	n = guest_os_driver_versions(&g, limit, &versions);
	if (n < 0) {
		rc = guest_verdict(&g);
		goto out;
	}
	if (n != 1) {
		step_log(ctx, n == 0 ? "the installed drivers report no version"
				     : "the installed drivers carry more than one version");
		goto out;
	}
	step_set_runvar(ctx, "installed_version", versions[0]);
	if (strcmp(versions[0], built) != 0) {
		step_log(ctx, "installed version '%s' is not the built version '%s'", versions[0],
			 built);
		goto out;
	}
	step_log(ctx, "installed version %s, as built", versions[0]);
	log_services(&g, limit);
	/* Leave the drive empty, so save/restore and reboots do not depend on it. */
	if (cd_released)
		toolstack_media_change(g.dom, GUEST_CDROM, NULL);
	rc = STEP_PASS;
out:
	guest_log_harness_time(&g, started);
	guest_release(&g);
	guest_os_strings_free(versions);
	free(iso);
	free(built);
	return rc;
}
