/*
 * The flight page: the regressions on top (pvci report's findings, each
 * naming the flight it comes from), the revisions, then a grid of jobs by
 * steps, each cell coloured by the step's status and linking to its log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "pages.h"
#include "util.h"

/* A runvar of the flight's first job that has it (requester, trigger). */
static const char *
flight_runvar(json_t *jobs, const char *name)
{
	size_t i;
	json_t *j;

	json_array_foreach(jobs, i, j) {
		const char *v = JS(json_object_get(j, "runvars"), name);

		if (v)
			return v;
	}
	return NULL;
}

static void
findings(struct web_out *out, json_t *rep, long flight)
{
	struct strbuf *sb = &out->body;
	json_t *rows = json_object_get(rep, "findings"), *r;
	size_t i;

	strbuf_adds(sb, "<h2>Regressions and failures</h2>\n<p>Verdict: <b id=\"verdict\">");
	html_txt(sb, JS(rep, "verdict"));
	strbuf_adds(sb, "</b>. Baseline: ");
	if (JI(json_object_get(rep, "baseline"), "flight"))
		html_linkf(out, JS(json_object_get(rep, "baseline"), "why"), "flight/%ld.html",
			   JI(json_object_get(rep, "baseline"), "flight"));
	else
		html_txt(sb, JS(json_object_get(rep, "baseline"), "why"));
	strbuf_adds(sb, "</p>\n");
	if (!json_array_size(rows)) {
		strbuf_adds(sb, "<p>Every step passed.</p>\n");
		return;
	}
	strbuf_adds(sb, "<table id=\"findings\"><tr><th>job</th><th>step</th><th>status</th>"
		    "<th>finding</th><th>from flight</th><th>blocks the push</th></tr>\n");
	json_array_foreach(rows, i, r) {
		const char *job = JS(r, "job"), *step = JS(r, "step");
		long from = JI(r, "flight");
		char num[32];

		strbuf_adds(sb, "<tr><td>");
		html_linkf(out, job, "flight/%ld/%s.html", flight, job);
		strbuf_adds(sb, "</td><td>");
		html_linkf(out, step, "logs/%ld/%s/%02ld.%s.log", flight, job, JI(r, "stepno"), step);
		strbuf_adds(sb, "</td>");
		html_status_td(sb, JS(r, "status"));
		html_txt(sb, JS(r, "status"));
		strbuf_adds(sb, "</td><td>");
		html_txt(sb, JS(r, "text"));
		if (json_object_get(r, "failing_since")) {
			strbuf_adds(sb, "; ");
			html_txt(sb, JS(json_object_get(r, "failing_since"), "text"));
		}
		strbuf_adds(sb, "</td><td>");
		snprintf(num, sizeof(num), "%ld", from);
		html_linkf(out, from == flight ? "this flight" : num, "flight/%ld.html", from);
		strbuf_adds(sb, json_is_true(json_object_get(r, "blocks"))
			    ? "</td><td class=\"block\">yes</td></tr>\n" : "</td><td>no</td></tr>\n");
	}
	strbuf_adds(sb, "</table>\n");
}

static void
revisions(struct strbuf *sb, json_t *rep)
{
	json_t *this = json_object_get(rep, "revisions");
	json_t *that = json_object_get(rep, "baseline_revisions");
	const char *tree;
	json_t *v;

	strbuf_adds(sb, "<h2>Revisions</h2>\n<table><tr><th>tree</th><th>tested</th>"
		    "<th>baseline</th></tr>\n");
	json_object_foreach(this, tree, v) {
		strbuf_adds(sb, "<tr><td>");
		html_txt(sb, tree);
		strbuf_adds(sb, "</td><td class=\"mono\">");
		html_txt(sb, json_string_value(v));
		strbuf_adds(sb, "</td><td class=\"mono\">");
		html_txt(sb, json_string_value(json_object_get(that, tree)));
		strbuf_adds(sb, "</td></tr>\n");
	}
	strbuf_adds(sb, "</table>\n");
}

/* The steps' names in order of first appearance across the jobs: the grid's columns. */
static json_t *
columns(json_t *jobs)
{
	json_t *cols = json_array(), *j, *s, *c;
	size_t i, k, n;

	json_array_foreach(jobs, i, j) {
		json_array_foreach(json_object_get(j, "steps"), k, s) {
			const char *t = JS(s, "testid");

			json_array_foreach(cols, n, c)
				if (!strcmp(json_string_value(c), t))
					break;
			if (n == json_array_size(cols))
				json_array_append_new(cols, json_string(t));
		}
	}
	return cols;
}

static void
grid(struct web_out *out, long flight, json_t *jobs)
{
	struct strbuf *sb = &out->body;
	json_t *cols = columns(jobs), *j, *c, *s = NULL;
	size_t i, k, n;

	strbuf_adds(sb, "<h2>Jobs</h2>\n<table id=\"grid\"><tr><th>job</th><th>status</th>"
		    "<th>host</th><th>duration</th>");
	json_array_foreach(cols, k, c) {
		strbuf_adds(sb, "<th>");
		html_txt(sb, json_string_value(c));
		strbuf_adds(sb, "</th>");
	}
	strbuf_adds(sb, "</tr>\n");
	json_array_foreach(jobs, i, j) {
		const char *job = JS(j, "job");
		json_t *steps = json_object_get(j, "steps");

		strbuf_adds(sb, "<tr><td>");
		html_linkf(out, job, "flight/%ld/%s.html", flight, job);
		strbuf_adds(sb, "</td>");
		html_status_td(sb, JS(j, "status"));
		html_txt(sb, JS(j, "status"));
		strbuf_adds(sb, "</td><td>");
		if (JS(j, "host"))
			html_linkf(out, JS(j, "host"), "host/%s.html", JS(j, "host"));
		strbuf_adds(sb, "</td><td>");
		html_duration(sb, JI(j, "started"), JI(j, "finished"));
		strbuf_adds(sb, "</td>");
		json_array_foreach(cols, k, c) {
			json_array_foreach(steps, n, s)
				if (!strcmp(JS(s, "testid"), json_string_value(c)))
					break;
			if (n == json_array_size(steps)) {
				strbuf_adds(sb, "<td></td>");
				continue;
			}
			html_status_td(sb, JS(s, "status"));
			strbuf_adds(sb, "<a class=\"step\" title=\"");
			html_attr(sb, JS(s, "note") ? JS(s, "note") : JS(s, "status"));
			strbuf_adds(sb, "\" href=\"");
			html_attr(sb, out->root);
			html_attr(sb, JS(s, "log"));
			strbuf_adds(sb, "\">");
			html_txt(sb, JS(s, "status"));
			strbuf_adds(sb, "</a></td>");
		}
		strbuf_adds(sb, "</tr>\n");
	}
	strbuf_adds(sb, "</table>\n");
	json_decref(cols);
}

int
web_flight(struct db *db, struct web_out *out, char **args)
{
	long flight = web_flight_arg(args[0]), finished;
	struct strbuf *sb = &out->body;
	json_t *f, *rep, *jobs;
	const char *branch, *v;
	char *title;

	if (!flight || db_flight_exists(db, flight) != 1)
		return web_not_found(out, "no flight '%s'", args[0]);
	f = db_flight_json(db, flight);
	if (!f)
		return -1;
	rep = web_report(db, flight);
	if (!rep) {
		json_decref(f);
		return -1;
	}
	jobs = json_object_get(f, "jobs");
	branch = JS(f, "branch");
	finished = JI(f, "finished");
	out->finished = finished != 0;
	out->refresh = !finished;
	out->last_modified = finished ? finished : 0;
	title = xasprintf("flight %ld %s %s", flight, branch, JS(f, "blessing"));
	html_head(out, title);
	free(title);

	strbuf_adds(sb, "<table id=\"summary\"><tr><th>branch</th><td>");
	html_linkf(out, branch, "trends/%s.html", branch);
	strbuf_adds(sb, "</td></tr>\n<tr><th>blessing</th><td>");
	html_txt(sb, JS(f, "blessing"));
	strbuf_adds(sb, "</td></tr>\n<tr><th>recipe</th><td>");
	html_txt(sb, JS(f, "recipe"));
	if ((v = flight_runvar(jobs, "requester"))) {
		strbuf_adds(sb, "</td></tr>\n<tr><th>requester</th><td>");
		html_txt(sb, v);
	}
	if ((v = flight_runvar(jobs, "trigger"))) {
		strbuf_adds(sb, "</td></tr>\n<tr><th>trigger</th><td>");
		html_txt(sb, v);
	}
	strbuf_adds(sb, "</td></tr>\n<tr><th>created</th><td>");
	html_time(sb, JI(f, "created"));
	strbuf_adds(sb, "</td></tr>\n<tr><th>started</th><td>");
	html_time(sb, JI(f, "started"));
	strbuf_adds(sb, "</td></tr>\n<tr><th>finished</th><td>");
	if (finished)
		html_time(sb, finished);
	else
		strbuf_adds(sb, "still running (this page reloads itself)");
	strbuf_adds(sb, "</td></tr>\n<tr><th>duration</th><td>");
	html_duration(sb, JI(f, "started"), finished);
	strbuf_adds(sb, "</td></tr>\n</table>\n");
	if (JI(json_object_get(rep, "baseline"), "flight")) {
		strbuf_adds(sb, "<p>");
		html_linkf(out, "what changed since the baseline", "diff/%ld/%ld.html",
			   JI(json_object_get(rep, "baseline"), "flight"), flight);
		strbuf_adds(sb, "</p>\n");
	}
	findings(out, rep, flight);
	revisions(sb, rep);
	grid(out, flight, jobs);
	html_foot(out);
	json_decref(rep);
	json_decref(f);
	return 0;
}
