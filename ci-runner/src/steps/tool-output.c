#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "tool-output.h"
#include "util.h"

/* fio may print warnings before its JSON; start at the first "{" line. */
static json_t *
fio_json(const char *out, char **why)
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
		*why = xstrdup("fio printed no JSON");
		return NULL;
	}
	root = json_loads(start, JSON_DISABLE_EOF_CHECK, &jerr);
	if (root == NULL)
		*why = xasprintf("fio printed bad JSON: line %d: %s", jerr.line, jerr.text);
	return root;
}

static double
num(json_t *obj, const char *key)
{
	return json_number_value(json_object_get(obj, key));
}

static void
fio_dir(json_t *dir, struct fio_dir *d)
{
	json_t *pct = json_object_get(json_object_get(dir, "clat_ns"), "percentile");

	d->bw_mibs = num(dir, "bw") / 1024.0;	/* fio reports KiB/s */
	d->iops = num(dir, "iops");
	d->clat_p50_us = num(pct, "50.000000") / 1000.0;
	d->clat_p99_us = num(pct, "99.000000") / 1000.0;
}

int
fio_output_parse(const char *out, struct fio_result *res, char **why)
{
	json_t *root, *jobs;
	size_t i;
	int rc = -2;

	*why = NULL;
	memset(res, 0, sizeof(*res));
	root = fio_json(out, why);
	if (root == NULL)
		return -1;
	jobs = json_object_get(root, "jobs");
	if (json_array_size(jobs) != 2) {
		*why = xasprintf("fio reported %zu jobs, not 2", json_array_size(jobs));
		goto out;
	}
	for (i = 0; i < 2; i++) {
		json_t *job = json_array_get(jobs, i);
		json_int_t err = json_integer_value(json_object_get(job, "error"));
		const char *name = json_string_value(json_object_get(job, "jobname"));

		if (err != 0) {
			*why = xasprintf("fio job '%s' failed with error %lld",
					 name ? name : "(null)", (long long)err);
			goto out;
		}
	}
	fio_dir(json_object_get(json_array_get(jobs, 0), "write"), &res->write);
	fio_dir(json_object_get(json_array_get(jobs, 1), "read"), &res->read);
	rc = 0;
out:
	json_decref(root);
	return rc;
}

int
iperf3_output_parse(const char *out, struct iperf3_result *res, char **why)
{
	const char *start = strchr(out, '{');
	json_t *root, *end, *sent, *recv;
	const char *msg;
	json_error_t jerr;
	int rc = -2;

	*why = NULL;
	memset(res, 0, sizeof(*res));
	if (start == NULL) {
		*why = xstrdup("iperf3 printed no JSON");
		return -1;
	}
	root = json_loads(start, JSON_DISABLE_EOF_CHECK, &jerr);
	if (root == NULL) {
		*why = xasprintf("iperf3 printed bad JSON: %s", jerr.text);
		return -1;
	}
	msg = json_string_value(json_object_get(root, "error"));
	if (msg)
		res->error = xstrdup(msg);
	end = json_object_get(root, "end");
	sent = json_object_get(end, "sum_sent");
	recv = json_object_get(end, "sum_received");
	if (!json_is_object(recv)) {
		*why = xstrdup("reported no end.sum_received");
		goto out;
	}
	res->gbits = json_number_value(json_object_get(recv, "bits_per_second")) / 1e9;
	res->retransmits = json_number_value(json_object_get(sent, "retransmits"));
	rc = 0;
out:
	json_decref(root);
	return rc;
}

void
iperf3_result_release(struct iperf3_result *res)
{
	free(res->error);
	res->error = NULL;
}
