/*
 * Regressions: the open ones per branch with "failing since", the recently
 * fixed ones; and pvci flight diff A B as a page (report/flight-diff.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "flight-diff.h"
#include "pages.h"
#include "report.h"
#include "util.h"

#define FIXED_SHOWN 50

static void
flight_cell(struct web_out *out, long flight)
{
	char num[32];

	strbuf_adds(&out->body, "<td>");
	if (flight) {
		snprintf(num, sizeof(num), "%ld", flight);
		html_linkf(out, num, "flight/%ld.html", flight);
	} else
		strbuf_adds(&out->body, "-");
	strbuf_adds(&out->body, "</td>");
}

static void
reg_row(struct web_out *out, const struct db_regression *r, long now)
{
	struct strbuf *sb = &out->body;
	char *since = report_failing_since(r->first_fail, r->opened, now, r->nflights);

	strbuf_adds(sb, "<tr><td>");
	html_txt(sb, r->branch);
	strbuf_adds(sb, "</td><td>");
	html_linkf(out, r->job, "history/%s/%s.html", r->branch, r->job);
	strbuf_adds(sb, "</td><td>");
	html_txt(sb, r->testid);
	strbuf_adds(sb, "</td><td>");
	html_txt(sb, since);
	strbuf_adds(sb, "</td>");
	flight_cell(out, r->last_pass);
	flight_cell(out, r->first_fail);
	flight_cell(out, r->last_fail);
	if (r->fixed_in)
		flight_cell(out, r->fixed_in);
	strbuf_adds(sb, "</tr>\n");
	free(since);
}

int
web_regressions(struct db *db, struct web_out *out, char **args)
{
	struct strbuf *sb = &out->body;
	struct db_regression *r;
	long now = (long)time(NULL);
	int n, i, shown = 0;

	(void)args;
	if (db_regressions_list(db, NULL, 1, &r, &n) < 0)
		return -1;
	html_head(out, "regressions");
	strbuf_adds(sb, "<h2>Open</h2>\n<table id=\"open\"><tr><th>branch</th><th>job</th>"
		    "<th>step</th><th>failing since</th><th>last pass</th><th>first fail</th>"
		    "<th>last fail</th></tr>\n");
	for (i = 0; i < n; i++)
		if (!r[i].fixed_in)
			reg_row(out, &r[i], now);
	strbuf_adds(sb, "</table>\n<h2>Fixed recently</h2>\n<table id=\"fixed\"><tr><th>branch"
		    "</th><th>job</th><th>step</th><th>failed</th><th>last pass</th>"
		    "<th>first fail</th><th>last fail</th><th>fixed in</th></tr>\n");
	for (i = n - 1; i >= 0 && shown < FIXED_SHOWN; i--)
		if (r[i].fixed_in) {
			reg_row(out, &r[i], now);
			shown++;
		}
	strbuf_adds(sb, "</table>\n");
	html_foot(out);
	db_regressions_free(r, n);
	return 0;
}

static void
td(struct strbuf *sb, const char *s)
{
	strbuf_adds(sb, "<td>");
	html_txt(sb, s ? s : "-");
	strbuf_adds(sb, "</td>");
}

static void
diff_body(struct web_out *out, const struct flight_diff *d)
{
	struct strbuf *sb = &out->body;
	char num[64];
	int i;

	strbuf_adds(sb, "<h2>Revisions</h2>\n<table id=\"revisions\"><tr><th>runvar</th>"
		    "<th>A</th><th>B</th></tr>\n");
	for (i = 0; i < d->nrevisions; i++) {
		strbuf_adds(sb, "<tr>");
		td(sb, d->revisions[i].name);
		td(sb, d->revisions[i].a);
		td(sb, d->revisions[i].b);
		strbuf_adds(sb, "</tr>\n");
	}
	strbuf_adds(sb, "</table>\n<h2>Statuses</h2>\n<table id=\"statuses\"><tr><th>job</th>"
		    "<th>step</th><th>A</th><th>B</th></tr>\n");
	for (i = 0; i < d->nstatuses; i++) {
		strbuf_adds(sb, "<tr>");
		td(sb, d->statuses[i].job);
		td(sb, d->statuses[i].testid);
		html_status_td(sb, d->statuses[i].a);
		html_txt(sb, d->statuses[i].a ? d->statuses[i].a : "-");
		strbuf_adds(sb, "</td>");
		html_status_td(sb, d->statuses[i].b);
		html_txt(sb, d->statuses[i].b ? d->statuses[i].b : "-");
		strbuf_adds(sb, "</td></tr>\n");
	}
	strbuf_adds(sb, "</table>\n<h2>Runvars</h2>\n<table id=\"runvars\"><tr><th>job</th>"
		    "<th>name</th><th>A</th><th>B</th></tr>\n");
	for (i = 0; i < d->nrunvars; i++) {
		strbuf_adds(sb, "<tr>");
		td(sb, d->runvars[i].job);
		td(sb, d->runvars[i].name);
		td(sb, d->runvars[i].a);
		td(sb, d->runvars[i].b);
		strbuf_adds(sb, "</tr>\n");
	}
	strbuf_adds(sb, "</table>\n<h2>Measurements</h2>\n<table id=\"measures\"><tr><th>job</th>"
		    "<th>step</th><th>metric</th><th>A</th><th>B</th><th>change</th></tr>\n");
	for (i = 0; i < d->nmeasures; i++) {
		const struct fdiff_measure *m = &d->measures[i];

		strbuf_adds(sb, "<tr>");
		td(sb, m->job);
		td(sb, m->testid);
		td(sb, m->metric);
		snprintf(num, sizeof(num), "%g", m->a);
		td(sb, m->na ? num : NULL);
		snprintf(num, sizeof(num), "%g", m->b);
		td(sb, m->nb ? num : NULL);
		snprintf(num, sizeof(num), "%+.1f%%", m->change);
		td(sb, m->has_change ? num : NULL);
		strbuf_adds(sb, "</tr>\n");
	}
	strbuf_adds(sb, "</table>\n");
}

int
web_diff(struct db *db, struct web_out *out, char **args)
{
	long a = web_flight_arg(args[0]), b = web_flight_arg(args[1]);
	struct db_diff_flight *fa, *fb;
	struct flight_diff *d;
	char *title;

	if (!a || !b || db_flight_exists(db, a) != 1 || db_flight_exists(db, b) != 1)
		return web_not_found(out, "no flights '%s' and '%s'", args[0], args[1]);
	fa = db_diff_flight(db, a);
	fb = fa ? db_diff_flight(db, b) : NULL;
	if (!fb) {
		db_diff_flight_free(fa);
		return -1;
	}
	d = flight_diff(fa, fb);
	title = xasprintf("flight %ld to %ld", a, b);
	html_head(out, title);
	free(title);
	strbuf_adds(&out->body, "<p>A: ");
	html_linkf(out, args[0], "flight/%ld.html", a);
	strbuf_adds(&out->body, ", B: ");
	html_linkf(out, args[1], "flight/%ld.html", b);
	strbuf_adds(&out->body, "</p>\n");
	diff_body(out, d);
	html_foot(out);
	flight_diff_free(d);
	db_diff_flight_free(fa);
	db_diff_flight_free(fb);
	return 0;
}
