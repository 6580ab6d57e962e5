/*
 * storage-stress: the guest OS's storage command (fio) on its scratch disk
 * (the job's overlay), with data verification: first a random write of the
 * area with crc32c verification read back, then random reads for the
 * runtime.
 *
 * Reads runvars: image, storage_runtime (seconds, default 3), storage_size
 * (default 64M), storage_device (default: the guest OS's scratch disk),
 * storage_min_write_mibs, storage_min_read_mibs, storage_min_read_iops
 * (optional thresholds).
 * Measures: write_bw, read_bw (MiB/s), write_iops, read_iops (IOPS),
 * write_clat_p50, write_clat_p99, read_clat_p50, read_clat_p99 (us).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "guest-os.h"
#include "guest.h"
#include "log.h"
#include "steps.h"
#include "tool-output.h"
#include "util.h"

static int
token_ok(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(extra, *s)))
			return 0;
	return 1;
}

static void
measure_dir(struct step_ctx *ctx, const struct fio_dir *d, const char *prefix)
{
	char name[64];

	snprintf(name, sizeof(name), "%s_bw", prefix);
	step_measure(ctx, name, d->bw_mibs, "MiB/s");
	snprintf(name, sizeof(name), "%s_iops", prefix);
	step_measure(ctx, name, d->iops, "IOPS");
	snprintf(name, sizeof(name), "%s_clat_p50", prefix);
	step_measure(ctx, name, d->clat_p50_us, "us");
	snprintf(name, sizeof(name), "%s_clat_p99", prefix);
	step_measure(ctx, name, d->clat_p99_us, "us");
}

static int
below(struct guest *g, const char *runvar, double got, const char *unit)
{
	double min;

	if (guest_runvar_double(g, runvar, 0, &min) < 0)
		return 1;
	if (min > 0 && got < min) {
		step_log(g->ctx, "%.1f %s is below the threshold %s=%g", got, unit, runvar, min);
		return 1;
	}
	return 0;
}

enum step_status
step_storage_stress(struct step_ctx *ctx)
{
	const char *size = step_runvar(ctx, "storage_size");
	const char *dev = step_runvar(ctx, "storage_device");
	enum step_status rc = STEP_FAIL;
	double started = now_monotonic(), runtime;
	char *cmd = NULL, *out = NULL, *why = NULL;
	struct fio_result res;
	struct guest g;
	int status, r;

	guest_init(&g, ctx);
	if (guest_pick_os(&g, NULL) < 0) {
		rc = STEP_BROKEN;
		goto out;
	}
	if (size == NULL)
		size = "64M";
	if (dev == NULL)
		dev = g.os->scratch_disk;
	if (guest_runvar_double(&g, "storage_runtime", 3, &runtime) < 0 || runtime < 1 ||
	    runtime > 3600 || !token_ok(size, "") || !token_ok(dev, "/_-")) {
		step_log(ctx, "bad storage runvars (storage_runtime 1..3600, storage_size, "
			 "storage_device)");
		rc = STEP_BROKEN;
		goto out;
	}
	if (guest_attach(&g) < 0) {
		rc = guest_verdict(&g);
		goto out;
	}
	cmd = guest_os_storage_cmd(g.os, dev, size, (int)runtime);
	if (cmd == NULL) {
		rc = STEP_BROKEN;
		goto out;
	}
	if (guest_run(&g, cmd, guest_time_limit(&g, (int)runtime + 240), &status, &out, 0) < 0) {
		rc = guest_verdict(&g);
		goto out;
	}
	r = fio_output_parse(out, &res, &why);
	if (r == -1)
		step_log(ctx, "%s", why);
	if (status != 0 || r == -1) {
		/* The output says which verify or I/O error it was. */
		step_log(ctx, "fio exited with status %d; its output:", status);
		dprintf(step_log_fd(ctx), "%s\n", out);
		goto out;
	}
	if (r < 0) {
		step_log(ctx, "%s", why);
		goto out;
	}
	measure_dir(ctx, &res.write, "write");
	measure_dir(ctx, &res.read, "read");
	step_log(ctx, "data verified (crc32c): write %.1f MiB/s %.0f IOPS, read %.1f MiB/s "
		 "%.0f IOPS", res.write.bw_mibs, res.write.iops, res.read.bw_mibs, res.read.iops);
	if (below(&g, "storage_min_write_mibs", res.write.bw_mibs, "MiB/s") |
	    below(&g, "storage_min_read_mibs", res.read.bw_mibs, "MiB/s") |
	    below(&g, "storage_min_read_iops", res.read.iops, "IOPS"))
		goto out;
	rc = STEP_PASS;
out:
	guest_log_harness_time(&g, started);
	guest_release(&g);
	free(why);
	free(cmd);
	free(out);
	return rc;
}
