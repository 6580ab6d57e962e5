/*
 * driver-install: the build job's installer ISO goes into the guest's
 * CD-ROM drive; the guest checks it against its SHA256SUMS, installs the
 * drivers, and the version it reports must be the version the build made.
 *
 * Reads runvars: buildjob (required), guest_boot_id; of the build job:
 * built_version.
 * Sets runvars: installed_version.
 */
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "guest.h"
#include "log.h"
#include "steps.h"
#include "toolstack.h"
#include "util.h"

#define MOUNT_CMD							\
	"i=0; while [ ! -b /dev/sr0 ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done\n" \
	"mkdir -p /mnt/cdrom; umount /mnt/cdrom 2>/dev/null\n"		\
	"i=0; until mount -t iso9660 -o ro /dev/sr0 /mnt/cdrom; do\n"	\
	"  i=$((i+1)); [ $i -lt 50 ] || { echo 'cannot mount /dev/sr0'; exit 3; }; sleep 0.2\n" \
	"done\n"							\
	"cd /mnt/cdrom && find . -type f | sort"

#define CHECK_CMD "cd /mnt/cdrom && sha256sum -c SHA256SUMS"

#define INSTALL_CMD							\
	"set -e; rm -rf /lib/pvci-drivers; mkdir -p /lib/pvci-drivers\n" \
	"find /mnt/cdrom -type f \\( -name '*.sys' -o -name '*.inf' -o -name '*.cat' \\) " \
	"-exec cp {} /lib/pvci-drivers/ \\;\n"				\
	"ls -l /lib/pvci-drivers; ls /lib/pvci-drivers/*.sys >/dev/null"

/* Logs each "FILE: FAILED" line of sha256sum -c; returns how many. */
static int
log_mismatches(struct guest *g, const char *out)
{
	const char *p = out;
	int n = 0;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len > 8 && strncmp(p + len - 8, ": FAILED", 8) == 0) {
			step_log(g->ctx, "checksum mismatch: '%.*s' differs from SHA256SUMS",
				 (int)(len - 8), p);
			n++;
		} else if (len > 0 && strstr(p, "can't open") && (size_t)(strstr(p, "can't open") - p) < len) {
			step_log(g->ctx, "checksum check: %.*s", (int)len, p);
			n++;
		}
		p = nl ? nl + 1 : NULL;
	}
	return n;
}

/* "PVCI_VERSION=X\n" exactly once; the version, or NULL (logged). */
static char *
parse_version(struct guest *g, const char *out)
{
	const char *p = out, *nl;
	char *version = NULL;

	while (*p) {
		size_t len;

		nl = strchr(p, '\n');
		len = nl ? (size_t)(nl - p) : strlen(p);
		if (len > 13 && strncmp(p, "PVCI_VERSION=", 13) == 0) {
			if (version) {
				step_log(g->ctx, "the installed drivers carry more than one "
					 "version ('%s' and '%.*s')", version, (int)(len - 13),
					 p + 13);
				free(version);
				return NULL;
			}
			version = xasprintf("%.*s", (int)(len - 13), p + 13);
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	if (version == NULL)
		step_log(g->ctx, "no PVCI_VERSION= string in the installed .sys files");
	return version;
}

enum step_status
step_driver_install(struct step_ctx *ctx)
{
	const char *buildjob = step_runvar(ctx, "buildjob");
	char *iso = NULL, *built = NULL, *out = NULL, *installed = NULL;
	enum step_status rc = STEP_BROKEN;
	double started = now_monotonic();
	int status, limit;
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

	if (guest_run(&g, MOUNT_CMD, limit, &status, NULL, 1) < 0) {
		rc = guest_verdict(&g);
		goto out;
	}
	if (status != 0) {
		step_log(ctx, "the guest cannot mount the installer medium (status %d)", status);
		rc = STEP_FAIL;
		goto out;
	}
	if (guest_run(&g, CHECK_CMD, limit, &status, &out, 1) < 0) {
		rc = guest_verdict(&g);
		goto out;
	}
	if (status != 0) {
		if (log_mismatches(&g, out) == 0)
			step_log(ctx, "sha256sum -c SHA256SUMS failed (status %d)", status);
		step_log(ctx, "the installer medium does not match its SHA256SUMS");
		rc = STEP_FAIL;
		goto out;
	}
	if (guest_run(&g, INSTALL_CMD, limit, &status, NULL, 1) < 0) {
		rc = guest_verdict(&g);
		goto out;
	}
	if (status != 0) {
		step_log(ctx, "installing the drivers failed (status %d)", status);
		rc = STEP_FAIL;
		goto out;
	}
	free(out);
	out = NULL;
	if (guest_run(&g, GUEST_DRIVER_VERSION_CMD, limit, &status, &out, 1) < 0) {
		rc = guest_verdict(&g);
		goto out;
	}
	installed = parse_version(&g, out);
	if (installed == NULL) {
		rc = STEP_FAIL;
		goto out;
	}
	step_set_runvar(ctx, "installed_version", installed);
	if (strcmp(installed, built) != 0) {
		step_log(ctx, "installed version '%s' is not the built version '%s'", installed,
			 built);
		rc = STEP_FAIL;
		goto out;
	}
	step_log(ctx, "installed version %s, as built", installed);
	if (guest_run(&g, GUEST_DRIVER_PERSIST_CMD, limit, &status, NULL, 1) < 0) {
		rc = guest_verdict(&g);
		goto out;
	}
	if (status != 0) {
		step_log(ctx, "keeping the installed drivers on disk failed (status %d)", status);
		rc = STEP_FAIL;
		goto out;
	}
	/* Leave the drive empty, so save/restore and reboots do not depend on it. */
	if (guest_run(&g, "umount /mnt/cdrom", limit, &status, NULL, 1) == 0 && status == 0)
		toolstack_media_change(g.dom, GUEST_CDROM, NULL);
	rc = STEP_PASS;
out:
	guest_log_harness_time(&g, started);
	guest_release(&g);
	free(iso);
	free(built);
	free(out);
	free(installed);
	return rc;
}
