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
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "guest-os.h"
#include "guest.h"
#include "log.h"
#include "steps.h"
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

/* fio may print warnings before its JSON; start at the first "{" line. */
static json_t *
parse_json_output(struct guest *g, const char *out, const char *what)
{
	const char *start = out;
	json_error_t jerr;
	json_t *root;

	while (start && *start != '{') {
		start = strchr(start, '\n');
		if (start)
			start++;
	}
	if (start == NULL) {
		step_log(g->ctx, "%s printed no JSON", what);
		return NULL;
	}
	root = json_loads(start, JSON_DISABLE_EOF_CHECK, &jerr);
	if (root == NULL)
		step_log(g->ctx, "%s printed bad JSON: line %d: %s", what, jerr.line, jerr.text);
	return root;
}

static double
num(json_t *obj, const char *key)
{
	return json_number_value(json_object_get(obj, key));
}

static double
percentile(json_t *dir, const char *pct)
{
	json_t *clat = json_object_get(dir, "clat_ns");

	return num(json_object_get(clat, "percentile"), pct) / 1000.0;
}

static void
measure_dir(struct step_ctx *ctx, json_t *dir, const char *prefix, double *bw, double *iops)
{
	char name[64];

	*bw = num(dir, "bw") / 1024.0;	/* fio reports KiB/s */
	*iops = num(dir, "iops");
	snprintf(name, sizeof(name), "%s_bw", prefix);
	step_measure(ctx, name, *bw, "MiB/s");
	snprintf(name, sizeof(name), "%s_iops", prefix);
	step_measure(ctx, name, *iops, "IOPS");
	snprintf(name, sizeof(name), "%s_clat_p50", prefix);
	step_measure(ctx, name, percentile(dir, "50.000000"), "us");
	snprintf(name, sizeof(name), "%s_clat_p99", prefix);
	step_measure(ctx, name, percentile(dir, "99.000000"), "us");
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
	double started = now_monotonic(), runtime, wbw, wiops, rbw, riops;
	char *cmd = NULL, *out = NULL;
	json_t *root = NULL, *jobs;
	struct guest g;
	int status;
	size_t i;

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
	root = parse_json_output(&g, out, "fio");
	if (status != 0 || root == NULL) {
		/* The output says which verify or I/O error it was. */
		step_log(ctx, "fio exited with status %d; its output:", status);
		dprintf(step_log_fd(ctx), "%s\n", out);
		goto out;
	}
	jobs = json_object_get(root, "jobs");
	if (json_array_size(jobs) != 2) {
		step_log(ctx, "fio reported %zu jobs, not 2", json_array_size(jobs));
		goto out;
	}
	for (i = 0; i < 2; i++) {
		json_t *job = json_array_get(jobs, i);
		json_int_t err = json_integer_value(json_object_get(job, "error"));

		if (err != 0) {
			step_log(ctx, "fio job '%s' failed with error %lld",
				 json_string_value(json_object_get(job, "jobname")),
				 (long long)err);
			goto out;
		}
	}
	measure_dir(ctx, json_object_get(json_array_get(jobs, 0), "write"), "write", &wbw, &wiops);
	measure_dir(ctx, json_object_get(json_array_get(jobs, 1), "read"), "read", &rbw, &riops);
	step_log(ctx, "data verified (crc32c): write %.1f MiB/s %.0f IOPS, read %.1f MiB/s "
		 "%.0f IOPS", wbw, wiops, rbw, riops);
	if (below(&g, "storage_min_write_mibs", wbw, "MiB/s") |
	    below(&g, "storage_min_read_mibs", rbw, "MiB/s") |
	    below(&g, "storage_min_read_iops", riops, "IOPS"))
		goto out;
	rc = STEP_PASS;
out:
	guest_log_harness_time(&g, started);
	guest_release(&g);
	json_decref(root);
	free(cmd);
	free(out);
	return rc;
}
