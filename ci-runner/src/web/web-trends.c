/*
 * Trends: per job and metric, an SVG line chart of the branch's real
 * flights (one point per flight: the median of its values), drawn here.
 * The baseline (the flight of the branch's tested revisions) is marked by
 * a dashed line; a point beyond the job's tolerance_METRIC from the median
 * of the TOLERANCE_HISTORY passing flights before it (judge_metric, as
 * pvci report judges) is drawn red as a performance regression.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "flight-diff.h"
#include "judge.h"
#include "pages.h"
#include "tolerance.h"
#include "util.h"

#define W 640
#define H 220
#define ML 60
#define MR 20
#define MT 20
#define MB 30

struct point {
	long flight;
	double value;
	int passed;
	int regressed;
};

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Marks the points beyond the tolerance from the median of the passing ones before. */
static int
judge_points(struct db *db, const char *job, const char *metric, struct point *p, int n)
{
	char *name = xasprintf("%s%s", TOLERANCE_PREFIX, metric), *tv = NULL;
	struct tolerance tol;
	double hist[TOLERANCE_HISTORY];
	int i, k, h, rc;

	/* The newest flight's tolerance: recipes set it per job and metric. */
	rc = db_runvar_read(db, p[n - 1].flight, job, name, &tv);
	free(name);
	if (rc < 0)
		return -1;
	if (rc == 0 || tolerance_parse(tv, &tol) < 0) {
		free(tv);
		return 0;
	}
	free(tv);
	for (i = 0; i < n; i++) {
		struct metric_judgement mj;

		for (h = 0, k = i - 1; k >= 0 && h < TOLERANCE_HISTORY; k--)
			if (p[k].passed)
				hist[h++] = p[k].value;
		if (h && judge_metric(p[i].value, hist, h, &tol, &mj) == 0)
			p[i].regressed = mj.regressed;
	}
	return 0;
}

static void
chart(struct web_out *out, const char *job, const char *metric, const char *unit,
      struct point *p, int n, long baseline)
{
	struct strbuf *sb = &out->body;
	double lo = p[0].value, hi = p[0].value;
	int i;

	for (i = 1; i < n; i++) {
		if (p[i].value < lo)
			lo = p[i].value;
		if (p[i].value > hi)
			hi = p[i].value;
	}
	if (hi == lo) {
		hi += 1;
		lo -= 1;
	}
#define X(i) (ML + (n > 1 ? (double)(i) * (W - ML - MR) / (n - 1) : (W - ML - MR) / 2.0))
#define Y(v) (MT + (hi - (v)) * (H - MT - MB) / (hi - lo))
	strbuf_adds(sb, "<h2>");
	html_txt(sb, job);
	strbuf_adds(sb, ": ");
	html_txt(sb, metric);
	strbuf_adds(sb, " (");
	html_txt(sb, unit);
	strbuf_addf(sb, ")</h2>\n<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
		    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n", W, H, W, H);
	strbuf_addf(sb, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fafafa\" "
		    "stroke=\"#ccc\"/>\n", ML, MT, W - ML - MR, H - MT - MB);
	strbuf_addf(sb, "<text x=\"4\" y=\"%d\" font-size=\"11\">%g</text>\n"
		    "<text x=\"4\" y=\"%d\" font-size=\"11\">%g</text>\n",
		    MT + 10, hi, H - MB, lo);
	for (i = 0; i < n; i++)
		if (p[i].flight == baseline)
			strbuf_addf(sb, "<line class=\"baseline\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" "
				    "y2=\"%d\" stroke=\"#1565c0\" stroke-dasharray=\"4 3\"/>"
				    "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" fill=\"#1565c0\">"
				    "baseline</text>\n", X(i), X(i), MT, H - MB, X(i) + 3, MT + 10);
	strbuf_adds(sb, "<polyline fill=\"none\" stroke=\"#555\" stroke-width=\"1.5\" points=\"");
	for (i = 0; i < n; i++)
		strbuf_addf(sb, "%.1f,%.1f ", X(i), Y(p[i].value));
	strbuf_adds(sb, "\"/>\n");
	for (i = 0; i < n; i++) {
		strbuf_addf(sb, "<a href=\"%sflight/%ld/", out->root, p[i].flight);
		html_attr(sb, job);
		strbuf_addf(sb, ".html\"><circle class=\"pt%s\" data-flight=\"%ld\" cx=\"%.1f\" "
			    "cy=\"%.1f\" r=\"4\" fill=\"%s\"><title>flight %ld: %g ",
			    p[i].regressed ? " perf-regression" : "", p[i].flight, X(i),
			    Y(p[i].value), p[i].regressed ? "#c62828" : "#1565c0",
			    p[i].flight, p[i].value);
		html_txt(sb, unit);
		strbuf_addf(sb, "%s</title></circle></a>\n",
			    p[i].regressed ? " (performance regression)" : "");
		strbuf_addf(sb, "<text x=\"%.1f\" y=\"%d\" font-size=\"9\" text-anchor=\"middle\">"
			    "%ld</text>\n", X(i), H - MB + 12, p[i].flight);
	}
	strbuf_adds(sb, "</svg>\n");
#undef X
#undef Y
}

int
web_trends(struct db *db, struct web_out *out, char **args)
{
	const char *branch = args[0];
	json_t *rows = db_metric_series_json(db, branch), *r;
	struct point *p = NULL;
	double *vals = NULL;
	char *title;
	long baseline;
	size_t i = 0, n = 0, k, nv;
	int rc = -1;

	if (!rows)
		return -1;
	baseline = db_tested_flight(db, branch, LONG_MAX);
	if (baseline < 0)
		goto out;
	title = xasprintf("trends of %s", branch);
	html_head(out, title);
	free(title);
	strbuf_adds(&out->body, "<p>Measurements of the real flights of this branch, one point "
		    "per flight. Dashed: the baseline. Red: a performance regression.</p>\n");
	if (!json_array_size(rows))
		strbuf_adds(&out->body, "<p>No measurements yet.</p>\n");
	p = xcalloc(json_array_size(rows) + 1, sizeof(*p));
	vals = xcalloc(json_array_size(rows) + 1, sizeof(*vals));
	/* Rows come by job, metric, flight: one chart per run of the same job and metric. */
	while (i < json_array_size(rows)) {
		json_t *first = json_array_get(rows, i);
		const char *job = JS(first, "job"), *metric = JS(first, "metric");

		n = 0;
		while (i < json_array_size(rows)) {
			long flight;

			r = json_array_get(rows, i);
			if (strcmp(JS(r, "job"), job) || strcmp(JS(r, "metric"), metric))
				break;
			flight = JI(r, "flight");
			nv = 0;
			p[n].flight = flight;
			p[n].passed = 1;
			p[n].regressed = 0;
			for (k = i; k < json_array_size(rows); k++) {
				json_t *x = json_array_get(rows, k);

				if (JI(x, "flight") != flight || strcmp(JS(x, "job"), job) ||
				    strcmp(JS(x, "metric"), metric))
					break;
				vals[nv++] = json_number_value(json_object_get(x, "value"));
				p[n].passed &= !strcmp(JS(x, "status"), "pass");
			}
			qsort(vals, nv, sizeof(*vals), cmp_double);
			p[n].value = flight_diff_median(vals, (int)nv);
			n++;
			i = k;
		}
		if (judge_points(db, job, metric, p, (int)n) < 0)
			goto out;
		chart(out, job, metric, JS(first, "unit"), p, (int)n, baseline);
	}
	html_foot(out);
	rc = 0;
out:
	free(p);
	free(vals);
	json_decref(rows);
	return rc;
}
