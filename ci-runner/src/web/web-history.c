/*
 * History pages: a job on a branch over its last 100 flights, and the
 * jobs a host ran. A cell of the failing step, host or revisions columns
 * is marked where its value differs from the flight before.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "pages.h"
#include "util.h"

#define HISTORY_FLIGHTS 100

/* A cell of column key, marked when it differs from the older row's. */
static void
cell(struct strbuf *sb, json_t *rows, size_t i, const char *key)
{
	const char *v = JS(json_array_get(rows, i), key);
	json_t *older = json_array_get(rows, i + 1);
	const char *o = older ? JS(older, key) : v;
	int changed = (v == NULL) != (o == NULL) || (v && o && strcmp(v, o));

	strbuf_adds(sb, changed ? "<td class=\"changed\" style=\"background:#fff3b0\">" : "<td>");
	html_txt(sb, v ? v : "");
	strbuf_adds(sb, "</td>");
}

static int
history(struct db *db, struct web_out *out, const char *branch, const char *job,
	const char *host)
{
	struct strbuf *sb = &out->body;
	json_t *rows = db_job_history_json(db, branch, job, host, HISTORY_FLIGHTS), *r;
	char *title, num[32];
	size_t i;

	if (!rows)
		return -1;
	if (!json_array_size(rows)) {
		json_decref(rows);
		return host ? web_not_found(out, "no job ran on host '%s'", host)
			    : web_not_found(out, "no job '%s' on branch '%s'", job, branch);
	}
	title = host ? xasprintf("host %s", host) : xasprintf("%s on %s", job, branch);
	html_head(out, title);
	free(title);
	strbuf_adds(sb, "<table id=\"history\"><tr><th>flight</th>");
	if (host)
		strbuf_adds(sb, "<th>branch</th><th>job</th>");
	strbuf_adds(sb, "<th>started</th><th>status</th><th>failing step</th><th>host</th>"
		    "<th>revisions</th></tr>\n");
	json_array_foreach(rows, i, r) {
		long flight = JI(r, "flight");

		snprintf(num, sizeof(num), "%ld", flight);
		strbuf_adds(sb, "<tr><td>");
		html_linkf(out, num, "flight/%ld/%s.html", flight, host ? JS(r, "job") : job);
		strbuf_adds(sb, "</td>");
		if (host) {
			strbuf_adds(sb, "<td>");
			html_txt(sb, JS(r, "branch"));
			strbuf_adds(sb, "</td><td>");
			html_txt(sb, JS(r, "job"));
			strbuf_adds(sb, "</td>");
		}
		strbuf_adds(sb, "<td>");
		html_time(sb, JI(r, "started"));
		strbuf_adds(sb, "</td>");
		html_status_td(sb, JS(r, "status"));
		html_txt(sb, JS(r, "status"));
		strbuf_adds(sb, "</td>");
		cell(sb, rows, i, "failing_step");
		cell(sb, rows, i, "host");
		cell(sb, rows, i, "revisions");
		strbuf_adds(sb, "</tr>\n");
	}
	strbuf_adds(sb, "</table>\n");
	html_foot(out);
	json_decref(rows);
	return 0;
}

int
web_history(struct db *db, struct web_out *out, char **args)
{
	return history(db, out, args[0], args[1], NULL);
}

int
web_host(struct db *db, struct web_out *out, char **args)
{
	return history(db, out, NULL, NULL, args[0]);
}
