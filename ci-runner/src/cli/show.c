#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "db.h"
#include "instance.h"
#include "layout.h"
#include "log.h"
#include "show.h"
#include "util.h"

/*
 * Everything shown goes through here: a runvar, note or log path may hold
 * a URL with user:password or a PKCS#11 PIN, which is never printed.
 */
static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void
out(const char *fmt, ...)
{
	va_list ap;
	char *text, *shown;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	shown = redact_secrets(text);
	fputs(shown, stdout);
	free(shown);
	free(text);
}

static const char *
jstr(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

static void
print_json(json_t *v)
{
	char *text = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	out("%s\n", text);
	free(text);
}

static void
format_time(json_t *v, char *buf, size_t len)
{
	time_t t = (time_t)json_integer_value(v);
	struct tm tm;

	if (!json_is_integer(v)) {
		snprintf(buf, len, "-");
		return;
	}
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

static void
format_duration(json_t *obj, char *buf, size_t len)
{
	json_t *s = json_object_get(obj, "started"), *f = json_object_get(obj, "finished");

	if (json_is_integer(s) && json_is_integer(f))
		snprintf(buf, len, "%llds", (long long)(json_integer_value(f) - json_integer_value(s)));
	else
		snprintf(buf, len, "-");
}

static void
print_job_text(json_t *job, int full)
{
	json_t *steps = json_object_get(job, "steps"), *s, *runvars, *v, *synth;
	const char *name;
	char dur[32];
	size_t i;

	format_duration(job, dur, sizeof(dur));
	out("job %s: %s (%s)%s%s\n", jstr(job, "job"), jstr(job, "status"), dur,
	    json_is_string(json_object_get(job, "note")) ? " - " : "",
	    jstr(job, "note"));
	json_array_foreach(steps, i, s) {
		format_duration(s, dur, sizeof(dur));
		out("  %02d %-20s %-8s %6s  %s%s%s\n",
		    (int)json_integer_value(json_object_get(s, "stepno")), jstr(s, "testid"),
		    jstr(s, "status"), dur, jstr(s, "log"),
		    json_is_string(json_object_get(s, "note")) ? "  # " : "", jstr(s, "note"));
	}
	if (!full)
		return;
	runvars = json_object_get(job, "runvars");
	synth = json_object_get(job, "runvars_synth");
	if (json_object_size(runvars))
		out("  runvars (* set while running):\n");
	json_object_foreach(runvars, name, v) {
		json_t *sv;
		size_t k;
		int is_synth = 0;

		json_array_foreach(synth, k, sv)
			if (!strcmp(json_string_value(sv), name))
				is_synth = 1;
		out("    %s%s=%s\n", is_synth ? "*" : " ", name, json_string_value(v));
	}
	if (json_array_size(json_object_get(job, "artifacts")))
		out("  artifacts:\n");
	json_array_foreach(json_object_get(job, "artifacts"), i, v)
		out("    %-8s %s (%lld bytes)\n", jstr(v, "kind"), jstr(v, "path"),
		    (long long)json_integer_value(json_object_get(v, "size")));
	if (json_array_size(json_object_get(job, "measurements")))
		out("  measurements:\n");
	json_array_foreach(json_object_get(job, "measurements"), i, v)
		out("    %-18s %-24s %12.3f %s\n", jstr(v, "step"), jstr(v, "metric"),
		    json_number_value(json_object_get(v, "value")), jstr(v, "unit"));
}

int
show_flight(struct instance *inst, long flight, int json)
{
	json_t *f = db_flight_json(inst->db, flight), *job;
	char created[32], *logs;
	size_t i;

	if (!f)
		return -1;
	if (json) {
		print_json(f);
		json_decref(f);
		return 0;
	}
	format_time(json_object_get(f, "created"), created, sizeof(created));
	out("flight %ld %s %s (recipe %s, created %s UTC)\n", flight, jstr(f, "branch"),
	    jstr(f, "blessing"), jstr(f, "recipe"), created);
	if (json_integer_value(json_object_get(f, "retry_of")))
		out("retry of flight %lld (its regressed jobs, run again)\n",
		    (long long)json_integer_value(json_object_get(f, "retry_of")));
	if (json_integer_value(json_object_get(f, "retried_in")))
		out("regressed jobs run again in flight %lld\n",
		    (long long)json_integer_value(json_object_get(f, "retried_in")));
	if (json_is_string(json_object_get(f, "requester")))
		out("requested by %s (%s)\n", jstr(f, "requester"),
		    json_is_string(json_object_get(f, "triggered_by")) ? jstr(f, "triggered_by")
									 : "trigger unknown");
	logs = layout_flight_logs(inst->home, flight);
	out("logs: %s/\n\n", logs);
	free(logs);
	json_array_foreach(json_object_get(f, "jobs"), i, job) {
		print_job_text(job, 0);
		out("\n");
	}
	json_decref(f);
	return 0;
}

int
show_job(struct instance *inst, long flight, const char *job, int json)
{
	json_t *j = db_job_json(inst->db, flight, job);

	if (!j)
		return -1;
	if (json)
		print_json(j);
	else
		print_job_text(j, 1);
	json_decref(j);
	return 0;
}

int
show_flight_list(struct instance *inst, const char *branch, long limit, int json)
{
	json_t *list = db_flight_list_json(inst->db, branch, limit), *f, *v;
	const char *status;
	char created[32];
	size_t i;

	if (json) {
		print_json(list);
		json_decref(list);
		return 0;
	}
	out("%-7s %-20s %-7s %-12s %-19s %s\n", "flight", "branch", "blessing", "recipe",
	    "created (UTC)", "jobs");
	json_array_foreach(list, i, f) {
		struct strbuf counts;

		strbuf_init(&counts);
		json_object_foreach(json_object_get(f, "jobs"), status, v)
			strbuf_addf(&counts, "%s%s %lld", counts.len ? ", " : "", status,
				    (long long)json_integer_value(v));
		format_time(json_object_get(f, "created"), created, sizeof(created));
		out("%-7lld %-20s %-7s %-12s %-19s %s\n",
		    (long long)json_integer_value(json_object_get(f, "flight")),
		    jstr(f, "branch"), jstr(f, "blessing"), jstr(f, "recipe"), created,
		    counts.buf);
		strbuf_release(&counts);
	}
	json_decref(list);
	return 0;
}

void
show_flight_summary(struct instance *inst, long flight)
{
	json_t *f = db_flight_json(inst->db, flight), *job;
	char *logs, *artifacts;
	size_t i;

	if (!f)
		return;
	out("\nflight %ld:\n", flight);
	json_array_foreach(json_object_get(f, "jobs"), i, job)
		out("  %-40s %s\n", jstr(job, "job"), jstr(job, "status"));
	logs = layout_flight_logs(inst->home, flight);
	artifacts = layout_flight_artifacts(inst->home, flight);
	out("logs:      %s/\nartifacts: %s/\ndetails:   pvci --home %s flight show %ld\n",
	    logs, artifacts, inst->home, flight);
	free(logs);
	free(artifacts);
	json_decref(f);
}
