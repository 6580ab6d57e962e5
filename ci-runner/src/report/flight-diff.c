#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "db.h"
#include "flight-diff.h"
#include "status.h"
#include "util.h"

/* NULL sorts before any string (a job's own status before its steps'). */
static int
cmp_str(const char *x, const char *y)
{
	if (!x || !y)
		return !!x - !!y;
	return strcmp(x, y);
}

static int
cmp3(const char *x1, const char *x2, const char *x3, const char *y1, const char *y2,
     const char *y3)
{
	int c = cmp_str(x1, y1);

	if (!c)
		c = cmp_str(x2, y2);
	if (!c)
		c = cmp_str(x3, y3);
	return c;
}

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static int
is_revision_name(const char *name)
{
	return !strncmp(name, "revision_", 9) || !strncmp(name, "built_revision_", 15);
}

static int
has_job(const struct db_diff_flight *f, const char *job)
{
	int lo = 0, hi = f->njobs;

	/* Jobs come sorted by name (db_diff_flight). */
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2, c = strcmp(f->jobs[mid].job, job);

		if (!c)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

double
flight_diff_median(const double *sorted, int n)
{
	return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/* Revisions: one (name, values) a runvar name, values distinct and sorted. */
struct rev_pair {
	const char *name;
	const char *value;
};

static int
cmp_rev_pair(const void *x, const void *y)
{
	const struct rev_pair *p = x, *q = y;
	int c = strcmp(p->name, q->name);

	return c ? c : strcmp(p->value, q->value);
}

/* The flight's revisions as revision entries with only side a filled. */
static struct fdiff_revision *
collect_revisions(const struct db_diff_flight *f, int *count)
{
	struct rev_pair *pairs = xcalloc((size_t)f->nrunvars + 1, sizeof(*pairs));
	struct fdiff_revision *out = NULL;
	int i, np = 0, n = 0;

	for (i = 0; i < f->nrunvars; i++)
		if (is_revision_name(f->runvars[i].name) && f->runvars[i].value[0]) {
			pairs[np].name = f->runvars[i].name;
			pairs[np++].value = f->runvars[i].value;
		}
	qsort(pairs, (size_t)np, sizeof(*pairs), cmp_rev_pair);
	for (i = 0; i < np; i++) {
		if (i && !strcmp(pairs[i].name, pairs[i - 1].name)) {
			char *joined;

			if (!strcmp(pairs[i].value, pairs[i - 1].value))
				continue;
			joined = xasprintf("%s %s", out[n - 1].a, pairs[i].value);
			free(out[n - 1].a);
			out[n - 1].a = joined;
			continue;
		}
		out = xrealloc(out, sizeof(*out) * (size_t)(n + 1));
		out[n].name = xstrdup(pairs[i].name);
		out[n].a = xstrdup(pairs[i].value);
		out[n++].b = NULL;
	}
	free(pairs);
	*count = n;
	return out;
}

static int
cmp_revision(const void *x, const void *y)
{
	const struct fdiff_revision *p = x, *q = y;
	int c = strcmp(p->tree, q->tree);

	return c ? c : p->built - q->built;
}

static void
diff_revisions(struct flight_diff *d, const struct db_diff_flight *a,
	       const struct db_diff_flight *b)
{
	struct fdiff_revision *ra, *rb;
	int na, nb, i = 0, j = 0;

	ra = collect_revisions(a, &na);
	rb = collect_revisions(b, &nb);
	d->revisions = xcalloc((size_t)(na + nb) + 1, sizeof(*d->revisions));
	while (i < na || j < nb) {
		struct fdiff_revision *r = &d->revisions[d->nrevisions++];
		int c = i >= na ? 1 : j >= nb ? -1 : strcmp(ra[i].name, rb[j].name);

		if (c <= 0) {
			*r = ra[i++];
			if (c == 0) {
				r->b = rb[j].a;
				free(rb[j++].name);
			}
		} else {
			r->name = rb[j].name;
			r->a = NULL;
			r->b = rb[j++].a;
		}
	}
	free(ra);
	free(rb);
	for (i = 0; i < d->nrevisions; i++) {
		struct fdiff_revision *r = &d->revisions[i];

		r->built = !strncmp(r->name, "built_", 6);
		r->tree = r->name + (r->built ? 15 : 9);
	}
	if (d->nrevisions)
		qsort(d->revisions, (size_t)d->nrevisions, sizeof(*d->revisions), cmp_revision);
}

static void
add_status(struct flight_diff *d, int *cap, const char *job, const char *testid,
	   const char *sa, const char *sb)
{
	struct fdiff_status *s;

	if (d->nstatuses == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		d->statuses = xrealloc(d->statuses, sizeof(*d->statuses) * (size_t)*cap);
	}
	s = &d->statuses[d->nstatuses++];
	s->job = xstrdup(job);
	s->testid = dup_or_null(testid);
	s->a = sa;
	s->b = sb;
}

static int
cmp_status_entry(const void *x, const void *y)
{
	const struct fdiff_status *p = x, *q = y;
	int c = strcmp(p->job, q->job);

	return c ? c : cmp_str(p->testid, q->testid);
}

static void
diff_statuses(struct flight_diff *d, const struct db_diff_flight *a,
	      const struct db_diff_flight *b)
{
	int i = 0, j = 0, cap = 0;

	while (i < a->njobs || j < b->njobs) {
		int c = i >= a->njobs ? 1 : j >= b->njobs ? -1
			: strcmp(a->jobs[i].job, b->jobs[j].job);

		if (c < 0) {
			add_status(d, &cap, a->jobs[i].job, NULL, status_name(a->jobs[i].status), NULL);
			i++;
		} else if (c > 0) {
			add_status(d, &cap, b->jobs[j].job, NULL, NULL, status_name(b->jobs[j].status));
			j++;
		} else {
			if (a->jobs[i].status != b->jobs[j].status)
				add_status(d, &cap, a->jobs[i].job, NULL, status_name(a->jobs[i].status),
					   status_name(b->jobs[j].status));
			i++;
			j++;
		}
	}
	i = j = 0;
	while (i < a->nsteps || j < b->nsteps) {
		const struct db_diff_step *sa = i < a->nsteps ? &a->steps[i] : NULL;
		const struct db_diff_step *sb = j < b->nsteps ? &b->steps[j] : NULL;
		int c = !sa ? 1 : !sb ? -1 : cmp3(sa->job, sa->testid, NULL, sb->job, sb->testid, NULL);

		if (c < 0) {
			/* A job in one flight only is listed as a job, not step by step. */
			if (has_job(b, sa->job))
				add_status(d, &cap, sa->job, sa->testid, status_name(sa->status), NULL);
			i++;
		} else if (c > 0) {
			if (has_job(a, sb->job))
				add_status(d, &cap, sb->job, sb->testid, NULL, status_name(sb->status));
			j++;
		} else {
			if (sa->status != sb->status)
				add_status(d, &cap, sa->job, sa->testid, status_name(sa->status),
					   status_name(sb->status));
			i++;
			j++;
		}
	}
	if (d->nstatuses)
		qsort(d->statuses, (size_t)d->nstatuses, sizeof(*d->statuses), cmp_status_entry);
}

static void
add_runvar(struct flight_diff *d, int *cap, const struct db_diff_runvar *ra,
	   const struct db_diff_runvar *rb)
{
	const struct db_diff_runvar *r = ra ? ra : rb;
	struct fdiff_runvar *v;

	if (d->nrunvars == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		d->runvars = xrealloc(d->runvars, sizeof(*d->runvars) * (size_t)*cap);
	}
	v = &d->runvars[d->nrunvars++];
	v->job = xstrdup(r->job);
	v->name = xstrdup(r->name);
	v->a = ra ? xstrdup(ra->value) : NULL;
	v->b = rb ? xstrdup(rb->value) : NULL;
	v->synth = (ra && ra->synth) || (rb && rb->synth);
}

static void
diff_runvars(struct flight_diff *d, const struct db_diff_flight *a,
	     const struct db_diff_flight *b)
{
	int i = 0, j = 0, cap = 0;

	while (i < a->nrunvars || j < b->nrunvars) {
		const struct db_diff_runvar *ra = i < a->nrunvars ? &a->runvars[i] : NULL;
		const struct db_diff_runvar *rb = j < b->nrunvars ? &b->runvars[j] : NULL;
		int c = !ra ? 1 : !rb ? -1 : cmp3(ra->job, ra->name, NULL, rb->job, rb->name, NULL);

		if (c < 0) {
			if (!is_revision_name(ra->name) && has_job(b, ra->job))
				add_runvar(d, &cap, ra, NULL);
			i++;
		} else if (c > 0) {
			if (!is_revision_name(rb->name) && has_job(a, rb->job))
				add_runvar(d, &cap, NULL, rb);
			j++;
		} else {
			if (!is_revision_name(ra->name) &&
			    (strcmp(ra->value, rb->value) || ra->synth != rb->synth))
				add_runvar(d, &cap, ra, rb);
			i++;
			j++;
		}
	}
}

/* The run of measurements from *i with the same job, step and metric. */
static int
measure_group(const struct db_diff_flight *f, int i)
{
	int n = 1;

	while (i + n < f->nmeasures &&
	       !cmp3(f->measures[i].job, f->measures[i].testid, f->measures[i].metric,
		     f->measures[i + n].job, f->measures[i + n].testid, f->measures[i + n].metric))
		n++;
	return n;
}

static double
group_median(const struct db_diff_flight *f, int i, int n)
{
	double *v = xcalloc((size_t)n, sizeof(*v));
	double m;
	int k;

	/* Sorted by value already (db_diff_flight), within the group. */
	for (k = 0; k < n; k++)
		v[k] = f->measures[i + k].value;
	m = flight_diff_median(v, n);
	free(v);
	return m;
}

static void
diff_measures(struct flight_diff *d, const struct db_diff_flight *a,
	      const struct db_diff_flight *b)
{
	int i = 0, j = 0, cap = 0;

	while (i < a->nmeasures || j < b->nmeasures) {
		const struct db_diff_measure *ma = i < a->nmeasures ? &a->measures[i] : NULL;
		const struct db_diff_measure *mb = j < b->nmeasures ? &b->measures[j] : NULL;
		const struct db_diff_measure *m;
		struct fdiff_measure *out;
		int c = !ma ? 1 : !mb ? -1
			: cmp3(ma->job, ma->testid, ma->metric, mb->job, mb->testid, mb->metric);

		if (d->nmeasures == cap) {
			cap = cap ? cap * 2 : 16;
			d->measures = xrealloc(d->measures, sizeof(*d->measures) * (size_t)cap);
		}
		out = &d->measures[d->nmeasures++];
		memset(out, 0, sizeof(*out));
		m = c <= 0 ? ma : mb;
		out->job = xstrdup(m->job);
		out->testid = xstrdup(m->testid);
		out->metric = xstrdup(m->metric);
		out->unit = xstrdup(c >= 0 ? mb->unit : ma->unit);
		if (c <= 0) {
			out->na = measure_group(a, i);
			out->a = group_median(a, i, out->na);
			i += out->na;
		}
		if (c >= 0) {
			out->nb = measure_group(b, j);
			out->b = group_median(b, j, out->nb);
			j += out->nb;
		}
		if (out->na && out->nb && out->a != 0) {
			out->has_change = 1;
			out->change = (out->b - out->a) / (out->a < 0 ? -out->a : out->a) * 100;
		}
	}
}

static void
flight_of(struct fdiff_flight *out, const struct db_diff_flight *f)
{
	out->flight = f->flight;
	out->branch = dup_or_null(f->branch);
	out->blessing = dup_or_null(f->blessing);
	out->recipe = dup_or_null(f->recipe);
}

struct flight_diff *
flight_diff(const struct db_diff_flight *a, const struct db_diff_flight *b)
{
	struct flight_diff *d = xcalloc(1, sizeof(*d));

	flight_of(&d->a, a);
	flight_of(&d->b, b);
	diff_revisions(d, a, b);
	diff_statuses(d, a, b);
	diff_runvars(d, a, b);
	diff_measures(d, a, b);
	return d;
}

void
flight_diff_free(struct flight_diff *d)
{
	int i;

	if (!d)
		return;
	free(d->a.branch);
	free(d->a.blessing);
	free(d->a.recipe);
	free(d->b.branch);
	free(d->b.blessing);
	free(d->b.recipe);
	for (i = 0; i < d->nrevisions; i++) {
		free(d->revisions[i].name);
		free(d->revisions[i].a);
		free(d->revisions[i].b);
	}
	for (i = 0; i < d->nstatuses; i++) {
		free(d->statuses[i].job);
		free(d->statuses[i].testid);
	}
	for (i = 0; i < d->nrunvars; i++) {
		free(d->runvars[i].job);
		free(d->runvars[i].name);
		free(d->runvars[i].a);
		free(d->runvars[i].b);
	}
	for (i = 0; i < d->nmeasures; i++) {
		free(d->measures[i].job);
		free(d->measures[i].testid);
		free(d->measures[i].metric);
		free(d->measures[i].unit);
	}
	free(d->revisions);
	free(d->statuses);
	free(d->runvars);
	free(d->measures);
	free(d);
}

/* Text: one section a kind, one line a change, labels padded to a column. */

static int
max_int(int x, int y)
{
	return x > y ? x : y;
}

static void
add_label(struct strbuf *out, int width, const char *a, const char *b, const char *c)
{
	char *label = xasprintf("%s%s%s%s%s", a, b ? " " : "", b ? b : "", c ? " " : "",
				c ? c : "");

	strbuf_addf(out, "  %-*s  ", width, label);
	free(label);
}

static int
label_len(const char *a, const char *b, const char *c)
{
	return (int)(strlen(a) + (b ? strlen(b) + 1 : 0) + (c ? strlen(c) + 1 : 0));
}

static const char *
or_absent(const char *s)
{
	return s ? s : "(absent)";
}

static void
add_flight_line(struct strbuf *out, const char *side, const struct fdiff_flight *f)
{
	strbuf_addf(out, "  %s  flight %ld: branch %s, %s, recipe %s\n", side, f->flight,
		    f->branch ? f->branch : "-", f->blessing ? f->blessing : "-",
		    f->recipe ? f->recipe : "-");
}

void
flight_diff_text(const struct flight_diff *d, struct strbuf *out)
{
	int i, w;

	strbuf_addf(out, "flight diff %ld -> %ld\n", d->a.flight, d->b.flight);
	add_flight_line(out, "A", &d->a);
	add_flight_line(out, "B", &d->b);

	strbuf_adds(out, "\nrevisions:\n");
	for (i = w = 0; i < d->nrevisions; i++)
		w = max_int(w, label_len(d->revisions[i].tree, d->revisions[i].built ? "(built)" : NULL,
					 NULL));
	for (i = 0; i < d->nrevisions; i++) {
		const struct fdiff_revision *r = &d->revisions[i];

		add_label(out, w, r->tree, r->built ? "(built)" : NULL, NULL);
		if (r->a && r->b && !strcmp(r->a, r->b))
			strbuf_addf(out, "%s (same)\n", r->a);
		else
			strbuf_addf(out, "%s -> %s\n", or_absent(r->a), or_absent(r->b));
	}
	if (!d->nrevisions)
		strbuf_adds(out, "  (none recorded)\n");

	strbuf_adds(out, "\nstatus changes:\n");
	for (i = w = 0; i < d->nstatuses; i++)
		w = max_int(w, label_len(d->statuses[i].job, d->statuses[i].testid, NULL));
	for (i = 0; i < d->nstatuses; i++) {
		const struct fdiff_status *s = &d->statuses[i];

		add_label(out, w, s->job, s->testid, NULL);
		strbuf_addf(out, "%s -> %s\n", or_absent(s->a), or_absent(s->b));
	}
	if (!d->nstatuses)
		strbuf_adds(out, "  (none)\n");

	strbuf_adds(out, "\nrunvars:\n");
	for (i = w = 0; i < d->nrunvars; i++)
		w = max_int(w, label_len(d->runvars[i].job, d->runvars[i].name,
					 d->runvars[i].synth ? "(synth)" : NULL));
	for (i = 0; i < d->nrunvars; i++) {
		const struct fdiff_runvar *r = &d->runvars[i];

		add_label(out, w, r->job, r->name, r->synth ? "(synth)" : NULL);
		strbuf_addf(out, "%s -> %s\n", or_absent(r->a), or_absent(r->b));
	}
	if (!d->nrunvars)
		strbuf_adds(out, "  (none)\n");

	strbuf_adds(out, "\nmeasurements:\n");
	for (i = w = 0; i < d->nmeasures; i++)
		w = max_int(w, label_len(d->measures[i].job, d->measures[i].testid,
					 d->measures[i].metric));
	for (i = 0; i < d->nmeasures; i++) {
		const struct fdiff_measure *m = &d->measures[i];
		char va[64], vb[64];

		add_label(out, w, m->job, m->testid, m->metric);
		snprintf(va, sizeof(va), "%g", m->a);
		snprintf(vb, sizeof(vb), "%g", m->b);
		strbuf_addf(out, "%s -> %s %s", m->na ? va : "(absent)", m->nb ? vb : "(absent)",
			    m->unit);
		if (m->has_change)
			strbuf_addf(out, "  %+.1f%%", m->change);
		if (m->na > 1 || m->nb > 1)
			strbuf_addf(out, "  (median of %d / %d)", m->na, m->nb);
		strbuf_adds(out, "\n");
	}
	if (!d->nmeasures)
		strbuf_adds(out, "  (none)\n");
}

static json_t *
str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *
flight_json(const struct fdiff_flight *f)
{
	return json_pack("{s:I, s:o, s:o, s:o}", "flight", (json_int_t)f->flight,
			 "branch", str_or_null(f->branch), "blessing", str_or_null(f->blessing),
			 "recipe", str_or_null(f->recipe));
}

json_t *
flight_diff_json(const struct flight_diff *d)
{
	json_t *obj = json_object(), *arr;
	int i;

	json_object_set_new(obj, "a", flight_json(&d->a));
	json_object_set_new(obj, "b", flight_json(&d->b));
	arr = json_array();
	for (i = 0; i < d->nrevisions; i++) {
		const struct fdiff_revision *r = &d->revisions[i];

		json_array_append_new(arr, json_pack("{s:s, s:s, s:b, s:o, s:o, s:b}", "tree", r->tree,
						     "name", r->name, "built", r->built,
						     "a", str_or_null(r->a), "b", str_or_null(r->b),
						     "changed", cmp_str(r->a, r->b) != 0));
	}
	json_object_set_new(obj, "revisions", arr);
	arr = json_array();
	for (i = 0; i < d->nstatuses; i++) {
		const struct fdiff_status *s = &d->statuses[i];

		json_array_append_new(arr, json_pack("{s:s, s:o, s:o, s:o}", "job", s->job,
						     "step", str_or_null(s->testid),
						     "a", str_or_null(s->a), "b", str_or_null(s->b)));
	}
	json_object_set_new(obj, "statuses", arr);
	arr = json_array();
	for (i = 0; i < d->nrunvars; i++) {
		const struct fdiff_runvar *r = &d->runvars[i];

		json_array_append_new(arr, json_pack("{s:s, s:s, s:o, s:o, s:b}", "job", r->job,
						     "name", r->name, "a", str_or_null(r->a),
						     "b", str_or_null(r->b), "synth", r->synth));
	}
	json_object_set_new(obj, "runvars", arr);
	arr = json_array();
	for (i = 0; i < d->nmeasures; i++) {
		const struct fdiff_measure *m = &d->measures[i];

		json_array_append_new(arr, json_pack(
			"{s:s, s:s, s:s, s:s, s:o, s:o, s:i, s:i, s:o}",
			"job", m->job, "step", m->testid, "metric", m->metric, "unit", m->unit,
			"a", m->na ? json_real(m->a) : json_null(),
			"b", m->nb ? json_real(m->b) : json_null(),
			"count_a", m->na, "count_b", m->nb,
			"change_percent", m->has_change ? json_real(m->change) : json_null()));
	}
	json_object_set_new(obj, "measurements", arr);
	return obj;
}
