/*
 * The job page: its steps with durations and log links, its runvars (set
 * at creation, then set while running), its artifacts with size, SHA-256
 * and signature status, its measurements, and the same job in the
 * branch's previous and next flights.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "pages.h"
#include "util.h"

static int
is_synth(json_t *synth, const char *name)
{
	size_t i;
	json_t *v;

	json_array_foreach(synth, i, v)
		if (!strcmp(json_string_value(v), name))
			return 1;
	return 0;
}

static void
runvars(struct strbuf *sb, json_t *job, int synth_wanted, const char *title)
{
	json_t *rv = json_object_get(job, "runvars"), *synth = json_object_get(job, "runvars_synth");
	const char *name;
	json_t *v;

	strbuf_addf(sb, "<h2>%s</h2>\n<table class=\"runvars\">"
		    "<tr><th>name</th><th>value</th></tr>\n", title);
	json_object_foreach(rv, name, v) {
		if (is_synth(synth, name) != synth_wanted)
			continue;
		strbuf_adds(sb, "<tr><td>");
		html_txt(sb, name);
		strbuf_adds(sb, "</td><td class=\"mono\">");
		html_txt(sb, json_string_value(v));
		strbuf_adds(sb, "</td></tr>\n");
	}
	strbuf_adds(sb, "</table>\n");
}

/*
 * The signature status of an artifact: what the job's signed SHA256SUMS
 * (the sign step's "sums-sig" artifact) covers. The web layer reads the
 * records only; pvci verify checks the signatures themselves.
 */
static const char *
signature(json_t *arts, json_t *a)
{
	const char *kind = JS(a, "kind");
	size_t i;
	json_t *x;
	int signed_job = 0;

	json_array_foreach(arts, i, x)
		signed_job |= !strcmp(JS(x, "kind"), "sums-sig");
	if (!strcmp(kind, "sums-sig"))
		return "signature (CMS)";
	if (!signed_job)
		return "unsigned";
	if (!strcmp(kind, "sums") || !strcmp(kind, "package") || !strcmp(kind, "iso") ||
	    strstr(JS(a, "path"), "/signed/"))
		return "signed (SHA256SUMS.p7s)";
	return "unsigned";
}

static void
artifacts(struct web_out *out, json_t *job)
{
	struct strbuf *sb = &out->body;
	json_t *arts = json_object_get(job, "artifacts"), *a;
	size_t i;

	strbuf_adds(sb, "<h2>Artifacts</h2>\n<table id=\"artifacts\"><tr><th>file</th><th>kind</th>"
		    "<th>size</th><th>SHA-256</th><th>signature</th></tr>\n");
	json_array_foreach(arts, i, a) {
		strbuf_adds(sb, "<tr><td>");
		html_link(out, JS(a, "path"), JS(a, "path"));
		strbuf_adds(sb, "</td><td>");
		html_txt(sb, JS(a, "kind"));
		strbuf_addf(sb, "</td><td>%ld</td><td class=\"mono\">", JI(a, "size"));
		html_txt(sb, JS(a, "sha256"));
		strbuf_adds(sb, "</td><td>");
		html_txt(sb, signature(arts, a));
		strbuf_adds(sb, "</td></tr>\n");
	}
	strbuf_adds(sb, "</table>\n");
}

static void
measurements(struct strbuf *sb, json_t *job)
{
	json_t *ms = json_object_get(job, "measurements"), *m;
	size_t i;

	strbuf_adds(sb, "<h2>Measurements</h2>\n<table id=\"measurements\"><tr><th>step</th>"
		    "<th>metric</th><th>value</th><th>unit</th></tr>\n");
	json_array_foreach(ms, i, m) {
		strbuf_adds(sb, "<tr><td>");
		html_txt(sb, JS(m, "step"));
		strbuf_adds(sb, "</td><td>");
		html_txt(sb, JS(m, "metric"));
		strbuf_addf(sb, "</td><td>%g</td><td>",
			    json_number_value(json_object_get(m, "value")));
		html_txt(sb, JS(m, "unit"));
		strbuf_adds(sb, "</td></tr>\n");
	}
	strbuf_adds(sb, "</table>\n");
}

int
web_job(struct db *db, struct web_out *out, char **args)
{
	long flight = web_flight_arg(args[0]), prev, next;
	const char *jobname = args[1];
	struct db_flight_info info;
	struct strbuf *sb = &out->body;
	json_t *job, *steps, *s;
	char *title;
	size_t i;

	if (!flight || db_flight_exists(db, flight) != 1)
		return web_not_found(out, "no flight '%s'", args[0]);
	if (db_flight_info(db, flight, &info) < 0)
		return -1;
	job = db_job_json(db, flight, jobname);
	if (!job) {
		db_flight_info_release(&info);
		return web_not_found(out, "flight %ld has no job '%s'", flight, jobname);
	}
	if (db_job_neighbours(db, info.branch, flight, jobname, &prev, &next) < 0) {
		json_decref(job);
		db_flight_info_release(&info);
		return -1;
	}
	out->finished = info.finished != 0;
	out->refresh = !info.finished;
	out->last_modified = info.finished;
	title = xasprintf("flight %ld job %s", flight, jobname);
	html_head(out, title);
	free(title);

	strbuf_adds(sb, "<p>");
	html_linkf(out, "flight", "flight/%ld.html", flight);
	strbuf_adds(sb, " | ");
	if (prev)
		html_linkf(out, "previous flight", "flight/%ld/%s.html", prev, jobname);
	else
		strbuf_adds(sb, "no previous flight");
	strbuf_adds(sb, " | ");
	if (next)
		html_linkf(out, "next flight", "flight/%ld/%s.html", next, jobname);
	else
		strbuf_adds(sb, "no next flight");
	strbuf_adds(sb, " | ");
	html_linkf(out, "history", "history/%s/%s.html", info.branch, jobname);
	strbuf_adds(sb, "</p>\n<table><tr><th>status</th>");
	html_status_td(sb, JS(job, "status"));
	html_txt(sb, JS(job, "status"));
	strbuf_adds(sb, "</td></tr>\n<tr><th>host</th><td>");
	if (JS(job, "host"))
		html_linkf(out, JS(job, "host"), "host/%s.html", JS(job, "host"));
	strbuf_adds(sb, "</td></tr>\n<tr><th>note</th><td>");
	html_txt(sb, JS(job, "note"));
	strbuf_adds(sb, "</td></tr>\n<tr><th>duration</th><td>");
	html_duration(sb, JI(job, "started"), JI(job, "finished"));
	strbuf_adds(sb, "</td></tr>\n</table>\n");

	strbuf_adds(sb, "<h2>Steps</h2>\n<table id=\"steps\"><tr><th>#</th><th>step</th>"
		    "<th>function</th><th>status</th><th>started</th><th>duration</th>"
		    "<th>note</th><th>log</th></tr>\n");
	steps = json_object_get(job, "steps");
	json_array_foreach(steps, i, s) {
		strbuf_addf(sb, "<tr><td>%02ld</td><td>", JI(s, "stepno"));
		html_txt(sb, JS(s, "testid"));
		strbuf_adds(sb, "</td><td>");
		html_txt(sb, JS(s, "step"));
		strbuf_adds(sb, "</td>");
		html_status_td(sb, JS(s, "status"));
		html_txt(sb, JS(s, "status"));
		strbuf_adds(sb, "</td><td>");
		html_time(sb, JI(s, "started"));
		strbuf_adds(sb, "</td><td>");
		html_duration(sb, JI(s, "started"), JI(s, "finished"));
		strbuf_adds(sb, "</td><td>");
		html_txt(sb, JS(s, "note"));
		strbuf_adds(sb, "</td><td>");
		html_link(out, JS(s, "log"), "log");
		strbuf_adds(sb, "</td></tr>\n");
	}
	strbuf_adds(sb, "</table>\n");
	runvars(sb, job, 0, "Runvars set at creation");
	runvars(sb, job, 1, "Runvars set while running");
	artifacts(out, job);
	measurements(sb, job);
	html_foot(out);
	json_decref(job);
	db_flight_info_release(&info);
	return 0;
}
