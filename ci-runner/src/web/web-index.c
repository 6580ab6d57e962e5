/*
 * The index: per branch, the recent flights with their verdict (pvci
 * report's), the tested revisions and the push gate's state, and the
 * branch's SVG badge (badge/BRANCH.svg, for READMEs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "pages.h"
#include "util.h"

#define INDEX_FLIGHTS 10

static const char *
verdict_colour(const char *v)
{
	if (!v)
		return "#9e9e9e";
	if (!strcmp(v, "all pass"))
		return "#2e7d32";
	if (!strcmp(v, "tolerable FAIL"))
		return "#9e9d24";
	if (!strcmp(v, "unfinished"))
		return "#1565c0";
	if (!strncmp(v, "trouble", 7))
		return "#6a1b9a";
	return "#c62828";
}

static int
gate(struct db *db, struct web_out *out, const char *branch)
{
	struct strbuf *sb = &out->body;
	struct db_gate_event last;
	struct db_revision *revs;
	int n, i, blocked;

	blocked = db_gate_blocked(db, branch, &last);
	if (blocked < 0 || db_tested_revisions(db, branch, &revs, &n) < 0) {
		if (blocked > 0)
			db_gate_event_release(&last);
		return -1;
	}
	strbuf_adds(sb, "<p>Push gate: ");
	if (blocked) {
		strbuf_adds(sb, "<b class=\"block\">blocked</b> by ");
		html_txt(sb, last.who);
		strbuf_adds(sb, ": ");
		html_txt(sb, last.reason);
		db_gate_event_release(&last);
	} else
		strbuf_adds(sb, "open");
	strbuf_adds(sb, ". Tested revisions: ");
	if (!n)
		strbuf_adds(sb, "none yet");
	for (i = 0; i < n; i++) {
		if (i)
			strbuf_adds(sb, ", ");
		html_txt(sb, revs[i].tree);
		strbuf_adds(sb, " <span class=\"mono\">");
		html_txt(sb, revs[i].revision);
		strbuf_adds(sb, "</span>");
	}
	strbuf_adds(sb, "</p>\n");
	db_revisions_free(revs, n);
	return 0;
}

static int
branch_flights(struct db *db, struct web_out *out, const char *branch)
{
	struct strbuf *sb = &out->body;
	json_t *list = db_flight_list_json(db, branch, INDEX_FLIGHTS), *f;
	size_t i;

	if (!list)
		return -1;
	strbuf_adds(sb, "<table><tr><th>flight</th><th>blessing</th><th>created</th>"
		    "<th>verdict</th><th>revisions</th><th>jobs</th></tr>\n");
	json_array_foreach(list, i, f) {
		long flight = JI(f, "flight");
		json_t *rep = web_report(db, flight), *revs;
		const char *verdict = rep ? JS(rep, "verdict") : NULL;
		const char *tree, *k;
		char num[32];
		json_t *v;

		strbuf_adds(sb, "<tr><td>");
		snprintf(num, sizeof(num), "%ld", flight);
		html_linkf(out, num, "flight/%ld.html", flight);
		strbuf_adds(sb, "</td><td>");
		html_txt(sb, JS(f, "blessing"));
		strbuf_adds(sb, "</td><td>");
		html_time(sb, JI(f, "created"));
		strbuf_addf(sb, "</td><td style=\"color:%s\">", verdict_colour(verdict));
		html_txt(sb, verdict ? verdict : "(cannot judge)");
		strbuf_adds(sb, "</td><td class=\"mono\">");
		revs = rep ? json_object_get(rep, "revisions") : NULL;
		json_object_foreach(revs, tree, v) {
			html_txt(sb, tree);
			strbuf_adds(sb, "=");
			html_txt(sb, json_string_value(v));
			strbuf_adds(sb, " ");
		}
		strbuf_adds(sb, "</td><td>");
		json_object_foreach(json_object_get(f, "jobs"), k, v) {
			html_txt(sb, k);
			strbuf_addf(sb, " %ld ", (long)json_integer_value(v));
		}
		strbuf_adds(sb, "</td></tr>\n");
		json_decref(rep);
	}
	strbuf_adds(sb, "</table>\n");
	json_decref(list);
	return 0;
}

int
web_index(struct db *db, struct web_out *out, char **args)
{
	struct strbuf *sb = &out->body;
	json_t *branches = db_branches_json(db), *b;
	size_t i;

	(void)args;
	if (!branches)
		return -1;
	html_head(out, "flights by branch");
	if (!json_array_size(branches))
		strbuf_adds(sb, "<p>No flights yet.</p>\n");
	json_array_foreach(branches, i, b) {
		const char *branch = JS(b, "branch");

		strbuf_adds(sb, "<h2>");
		html_txt(sb, branch);
		strbuf_adds(sb, " <img alt=\"status\" src=\"");
		html_attr(sb, out->root);
		strbuf_adds(sb, "badge/");
		html_attr(sb, branch);
		strbuf_adds(sb, ".svg\"></h2>\n<p>");
		html_linkf(out, "trends", "trends/%s.html", branch);
		strbuf_addf(sb, " | %ld flights</p>\n", JI(b, "flights"));
		if (gate(db, out, branch) < 0 || branch_flights(db, out, branch) < 0) {
			json_decref(branches);
			return -1;
		}
	}
	html_foot(out);
	json_decref(branches);
	return 0;
}

int
web_badge(struct db *db, struct web_out *out, char **args)
{
	struct strbuf *sb = &out->body;
	json_t *list = db_flight_list_json(db, args[0], 50), *f, *rep = NULL;
	const char *verdict = NULL;
	size_t i;
	int w1 = 6 * (int)strlen(args[0]) + 12, w2;

	if (!list)
		return -1;
	/* The newest finished real flight: a running one has no verdict yet. */
	json_array_foreach(list, i, f) {
		if (!JI(f, "finished") || strcmp(JS(f, "blessing"), "real"))
			continue;
		rep = web_report(db, JI(f, "flight"));
		verdict = rep ? JS(rep, "verdict") : NULL;
		break;
	}
	if (!json_array_size(list)) {
		json_decref(list);
		return web_not_found(out, "no flights of branch '%s'", args[0]);
	}
	if (!verdict)
		verdict = "no verdict";
	w2 = 6 * (int)strlen(verdict) + 12;
	out->type = "image/svg+xml";
	strbuf_addf(sb, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"20\" "
		    "role=\"img\" aria-label=\"", w1 + w2);
	html_attr(sb, args[0]);
	strbuf_adds(sb, ": ");
	html_attr(sb, verdict);
	strbuf_addf(sb, "\"><rect width=\"%d\" height=\"20\" fill=\"#555\"/>"
		    "<rect x=\"%d\" width=\"%d\" height=\"20\" fill=\"%s\"/>"
		    "<g fill=\"#fff\" font-family=\"Verdana,sans-serif\" font-size=\"10\">"
		    "<text x=\"6\" y=\"14\">", w1, w1, w2, verdict_colour(verdict));
	html_txt(sb, args[0]);
	strbuf_addf(sb, "</text><text x=\"%d\" y=\"14\">", w1 + 6);
	html_txt(sb, verdict);
	strbuf_adds(sb, "</text></g></svg>\n");
	json_decref(rep);
	json_decref(list);
	return 0;
}
