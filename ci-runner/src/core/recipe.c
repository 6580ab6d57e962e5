#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"
#include "recipe.h"
#include "tolerance.h"
#include "util.h"

/* Messages after this many are not printed; one is enough to refuse. */
#define MAX_MESSAGES 20

/*
 * jansson keeps no positions for values, so a scan of the text (valid JSON
 * by then) walks it beside the parsed tree and records where each value
 * and each object key starts, keyed by the json_t (strings, numbers,
 * objects, arrays: each its own allocation) or by the key string jansson
 * stores (the pointer json_object_foreach hands out). true, false and null
 * are shared singletons and have no entry: messages about them point at
 * their key.
 */
struct pos_entry {
	const void *at;
	struct recipe_pos pos;
};

struct pos_index {
	struct pos_entry *v;
	size_t n, cap;
};

struct scan {
	const char *s, *end;
	int line, col;
	struct pos_index *idx;
};

/* Parsing state: where messages point to. */
struct parse {
	const char *path;
	const char *basedir;
	struct pos_index idx;
	int errors;
	size_t rows;		/* runvar rows of the jobs made so far */
	size_t bytes;		/* bytes of their values */
	size_t needs;		/* dependencies of the jobs made so far */
};

static void
pos_add(struct pos_index *idx, const void *at, int line, int col)
{
	if (idx->n == idx->cap) {
		idx->cap = idx->cap ? idx->cap * 2 : 256;
		idx->v = xrealloc(idx->v, sizeof(*idx->v) * idx->cap);
	}
	idx->v[idx->n].at = at;
	idx->v[idx->n].pos.line = line;
	idx->v[idx->n].pos.col = col;
	idx->n++;
}

static int
pos_cmp(const void *a, const void *b)
{
	const struct pos_entry *x = a, *y = b;

	return x->at < y->at ? -1 : x->at > y->at;
}

static struct recipe_pos
pos_of(const struct parse *p, const void *at)
{
	struct pos_entry key = { .at = at }, *e = NULL;
	struct recipe_pos none = { 0, 0 };

	if (at && p->idx.n)
		e = bsearch(&key, p->idx.v, p->idx.n, sizeof(key), pos_cmp);
	return e ? e->pos : none;
}

static void
scan_advance(struct scan *sc)
{
	if (sc->s >= sc->end)
		return;
	if (*sc->s == '\n') {
		sc->line++;
		sc->col = 1;
	} else if (((unsigned char)*sc->s & 0xc0) != 0x80) {
		/* Columns count characters, not the bytes of UTF-8 sequences. */
		sc->col++;
	}
	sc->s++;
}

static void
scan_ws(struct scan *sc)
{
	while (sc->s < sc->end && strchr(" \t\r\n", *sc->s) && *sc->s)
		scan_advance(sc);
}

/* Skips a string token; *start and *len: its text between the quotes. */
static void
scan_string(struct scan *sc, const char **start, size_t *len)
{
	scan_advance(sc);	/* the opening quote */
	*start = sc->s;
	while (sc->s < sc->end && *sc->s != '"') {
		if (*sc->s == '\\')
			scan_advance(sc);
		scan_advance(sc);
	}
	*len = (size_t)(sc->s - *start);
	scan_advance(sc);	/* the closing quote */
}

/* A key as jansson decoded it: escapes (\u0061) are decoded the same way. */
static char *
decode_key(const char *raw, size_t len)
{
	json_error_t jerr;
	json_t *v;
	char *quoted, *key = NULL;

	if (!memchr(raw, '\\', len))
		return xasprintf("%.*s", (int)len, raw);
	quoted = xasprintf("\"%.*s\"", (int)len, raw);
	v = json_loads(quoted, JSON_DECODE_ANY, &jerr);
	if (json_is_string(v))
		key = xstrdup(json_string_value(v));
	json_decref(v);
	free(quoted);
	return key;
}

/* Walks one value of the text beside v; -1 if the two disagree. */
static int
scan_value(struct scan *sc, json_t *v)
{
	const char *raw;
	size_t len, i = 0;

	scan_ws(sc);
	if (sc->s >= sc->end || !v)
		return -1;
	if (!json_is_true(v) && !json_is_false(v) && !json_is_null(v))
		pos_add(sc->idx, v, sc->line, sc->col);
	if (*sc->s == '{') {
		scan_advance(sc);
		for (;;) {
			void *iter;
			char *key;
			int line, col;

			scan_ws(sc);
			if (sc->s >= sc->end)
				return -1;
			if (*sc->s == '}')
				break;
			if (*sc->s == ',') {
				scan_advance(sc);
				continue;
			}
			if (*sc->s != '"')
				return -1;
			line = sc->line;
			col = sc->col;
			scan_string(sc, &raw, &len);
			key = decode_key(raw, len);
			iter = key ? json_object_iter_at(v, key) : NULL;
			free(key);
			if (!iter)
				return -1;
			pos_add(sc->idx, json_object_iter_key(iter), line, col);
			scan_ws(sc);
			if (sc->s >= sc->end || *sc->s != ':')
				return -1;
			scan_advance(sc);
			if (scan_value(sc, json_object_iter_value(iter)) < 0)
				return -1;
		}
		scan_advance(sc);
	} else if (*sc->s == '[') {
		scan_advance(sc);
		for (;;) {
			scan_ws(sc);
			if (sc->s >= sc->end)
				return -1;
			if (*sc->s == ']')
				break;
			if (*sc->s == ',') {
				scan_advance(sc);
				continue;
			}
			if (scan_value(sc, json_array_get(v, i++)) < 0)
				return -1;
		}
		scan_advance(sc);
	} else if (*sc->s == '"') {
		scan_string(sc, &raw, &len);
	} else {
		while (sc->s < sc->end && !strchr(",]} \t\r\n", *sc->s))
			scan_advance(sc);
	}
	return 0;
}

static void
index_positions(struct parse *p, const char *text, size_t len, json_t *root)
{
	struct scan sc = { .s = text, .end = text + len, .line = 1, .col = 1, .idx = &p->idx };

	/* A disagreement leaves the entries found so far: messages lose lines, no more. */
	scan_value(&sc, root);
	qsort(p->idx.v, p->idx.n, sizeof(*p->idx.v), pos_cmp);
}

static void
report(const char *path, struct recipe_pos pos, int nth, const char *fmt, va_list ap)
{
	char msg[1024];

	if (nth == MAX_MESSAGES)
		errorx("%s: more problems; stopping here", path);
	if (nth >= MAX_MESSAGES)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (pos.line)
		errorx("%s:%d:%d: %s", path, pos.line, pos.col, msg);
	else
		errorx("%s: %s", path, msg);
}

static void perr(struct parse *p, const void *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Reports a problem at the value or key at (NULL: the whole file). */
static void
perr(struct parse *p, const void *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(p->path, pos_of(p, at), p->errors, fmt, ap);
	va_end(ap);
	p->errors++;
}

static void perr_pos(struct parse *p, struct recipe_pos pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
perr_pos(struct parse *p, struct recipe_pos pos, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(p->path, pos, p->errors, fmt, ap);
	va_end(ap);
	p->errors++;
}

/* What a message about member key of obj points at: its value, else its key. */
static const void *
at_member(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	void *iter;

	if (v && !json_is_true(v) && !json_is_false(v) && !json_is_null(v))
		return v;
	iter = json_object_iter_at(obj, key);
	return iter ? (const void *)json_object_iter_key(iter) : (const void *)obj;
}

/* Reports keys of obj not in allowed (a NULL-terminated list). */
static void
check_keys(struct parse *p, json_t *obj, const char *where, const char *const *allowed)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		int i, ok = 0;

		for (i = 0; allowed[i]; i++)
			if (strcmp(key, allowed[i]) == 0)
				ok = 1;
		if (!ok)
			perr(p, key, "unknown key '%s' in %s", key, where);
	}
}

struct binding {
	const char *var;
	const char *value;
};

/*
 * Replaces {var} by its value; NULL (reported at at) on an unknown variable
 * or an unbalanced brace.
 */
static char *
expand(struct parse *p, const void *at, const char *tmpl, const struct binding *b, int nb)
{
	struct strbuf sb;
	const char *s = tmpl;

	strbuf_init(&sb);
	while (*s) {
		const char *close;
		int i, found = 0;

		/* "{{" and "}}" stand for literal braces. */
		if ((s[0] == '{' && s[1] == '{') || (s[0] == '}' && s[1] == '}')) {
			strbuf_add(&sb, s, 1);
			s += 2;
			continue;
		}
		if (*s != '{') {
			if (*s == '}') {
				perr(p, at, "unbalanced '}' in '%s'", tmpl);
				strbuf_release(&sb);
				return NULL;
			}
			strbuf_add(&sb, s++, 1);
			continue;
		}
		close = strchr(s, '}');
		if (!close) {
			perr(p, at, "unbalanced '{' in '%s'", tmpl);
			strbuf_release(&sb);
			return NULL;
		}
		for (i = 0; i < nb; i++) {
			if (strlen(b[i].var) == (size_t)(close - s - 1) &&
			    strncmp(b[i].var, s + 1, (size_t)(close - s - 1)) == 0) {
				strbuf_adds(&sb, b[i].value);
				found = 1;
			}
		}
		if (!found) {
			perr(p, at, "unknown matrix variable '%.*s' in '%s'",
			     (int)(close - s - 1), s + 1, tmpl);
			strbuf_release(&sb);
			return NULL;
		}
		s = close + 1;
	}
	return strbuf_detach(&sb);
}

static void
add_runvar(struct recipe_job *job, const char *name, char *value, struct recipe_pos pos,
	   enum runvar_origin origin)
{
	struct runvar *rv;
	size_t n = (size_t)job->nrunvars;

	/* The array doubles when full (n a power of two): no copy per runvar. */
	if ((n & (n - 1)) == 0)
		job->runvars = xrealloc(job->runvars, sizeof(*job->runvars) * (n ? 2 * n : 1));
	rv = &job->runvars[job->nrunvars++];
	rv->name = xstrdup(name);
	rv->value = value;
	rv->pos = pos;
	rv->origin = origin;
}

void
recipe_job_set_runvar(struct recipe_job *job, const char *name, const char *value)
{
	struct recipe_pos none = { 0, 0 };
	int i;

	/* A linear search: creation sets a handful this way, parsing none. */
	for (i = 0; i < job->nrunvars; i++) {
		if (strcmp(job->runvars[i].name, name) == 0) {
			free(job->runvars[i].value);
			job->runvars[i].value = xstrdup(value);
			job->runvars[i].pos = none;
			job->runvars[i].origin = RUNVAR_GIVEN;
			return;
		}
	}
	add_runvar(job, name, xstrdup(value), none, RUNVAR_GIVEN);
}

/* A runvar value from JSON: string, number, boolean, or array of strings. */
static char *
runvar_text(struct parse *p, const char *name, json_t *v, const struct binding *b, int nb)
{
	json_t *arr, *item;
	size_t i;
	char *text;

	if (json_is_string(v))
		return expand(p, v, json_string_value(v), b, nb);
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return xasprintf("%g", json_real_value(v));
	if (json_is_boolean(v))
		return xstrdup(json_is_true(v) ? "true" : "false");
	if (!json_is_array(v)) {
		perr(p, name, "runvar '%s' must be a string, a number, a boolean "
		     "or an array of strings", name);
		return NULL;
	}
	/* An array is an argv; it is kept as its JSON text. */
	arr = json_array();
	json_array_foreach(v, i, item) {
		char *s;

		if (!json_is_string(item)) {
			perr(p, item ? (const void *)item : name,
			     "runvar '%s': every element must be a string", name);
			json_decref(arr);
			return NULL;
		}
		s = expand(p, item, json_string_value(item), b, nb);
		if (!s) {
			json_decref(arr);
			return NULL;
		}
		json_array_append_new(arr, json_string(s));
		free(s);
	}
	text = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	return text;
}

/*
 * Adds the runvars of obj to job. skip (may be NULL) holds names the job
 * sets itself, which win over the recipe's. Names are unique within one
 * object (duplicates are refused when parsing), so no search is needed:
 * 100,000 runvars take as long as reading them.
 */
static int
add_runvars(struct parse *p, struct recipe_job *job, json_t *obj, json_t *skip,
	    enum runvar_origin origin, const struct binding *b, int nb)
{
	const char *name;
	json_t *v;

	if (!obj)
		return 0;
	if (!json_is_object(obj)) {
		perr(p, obj, "'runvars' must be an object");
		return -1;
	}
	json_object_foreach(obj, name, v) {
		char *text;

		if (skip && json_object_get(skip, name))
			continue;
		if (!name_is_valid(name)) {
			perr(p, name, "runvar name '%s' is not made of [A-Za-z0-9._-] "
			     "(at most %d characters)", name, NAME_MAX_LEN);
			continue;
		}
		text = runvar_text(p, name, v, b, nb);
		if (!text)
			return -1;
		p->rows++;
		p->bytes += strlen(text);
		if (p->rows > RECIPE_MAX_RUNVARS || p->bytes > RECIPE_MAX_RUNVAR_BYTES) {
			free(text);
			perr(p, name, "the recipe expands to more than %d runvars or %d MiB "
			     "of runvar values, all jobs together", RECIPE_MAX_RUNVARS,
			     RECIPE_MAX_RUNVAR_BYTES >> 20);
			return -1;
		}
		add_runvar(job, name, text, pos_of(p, name), origin);
	}
	return p->errors ? -1 : 0;
}

static int
str_ptr_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A list of strings, expanded, with the positions of its items; -1 when it is not one. */
static int
string_list(struct parse *p, json_t *tmpl, const char *what, const struct binding *b,
	    int nb, char ***out, struct recipe_pos **pos, int *count)
{
	json_t *arr = json_object_get(tmpl, what), *item;
	char **sorted;
	size_t i;

	*out = NULL;
	*pos = NULL;
	*count = 0;
	if (!arr)
		return 0;
	if (!json_is_array(arr)) {
		perr(p, at_member(tmpl, what), "'%s' must be an array of strings", what);
		return -1;
	}
	if (json_array_size(arr) > RECIPE_MAX_JOBS) {
		perr(p, arr, "'%s' has more than %d items", what, RECIPE_MAX_JOBS);
		return -1;
	}
	*out = xcalloc(json_array_size(arr) + 1, sizeof(char *));
	*pos = xcalloc(json_array_size(arr) + 1, sizeof(**pos));
	json_array_foreach(arr, i, item) {
		char *s;

		if (!json_is_string(item)) {
			perr(p, json_is_true(item) || json_is_false(item) || json_is_null(item) ?
			     (const void *)arr : item, "'%s' must be an array of strings", what);
			return -1;
		}
		s = expand(p, item, json_string_value(item), b, nb);
		if (!s)
			return -1;
		(*pos)[*count] = pos_of(p, item);
		(*out)[(*count)++] = s;
	}
	/* A name twice is a mistake: point at its second occurrence. */
	sorted = xcalloc((size_t)*count + 1, sizeof(char *));
	memcpy(sorted, *out, sizeof(char *) * (size_t)*count);
	qsort(sorted, (size_t)*count, sizeof(char *), str_ptr_cmp);
	for (i = 1; i < (size_t)*count; i++) {
		if (strcmp(sorted[i - 1], sorted[i]) == 0) {
			int k, seen = 0;

			for (k = 0; k < *count; k++)
				if (strcmp((*out)[k], sorted[i]) == 0 && seen++)
					break;
			perr_pos(p, (*pos)[k < *count ? k : 0], "'%s' names '%s' twice", what,
				 sorted[i]);
			free(sorted);
			return -1;
		}
	}
	free(sorted);
	return 0;
}

static const char *const step_keys[] = { "step", "as", "timeout", "always", NULL };

static const struct recipe_step *step_sort_base;

static int
step_index_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	int c = strcmp(step_sort_base[x].testid, step_sort_base[y].testid);

	return c ? c : (x > y) - (x < y);
}

/*
 * The index of the first step (in recipe order) whose name an earlier step
 * already has, or -1. Sorted, not compared pairwise: a job may have 100,000
 * steps.
 */
static int
duplicate_step(const struct recipe_job *job)
{
	int *idx, i, dup = -1;

	if (job->nsteps < 2)
		return -1;
	idx = xcalloc((size_t)job->nsteps, sizeof(*idx));
	for (i = 0; i < job->nsteps; i++)
		idx[i] = i;
	step_sort_base = job->steps;
	qsort(idx, (size_t)job->nsteps, sizeof(*idx), step_index_cmp);
	for (i = 1; i < job->nsteps; i++)
		if (strcmp(job->steps[idx[i - 1]].testid, job->steps[idx[i]].testid) == 0 &&
		    (dup < 0 || idx[i] < dup))
			dup = idx[i];
	free(idx);
	return dup;
}

static int
parse_steps(struct parse *p, struct recipe_job *job, json_t *tmpl, step_decl_fn *decls)
{
	json_t *steps = json_object_get(tmpl, "steps"), *s;
	size_t i;
	int j;

	if (!json_is_array(steps) || json_array_size(steps) == 0) {
		perr(p, steps ? at_member(tmpl, "steps") : json_object_get(tmpl, "name"),
		     "job '%s' needs a non-empty 'steps' array", job->name);
		return -1;
	}
	job->steps = xcalloc(json_array_size(steps), sizeof(*job->steps));
	json_array_foreach(steps, i, s) {
		struct step_decl def;
		struct recipe_step *rs;
		json_t *name, *as, *timeout, *always;

		if (!json_is_object(s)) {
			perr(p, json_is_true(s) || json_is_false(s) || json_is_null(s) ?
			     (const void *)steps : s, "job '%s': step %zu must be an object",
			     job->name, i + 1);
			return -1;
		}
		check_keys(p, s, "a step", step_keys);
		name = json_object_get(s, "step");
		as = json_object_get(s, "as");
		timeout = json_object_get(s, "timeout");
		always = json_object_get(s, "always");
		if (!json_is_string(name)) {
			perr(p, name ? at_member(s, "step") : s, "job '%s': step %zu has no 'step' name",
			     job->name, i + 1);
			return -1;
		}
		if (decls(json_string_value(name), &def) < 0) {
			perr(p, name, "job '%s': unknown step '%s' (see 'pvci help steps')",
			     job->name, json_string_value(name));
			return -1;
		}
		rs = &job->steps[job->nsteps++];
		rs->step = xstrdup(def.name);
		rs->testid = xstrdup(as ? (json_is_string(as) ? json_string_value(as) : "") : def.name);
		rs->always = def.always;
		rs->timeout = def.default_timeout;
		rs->pos = pos_of(p, s);
		if (!name_is_valid(rs->testid)) {
			perr(p, at_member(s, "as"), "job '%s': step name '%s' is not made of "
			     "[A-Za-z0-9._-] (at most %d characters)", job->name, rs->testid,
			     NAME_MAX_LEN);
			return -1;
		}
		if (timeout) {
			if (!json_is_integer(timeout) || json_integer_value(timeout) <= 0 ||
			    json_integer_value(timeout) > 7 * 24 * 3600) {
				perr(p, at_member(s, "timeout"), "job '%s' step '%s': 'timeout' must "
				     "be seconds between 1 and 604800", job->name, rs->testid);
				return -1;
			}
			rs->timeout = (int)json_integer_value(timeout);
		}
		if (always) {
			if (!json_is_boolean(always)) {
				perr(p, at_member(s, "always"), "job '%s' step '%s': 'always' must "
				     "be true or false", job->name, rs->testid);
				return -1;
			}
			rs->always = json_is_true(always);
		}
	}
	/* Step names are unique in a job; the later of two is the one at fault. */
	j = duplicate_step(job);
	if (j >= 0) {
		s = json_array_get(steps, (size_t)j);
		perr(p, json_object_get(s, "as") ? at_member(s, "as") : json_object_get(s, "step"),
		     "job '%s': two steps are named '%s' (give one an \"as\" name)", job->name,
		     job->steps[j].testid);
		return -1;
	}
	return 0;
}

static const char *const job_keys[] = {
	"name", "matrix", "needs", "trees", "runvars", "steps", "description", "needs_host",
	"needs_flags", NULL
};

/* The job's "needs_host" and "needs_flags": what host of the pool it runs on. */
static int
parse_host_needs(struct parse *p, struct recipe_job *job, json_t *tmpl,
		 const struct binding *b, int nb)
{
	json_t *nh = json_object_get(tmpl, "needs_host");
	struct recipe_pos *pos = NULL;
	char **flags = NULL;
	struct strbuf sb;
	int n = 0, i, rc = 0;

	if (nh && !json_is_boolean(nh)) {
		perr(p, at_member(tmpl, "needs_host"), "job '%s': 'needs_host' must be true or "
		     "false", job->name);
		return -1;
	}
	job->no_host = nh && json_is_false(nh);
	if (string_list(p, tmpl, "needs_flags", b, nb, &flags, &pos, &n) < 0)
		rc = -1;
	strbuf_init(&sb);
	for (i = 0; rc == 0 && i < n; i++) {
		if (!name_is_valid(flags[i])) {
			perr(p, json_array_get(json_object_get(tmpl, "needs_flags"), (size_t)i),
			     "job '%s': host flag '%s' is not a name ([A-Za-z0-9._-])", job->name,
			     flags[i]);
			rc = -1;
		}
		strbuf_addf(&sb, "%s%s", i ? " " : "", flags[i]);
	}
	if (rc == 0 && n && job->no_host) {
		perr(p, at_member(tmpl, "needs_flags"), "job '%s': 'needs_flags' does not go "
		     "with \"needs_host\": false", job->name);
		rc = -1;
	}
	for (i = 0; flags && i < n; i++)
		free(flags[i]);
	free(flags);
	free(pos);
	job->needs_flags = strbuf_detach(&sb);
	return rc;
}

static struct recipe_job *
new_job(struct recipe *r)
{
	size_t n = (size_t)r->njobs;

	/* Doubles when full, as the runvars do. */
	if ((n & (n - 1)) == 0)
		r->jobs = xrealloc(r->jobs, sizeof(*r->jobs) * (n ? 2 * n : 1));
	memset(&r->jobs[r->njobs], 0, sizeof(r->jobs[0]));
	return &r->jobs[r->njobs++];
}

/* Makes one job from a template under one matrix binding. */
static int
make_job(struct parse *p, struct recipe *r, json_t *tmpl, json_t *recipe_runvars,
	 const struct binding *b, int nb, step_decl_fn *decls)
{
	json_t *tname = json_object_get(tmpl, "name"), *jrunvars;
	struct recipe_job *job;
	char *name;
	int i;

	name = expand(p, tname, json_string_value(tname), b, nb);
	if (!name)
		return -1;
	if (!name_is_valid(name)) {
		perr(p, tname, "job name '%s' is not made of [A-Za-z0-9._-] (at most %d "
		     "characters)", name, NAME_MAX_LEN);
		free(name);
		return -1;
	}
	for (i = 0; i < r->njobs; i++) {
		if (strcmp(r->jobs[i].name, name) == 0) {
			/* This template makes the second: the first may be anywhere. */
			perr(p, tname, "duplicate job name '%s'", name);
			free(name);
			return -1;
		}
	}
	if (r->njobs >= RECIPE_MAX_JOBS) {
		perr(p, tname, "the recipe makes more than %d jobs", RECIPE_MAX_JOBS);
		free(name);
		return -1;
	}
	job = new_job(r);
	job->name = name;
	job->selected = 1;
	job->pos = pos_of(p, tname);
	if (string_list(p, tmpl, "needs", b, nb, &job->needs, &job->needs_pos,
			&job->nneeds) < 0)
		return -1;
	p->needs += (size_t)job->nneeds;
	if (p->needs > RECIPE_MAX_NEEDS) {
		perr(p, json_object_get(tmpl, "needs"), "the recipe expands to more than %d "
		     "dependencies, all jobs together", RECIPE_MAX_NEEDS);
		return -1;
	}
	if (string_list(p, tmpl, "trees", b, nb, &job->trees, &job->trees_pos,
			&job->ntrees) < 0)
		return -1;
	if (!json_object_get(tmpl, "trees")) {
		/* By default a job gets every tree of the recipe. */
		job->trees = xcalloc((size_t)r->ntrees + 1, sizeof(char *));
		job->trees_pos = xcalloc((size_t)r->ntrees + 1, sizeof(*job->trees_pos));
		for (i = 0; i < r->ntrees; i++)
			job->trees[job->ntrees++] = xstrdup(r->trees[i].name);
	}
	/* The runvars pvci adds for the job's trees count towards the bound. */
	p->rows += 4 * (size_t)job->ntrees + 1;
	jrunvars = json_object_get(tmpl, "runvars");
	if (jrunvars && !json_is_object(jrunvars)) {
		perr(p, at_member(tmpl, "runvars"), "'runvars' must be an object");
		return -1;
	}
	if (add_runvars(p, job, recipe_runvars, jrunvars, RUNVAR_IN_RECIPE, b, nb) < 0 ||
	    add_runvars(p, job, jrunvars, NULL, RUNVAR_IN_JOB, b, nb) < 0 ||
	    parse_host_needs(p, job, tmpl, b, nb) < 0)
		return -1;
	return parse_steps(p, job, tmpl, decls);
}

/* Expands a template over the cartesian product of its matrix. */
static int
expand_template(struct parse *p, struct recipe *r, json_t *tmpl, json_t *recipe_runvars,
		step_decl_fn *decls)
{
	json_t *matrix = json_object_get(tmpl, "matrix");
	struct binding b[16];
	json_t *lists[16];
	size_t idx[16], total = 1, n, k;
	const char *var;
	json_t *values;
	int nb = 0, rc = 0;

	if (matrix) {
		if (!json_is_object(matrix)) {
			perr(p, at_member(tmpl, "matrix"), "'matrix' must be an object of arrays");
			return -1;
		}
		json_object_foreach(matrix, var, values) {
			json_t *item;
			size_t i;

			if (nb == 16) {
				perr(p, var, "a matrix has at most 16 variables");
				return -1;
			}
			if (!name_is_valid(var)) {
				perr(p, var, "matrix variable '%s' is not made of [A-Za-z0-9._-]", var);
				return -1;
			}
			if (!json_is_array(values) || json_array_size(values) == 0) {
				perr(p, var, "matrix variable '%s' needs a non-empty array", var);
				return -1;
			}
			json_array_foreach(values, i, item) {
				if (!json_is_string(item) || !name_is_valid(json_string_value(item))) {
					perr(p, json_is_string(item) ? (const void *)item : var,
					     "matrix variable '%s': values must be names "
					     "made of [A-Za-z0-9._-]", var);
					return -1;
				}
			}
			b[nb].var = var;
			lists[nb] = values;
			idx[nb] = 0;
			total *= json_array_size(values);
			nb++;
			if (total > RECIPE_MAX_JOBS) {
				perr(p, var, "the matrix makes more than %d jobs", RECIPE_MAX_JOBS);
				return -1;
			}
		}
	}
	for (n = 0; n < total && rc == 0; n++) {
		size_t rest = n;

		for (k = (size_t)nb; k-- > 0;) {
			idx[k] = rest % json_array_size(lists[k]);
			rest /= json_array_size(lists[k]);
			b[k].value = json_string_value(json_array_get(lists[k], idx[k]));
		}
		rc = make_job(p, r, tmpl, recipe_runvars, b, nb, decls);
	}
	return rc;
}

static const char *const tree_keys[] = { "name", "url", "branch", "subdir", "push_url",
					 "tested_ref", NULL };

/*
 * A ref the push gate may write: "refs/" then components of [A-Za-z0-9._-]
 * that git accepts (git check-ref-format): none empty, none starting with
 * '.', none ending with ".lock", no "..".
 */
static int
tested_ref_valid(const char *ref)
{
	const char *c = ref + 5, *end;

	if (strncmp(ref, "refs/", 5) || !ref[5] || strlen(ref) > 200 || strstr(ref, ".."))
		return 0;
	for (; *c; c = *end ? end + 1 : end) {
		end = c + strcspn(c, "/");
		if (end == c || *c == '.' ||
		    (end - c >= 5 && !strncmp(end - 5, ".lock", 5)))
			return 0;
		for (const char *k = c; k < end; k++)
			if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				    "0123456789._-", *k))
				return 0;
		if (*end && !end[1])
			return 0;
	}
	return 1;
}

/* The push gate's fields of a tree: where its tested revision goes. */
static int
parse_push(struct parse *p, struct recipe_tree *rt, json_t *t)
{
	json_t *pu = json_object_get(t, "push_url"), *tr = json_object_get(t, "tested_ref");
	const char *url = json_string_value(pu), *ref = json_string_value(tr);

	if (pu && (!url || !*url)) {
		perr(p, at_member(t, "push_url"), "tree '%s': 'push_url' must be a non-empty "
		     "string", rt->name);
		return -1;
	}
	if (url && secrets_present(url)) {
		perr(p, at_member(t, "push_url"), "tree '%s': 'push_url' must not hold "
		     "credentials (give them to git's credential helper)", rt->name);
		return -1;
	}
	if (tr && !pu) {
		perr(p, at_member(t, "tested_ref"), "tree '%s': 'tested_ref' needs a "
		     "'push_url'", rt->name);
		return -1;
	}
	if (tr && (!ref || !tested_ref_valid(ref))) {
		perr(p, at_member(t, "tested_ref"), "tree '%s': 'tested_ref' must be a ref "
		     "such as \"refs/heads/tested/trunk\" (refs/ then components of "
		     "[A-Za-z0-9._-])", rt->name);
		return -1;
	}
	if (url) {
		if (strstr(url, "://") || url[0] == '/' || !p->basedir ||
		    (strchr(url, ':') && strchr(url, ':') < url + strcspn(url, "/")))
			rt->push_url = xstrdup(url);
		else
			rt->push_url = path_join(p->basedir, url);
	}
	rt->tested_ref = ref ? xstrdup(ref) : NULL;
	return 0;
}

static int
parse_trees(struct parse *p, struct recipe *r, json_t *root)
{
	json_t *trees = json_object_get(root, "trees"), *t;
	size_t i;
	int j;

	if (!trees)
		return 0;
	if (!json_is_array(trees)) {
		perr(p, at_member(root, "trees"), "'trees' must be an array");
		return -1;
	}
	r->trees = xcalloc(json_array_size(trees) + 1, sizeof(*r->trees));
	json_array_foreach(trees, i, t) {
		struct recipe_tree *rt;
		const char *name, *url, *branch, *subdir;

		if (!json_is_object(t)) {
			perr(p, json_is_true(t) || json_is_false(t) || json_is_null(t) ?
			     (const void *)trees : t, "tree %zu must be an object", i + 1);
			return -1;
		}
		check_keys(p, t, "a tree", tree_keys);
		name = json_string_value(json_object_get(t, "name"));
		url = json_string_value(json_object_get(t, "url"));
		branch = json_string_value(json_object_get(t, "branch"));
		subdir = json_string_value(json_object_get(t, "subdir"));
		if (!name || !name_is_valid(name)) {
			perr(p, json_object_get(t, "name") ? at_member(t, "name") : t,
			     "tree %zu needs a 'name' made of [A-Za-z0-9._-] (at most %d "
			     "characters)", i + 1, NAME_MAX_LEN);
			return -1;
		}
		if (!url || !*url) {
			perr(p, json_object_get(t, "url") ? at_member(t, "url") : t,
			     "tree '%s' needs a 'url'", name);
			return -1;
		}
		for (j = 0; j < r->ntrees; j++) {
			if (strcmp(r->trees[j].name, name) == 0) {
				perr(p, json_object_get(t, "name"), "duplicate tree name '%s'", name);
				return -1;
			}
		}
		rt = &r->trees[r->ntrees++];
		rt->name = xstrdup(name);
		if (strstr(url, "://") || url[0] == '/' || !p->basedir)
			rt->url = xstrdup(url);
		else
			rt->url = path_join(p->basedir, url);
		rt->branch = xstrdup(branch ? branch : "HEAD");
		rt->subdir = subdir ? xstrdup(subdir) : NULL;
		if (parse_push(p, rt, t) < 0)
			return -1;
	}
	return 0;
}

/* The recipe's own runvars, kept with their positions for recipe_check. */
static void
keep_recipe_runvars(struct parse *p, struct recipe *r, json_t *runvars)
{
	const char *name;
	json_t *v;

	if (!json_is_object(runvars))
		return;
	r->runvars = xcalloc(json_object_size(runvars) + 1, sizeof(*r->runvars));
	json_object_foreach(runvars, name, v) {
		struct runvar *rv = &r->runvars[r->nrunvars++];

		rv->name = xstrdup(name);
		rv->value = json_is_string(v) ? xstrdup(json_string_value(v)) : json_dumps(v,
			    JSON_COMPACT | JSON_ENCODE_ANY);
		rv->pos = pos_of(p, name);
		rv->origin = RUNVAR_IN_RECIPE;
	}
}

/* Job names sorted, for lookups in O(log n): a recipe may hold 4096 jobs. */
struct job_ref {
	const char *name;
	int i;
};

static int
job_ref_cmp(const void *a, const void *b)
{
	return strcmp(((const struct job_ref *)a)->name, ((const struct job_ref *)b)->name);
}

static struct job_ref *
job_index(const struct recipe *r)
{
	struct job_ref *refs = xcalloc((size_t)r->njobs + 1, sizeof(*refs));
	int i;

	for (i = 0; i < r->njobs; i++) {
		refs[i].name = r->jobs[i].name;
		refs[i].i = i;
	}
	qsort(refs, (size_t)r->njobs, sizeof(*refs), job_ref_cmp);
	return refs;
}

static int
job_find(const struct recipe *r, const struct job_ref *refs, const char *name)
{
	struct job_ref key = { .name = name }, *found;

	found = bsearch(&key, refs, (size_t)r->njobs, sizeof(*refs), job_ref_cmp);
	return found ? found->i : -1;
}

/*
 * Depth-first search for a cycle over deps (each job's needs as indexes);
 * state: 0 new, 1 on the path, 2 done. Returns the job whose need closes
 * the cycle, or -1.
 */
static int
find_cycle(struct recipe *r, int **deps, int at, int *state, int *path, int depth,
	   struct strbuf *out)
{
	int i, k;

	state[at] = 1;
	path[depth] = at;
	for (i = 0; i < r->jobs[at].nneeds; i++) {
		int d = deps[at][i];

		if (d < 0)
			continue;
		if (state[d] == 1) {
			for (k = 0; k <= depth; k++)
				if (path[k] == d)
					break;
			for (; k <= depth; k++)
				strbuf_addf(out, "'%s' -> ", r->jobs[path[k]].name);
			strbuf_addf(out, "'%s'", r->jobs[d].name);
			return at;
		}
		if (state[d] == 0) {
			int c = find_cycle(r, deps, d, state, path, depth + 1, out);

			if (c >= 0)
				return c;
		}
	}
	state[at] = 2;
	return -1;
}

static void
check_graph(struct parse *p, struct recipe *r)
{
	struct job_ref *refs = job_index(r);
	int **deps, *state, *path, i, j;

	deps = xcalloc((size_t)r->njobs + 1, sizeof(*deps));
	for (i = 0; i < r->njobs; i++) {
		struct recipe_job *job = &r->jobs[i];

		deps[i] = xcalloc((size_t)job->nneeds + 1, sizeof(int));
		for (j = 0; j < job->nneeds; j++) {
			deps[i][j] = job_find(r, refs, job->needs[j]);
			if (deps[i][j] < 0)
				perr_pos(p, job->needs_pos[j], "job '%s' needs '%s', which is not "
					 "a job of this recipe", job->name, job->needs[j]);
			else if (deps[i][j] == i)
				perr_pos(p, job->needs_pos[j], "job '%s' needs itself", job->name);
		}
		for (j = 0; j < job->ntrees; j++)
			if (!recipe_tree(r, job->trees[j]))
				perr_pos(p, job->trees_pos[j], "job '%s' uses tree '%s', which the "
					 "recipe does not define", job->name, job->trees[j]);
	}
	state = xcalloc((size_t)r->njobs + 1, sizeof(int));
	path = xcalloc((size_t)r->njobs + 1, sizeof(int));
	for (i = 0; i < r->njobs && !p->errors; i++) {
		struct strbuf cycle;
		int last;

		if (state[i])
			continue;
		strbuf_init(&cycle);
		last = find_cycle(r, deps, i, state, path, 0, &cycle);
		if (last >= 0)
			/* Point at the template of the job whose need closes the cycle. */
			perr_pos(p, r->jobs[last].pos, "dependency cycle: %s", cycle.buf);
		strbuf_release(&cycle);
	}
	for (i = 0; i < r->njobs; i++)
		free(deps[i]);
	free(deps);
	free(state);
	free(path);
	free(refs);
}

static const char *const recipe_keys[] = {
	"name", "description", "branch", "trees", "runvars", "jobs", NULL
};

struct recipe *
recipe_parse(const char *path, const char *text, size_t len, const char *basedir,
	     step_decl_fn *decls)
{
	struct parse p = { .path = path, .basedir = basedir };
	struct recipe *r;
	json_error_t jerr;
	json_t *root, *jobs, *tmpl, *runvars, *jname;
	const char *name, *branch;
	const char *nul = memchr(text, '\0', len);
	size_t i;

	if (nul) {
		/* jansson would say "end of file expected": say what is there. */
		struct scan sc = { .s = text, .end = nul, .line = 1, .col = 1 };

		while (sc.s < sc.end)
			scan_advance(&sc);
		errorx("%s:%d:%d: a NUL byte: a recipe is JSON text", path, sc.line, sc.col);
		return NULL;
	}
	/*
	 * json_loadb with its end-of-input check: anything after the value,
	 * a NUL byte included, is refused rather than ignored.
	 */
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		errorx("%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		errorx("%s:1:1: a recipe must be a JSON object", path);
		json_decref(root);
		return NULL;
	}
	index_positions(&p, text, len, root);
	r = xcalloc(1, sizeof(*r));
	r->path = xstrdup(path);
	check_keys(&p, root, "the recipe", recipe_keys);
	jname = json_object_get(root, "name");
	name = json_string_value(jname);
	if (!name || !name_is_valid(name))
		perr(&p, jname ? at_member(root, "name") : NULL, "the recipe needs a 'name' made "
		     "of [A-Za-z0-9._-] (at most %d characters)", NAME_MAX_LEN);
	r->name = xstrdup(name ? name : "");
	r->description = xstrdup(json_string_value(json_object_get(root, "description")) ?
				 json_string_value(json_object_get(root, "description")) : "");
	branch = json_string_value(json_object_get(root, "branch"));
	if (branch && !name_is_valid(branch))
		perr(&p, json_object_get(root, "branch"), "branch '%s' is not made of "
		     "[A-Za-z0-9._-] (at most %d characters)", branch, NAME_MAX_LEN);
	r->branch = xstrdup(branch ? branch : r->name);
	runvars = json_object_get(root, "runvars");
	if (runvars && !json_is_object(runvars))
		perr(&p, at_member(root, "runvars"), "'runvars' must be an object");
	if (p.errors || parse_trees(&p, r, root) < 0)
		goto fail;
	keep_recipe_runvars(&p, r, runvars);

	jobs = json_object_get(root, "jobs");
	if (!json_is_array(jobs) || json_array_size(jobs) == 0) {
		perr(&p, jobs ? at_member(root, "jobs") : NULL,
		     "the recipe needs a non-empty 'jobs' array");
		goto fail;
	}
	json_array_foreach(jobs, i, tmpl) {
		if (!json_is_object(tmpl)) {
			perr(&p, json_is_true(tmpl) || json_is_false(tmpl) || json_is_null(tmpl) ?
			     (const void *)jobs : tmpl, "job %zu must be an object", i + 1);
			goto fail;
		}
		check_keys(&p, tmpl, "a job", job_keys);
		if (!json_is_string(json_object_get(tmpl, "name"))) {
			perr(&p, json_object_get(tmpl, "name") ? at_member(tmpl, "name") : tmpl,
			     "job %zu has no 'name'", i + 1);
			goto fail;
		}
		if (p.errors || expand_template(&p, r, tmpl, runvars, decls) < 0)
			goto fail;
	}
	check_graph(&p, r);
	if (p.errors)
		goto fail;
	free(p.idx.v);
	json_decref(root);
	if (recipe_check(r, decls) < 0) {
		recipe_free(r);
		return NULL;
	}
	return r;
fail:
	if (!p.errors)
		errorx("%s: invalid recipe", path);
	free(p.idx.v);
	json_decref(root);
	recipe_free(r);
	return NULL;
}

/*
 * Reads a recipe file: a regular file only (a FIFO or a device would block
 * or never end), opened without waiting, at most RECIPE_MAX_FILE bytes.
 */
static char *
read_recipe(const char *path, size_t *len)
{
	struct stat st;
	char *text;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		error("cannot open '%s'", path);
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		error("cannot stat '%s'", path);
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		errorx("recipe '%s' is not a regular file", path);
		close(fd);
		return NULL;
	}
	text = read_fd(fd, path, RECIPE_MAX_FILE, len);
	close(fd);
	return text;
}

struct recipe *
recipe_load(const char *path, step_decl_fn *decls)
{
	char *text, *dir, *slash, *abs;
	struct recipe *r;
	size_t len;

	text = read_recipe(path, &len);
	if (!text)
		return NULL;
	abs = realpath(path, NULL);
	dir = xstrdup(abs ? abs : path);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
	} else {
		free(dir);
		dir = xstrdup(".");
	}
	r = recipe_parse(path, text, len, dir, decls);
	free(abs);
	free(dir);
	free(text);
	return r;
}

/* Checking jobs against the declarations of their steps. */

struct check {
	struct recipe *r;
	step_decl_fn *decls;
	int errors;
};

static void cerr(struct check *c, struct recipe_pos pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
cerr(struct check *c, struct recipe_pos pos, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(c->r->path, pos, c->errors, fmt, ap);
	va_end(ap);
	c->errors++;
}

static int
job_has_tree(const struct recipe_job *job, const char *name, size_t len)
{
	int i;

	for (i = 0; i < job->ntrees; i++)
		if (strlen(job->trees[i]) == len && strncmp(job->trees[i], name, len) == 0)
			return 1;
	return 0;
}

/* The runvars pvci itself sets from the job's trees when it creates the flight. */
static int
set_by_pvci(const struct recipe *r, const struct recipe_job *job, const char *name)
{
	static const char *const prefixes[] = { "tree_", "branch_", "subdir_", "revision_",
						"push_url_", "tested_ref_" };
	size_t i;

	if (strcmp(name, "trees") == 0)
		return job->ntrees > 0;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t n = strlen(prefixes[i]);

		if (strncmp(name, prefixes[i], n) == 0 &&
		    job_has_tree(job, name + n, strlen(name + n))) {
			const struct recipe_tree *t = recipe_tree((struct recipe *)r, name + n);

			/*
			 * subdir_ only when the tree has one; revision_ may come later;
			 * the push gate's only when the tree has a push_url.
			 */
			if (i >= 4)
				return t && t->push_url;
			return i != 2 || (t && t->subdir);
		}
	}
	return 0;
}

/* NULL when value passes d's validator, else what it should be. */
static const char *
invalid(const struct runvar_decl *d, const char *value)
{
	switch (d->kind) {
	case RUNVAR_TEXT:
		return NULL;
	case RUNVAR_NAME:
		return name_is_valid(value) ? NULL : "a name made of [A-Za-z0-9._-]";
	case RUNVAR_NAMES: {
		char *copy = xstrdup(value), *s = copy, *w;
		int n = 0, bad = 0;

		while ((w = strsep(&s, " ")) != NULL) {
			if (!*w)
				continue;
			n++;
			if (!name_is_valid(w))
				bad = 1;
		}
		free(copy);
		return n && !bad ? NULL : "names made of [A-Za-z0-9._-], separated by spaces";
	}
	case RUNVAR_INTEGER: {
		long v;

		if (parse_long(value, &v) < 0 || v < d->min || v > d->max)
			return "a whole number in range";
		return NULL;
	}
	case RUNVAR_NUMBER: {
		char *end;
		double v;

		errno = 0;
		v = strtod(value, &end);
		if (errno || end == value || *end || !isfinite(v) || v < d->min || v > d->max)
			return "a number in range";
		return NULL;
	}
	case RUNVAR_PATH:
		if (!*value || *value == '/' || strcmp(value, "..") == 0 ||
		    strncmp(value, "../", 3) == 0 || strstr(value, "/../") ||
		    (strlen(value) >= 3 && strcmp(value + strlen(value) - 3, "/..") == 0))
			return "a relative path that does not climb out with '..'";
		return NULL;
	case RUNVAR_ARGV: {
		json_error_t jerr;
		json_t *arr = json_loads(value, 0, &jerr), *item;
		const char *why = NULL;
		size_t i;

		if (!json_is_array(arr) || json_array_size(arr) == 0)
			why = "a non-empty array of strings (an argv)";
		json_array_foreach(arr, i, item)
			if (!json_is_string(item))
				why = "a non-empty array of strings (an argv)";
		json_decref(arr);
		return why;
	}
	}
	return "valid";
}

static void
describe_range(const struct runvar_decl *d, char *buf, size_t size)
{
	if (d->kind == RUNVAR_INTEGER || d->kind == RUNVAR_NUMBER)
		snprintf(buf, size, " (%g..%g)", d->min, d->max);
	else
		buf[0] = '\0';
}

static int
runvar_name_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct runvar *const *)a)->name,
		      (*(const struct runvar *const *)b)->name);
}

static int
job_sets(struct runvar **sorted, int n, const char *name)
{
	struct runvar key = { .name = (char *)name }, *kp = &key;

	return bsearch(&kp, sorted, (size_t)n, sizeof(*sorted), runvar_name_cmp) != NULL;
}

/*
 * The runvar names a job's steps read, their patterns expanded with the
 * job's step names and trees, sorted: one lookup per runvar instead of a
 * walk over every step's declarations (a job may have 100,000 of each).
 */
struct reader {
	char *name;
	const struct runvar_decl *decl;
	int stepno;
	int order;		/* declaration order: the first reader wins */
};

struct readers {
	struct reader *r;
	int n, cap;
};

static void
readers_add(struct readers *rs, char *name, const struct runvar_decl *d, int stepno)
{
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 64;
		rs->r = xrealloc(rs->r, sizeof(*rs->r) * (size_t)rs->cap);
	}
	rs->r[rs->n] = (struct reader){ name, d, stepno, rs->n };
	rs->n++;
}

static int
reader_cmp(const void *a, const void *b)
{
	const struct reader *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->order > y->order) - (x->order < y->order);
}

static void
readers_build(struct readers *rs, const struct recipe_job *job, const struct step_decl *defs)
{
	int i, k;

	memset(rs, 0, sizeof(*rs));
	for (i = 0; i < job->nsteps; i++) {
		const struct runvar_decl *d;

		for (d = defs[i].inputs; d && d->name; d++) {
			const char *brace = strchr(d->name, '{'), *close;

			close = brace ? strchr(brace, '}') : NULL;
			if (!brace) {
				readers_add(rs, xstrdup(d->name), d, i);
			} else if (!close) {
				continue;
			} else if (strncmp(brace, "{testid}", 8) == 0) {
				readers_add(rs, xasprintf("%.*s%s%s", (int)(brace - d->name), d->name,
							  job->steps[i].testid, close + 1), d, i);
			} else if (strncmp(brace, "{tree}", 6) == 0) {
				for (k = 0; k < job->ntrees; k++)
					readers_add(rs, xasprintf("%.*s%s%s", (int)(brace - d->name),
								  d->name, job->trees[k], close + 1),
						    d, i);
			}
		}
	}
	if (rs->n)
		qsort(rs->r, (size_t)rs->n, sizeof(*rs->r), reader_cmp);
}

static void
readers_release(struct readers *rs)
{
	int i;

	for (i = 0; i < rs->n; i++)
		free(rs->r[i].name);
	free(rs->r);
	memset(rs, 0, sizeof(*rs));
}

/* The declaration of a step of the job reading name; NULL when none. */
static const struct runvar_decl *
reader(const struct readers *rs, const char *name, int *stepno)
{
	int lo = 0, hi = rs->n;

	/* The first entry not below name: the earliest declaration of it. */
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (strcmp(rs->r[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == rs->n || strcmp(rs->r[lo].name, name) != 0)
		return NULL;
	if (stepno)
		*stepno = rs->r[lo].stepno;
	return rs->r[lo].decl;
}

static void
check_job(struct check *c, struct recipe_job *job)
{
	struct step_decl *defs = xcalloc((size_t)job->nsteps + 1, sizeof(*defs));
	struct runvar **sorted = NULL;
	struct readers rs = { 0 };
	struct strbuf names;
	int i, k;

	strbuf_init(&names);
	for (i = 0; i < job->nsteps; i++) {
		if (c->decls(job->steps[i].step, &defs[i]) < 0) {
			cerr(c, job->steps[i].pos, "job '%s': unknown step '%s'", job->name,
			     job->steps[i].step);
			goto out;
		}
		strbuf_addf(&names, "%s'%s'", i ? ", " : "", job->steps[i].testid);
	}

	/* Every runvar set is read by a step of the job, and is what it wants. */
	readers_build(&rs, job, defs);
	for (i = 0; i < job->nrunvars; i++) {
		const struct runvar *rv = &job->runvars[i];
		const struct runvar_decl *d;
		const char *why;
		int stepno = 0;

		d = reader(&rs, rv->name, &stepno);
		if (!d) {
			/* pvci report reads the tolerances of measurements. */
			if (strncmp(rv->name, TOLERANCE_PREFIX, strlen(TOLERANCE_PREFIX)) == 0) {
				struct tolerance tol;

				if (tolerance_parse(rv->value, &tol) < 0)
					cerr(c, rv->pos, "job '%s': runvar '%s' must be a tolerance "
					     "such as \"-20%%\" or \"+50%%\", not '%.100s'",
					     job->name, rv->name, rv->value);
				continue;
			}
			/* The recipe's runvars are for all jobs: checked once, below. */
			if (rv->origin == RUNVAR_IN_RECIPE || (rv->origin == RUNVAR_GIVEN &&
			    set_by_pvci(c->r, job, rv->name)))
				continue;
			cerr(c, rv->pos, "job '%s' sets runvar '%s'%s, which none of its steps "
			     "(%s) reads", job->name, rv->name,
			     rv->origin == RUNVAR_GIVEN ? " (given at creation)" : "", names.buf);
			continue;
		}
		if (d->flags & RUNVAR_FROM_STEP) {
			cerr(c, rv->pos, "job '%s' sets runvar '%s', which a step writes while "
			     "the flight runs (%s); a recipe does not set it", job->name,
			     rv->name, d->what ? d->what : "");
			continue;
		}
		why = invalid(d, rv->value);
		if (why) {
			char range[64];

			describe_range(d, range, sizeof(range));
			cerr(c, rv->pos, "job '%s': runvar '%s' must be %s%s for step '%s', "
			     "not '%.100s'", job->name, rv->name, why, range,
			     job->steps[stepno].testid, rv->value);
		}
	}

	/* Every runvar a step requires is set, or pvci sets it from the trees. */
	sorted = xcalloc((size_t)job->nrunvars + 1, sizeof(*sorted));
	for (i = 0; i < job->nrunvars; i++)
		sorted[i] = &job->runvars[i];
	qsort(sorted, (size_t)job->nrunvars, sizeof(*sorted), runvar_name_cmp);
	for (i = 0; i < job->nsteps; i++) {
		const struct runvar_decl *d;

		for (d = defs[i].inputs; d && d->name; d++) {
			const char *brace = strchr(d->name, '{');
			int ntrees = 1;

			if (!(d->flags & RUNVAR_REQUIRED) || (d->flags & RUNVAR_FROM_STEP))
				continue;
			if (brace && strncmp(brace, "{tree}", 6) == 0)
				ntrees = job->ntrees;
			for (k = 0; k < ntrees; k++) {
				char *name;

				if (!brace)
					name = xstrdup(d->name);
				else
					name = xasprintf("%.*s%s%s", (int)(brace - d->name), d->name,
							 strncmp(brace, "{tree}", 6) == 0 ?
							 job->trees[k] : job->steps[i].testid,
							 strchr(brace, '}') + 1);
				if (!job_sets(sorted, job->nrunvars, name) &&
				    !set_by_pvci(c->r, job, name))
					cerr(c, job->steps[i].pos.line ? job->steps[i].pos : job->pos,
					     "job '%s': step '%s' needs runvar '%s'%s%s%s", job->name,
					     job->steps[i].testid, name, d->what ? " (" : "",
					     d->what ? d->what : "", d->what ? ")" : "");
				free(name);
			}
		}
	}
out:
	readers_release(&rs);
	free(sorted);
	free(defs);
	strbuf_release(&names);
}

/* A runvar of the recipe's own is read by some selected job that gets it. */
static void
check_recipe_runvars(struct check *c)
{
	struct step_decl *defs = NULL;
	char *read;
	int i, j, k, cap = 0, unread = c->r->nrunvars;

	if (!unread)
		return;
	read = xcalloc((size_t)c->r->nrunvars, 1);
	for (j = 0; j < c->r->njobs && unread; j++) {
		struct recipe_job *job = &c->r->jobs[j];
		struct readers rs;

		if (!job->selected)
			continue;
		if (job->nsteps > cap) {
			cap = job->nsteps;
			defs = xrealloc(defs, sizeof(*defs) * (size_t)cap);
		}
		for (k = 0; k < job->nsteps; k++)
			if (c->decls(job->steps[k].step, &defs[k]) < 0)
				memset(&defs[k], 0, sizeof(defs[k]));
		readers_build(&rs, job, defs);
		for (i = 0; i < c->r->nrunvars; i++)
			if (!read[i] && reader(&rs, c->r->runvars[i].name, NULL)) {
				read[i] = 1;
				unread--;
			}
		readers_release(&rs);
	}
	for (i = 0; i < c->r->nrunvars; i++)
		if (!read[i])
			cerr(c, c->r->runvars[i].pos, "the recipe sets runvar '%s' for every job, "
			     "and no step of any job reads it", c->r->runvars[i].name);
	free(read);
	free(defs);
}

int
recipe_check(struct recipe *r, step_decl_fn *decls)
{
	struct check c = { .r = r, .decls = decls };
	int i;

	for (i = 0; i < r->njobs; i++)
		if (r->jobs[i].selected)
			check_job(&c, &r->jobs[i]);
	check_recipe_runvars(&c);
	return c.errors ? -1 : 0;
}

static void
free_list(char **list, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

static void
free_runvars(struct runvar *rv, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(rv[i].name);
		free(rv[i].value);
	}
	free(rv);
}

void
recipe_free(struct recipe *r)
{
	int i, j;

	if (!r)
		return;
	for (i = 0; i < r->njobs; i++) {
		struct recipe_job *job = &r->jobs[i];

		free(job->name);
		free_list(job->needs, job->nneeds);
		free_list(job->trees, job->ntrees);
		free(job->needs_pos);
		free(job->needs_flags);
		free(job->trees_pos);
		free_runvars(job->runvars, job->nrunvars);
		for (j = 0; j < job->nsteps; j++) {
			free(job->steps[j].step);
			free(job->steps[j].testid);
		}
		free(job->steps);
	}
	free(r->jobs);
	for (i = 0; i < r->ntrees; i++) {
		free(r->trees[i].name);
		free(r->trees[i].url);
		free(r->trees[i].branch);
		free(r->trees[i].subdir);
		free(r->trees[i].push_url);
		free(r->trees[i].tested_ref);
		free(r->trees[i].revision);
	}
	free(r->trees);
	free_runvars(r->runvars, r->nrunvars);
	free(r->path);
	free(r->name);
	free(r->description);
	free(r->branch);
	free(r);
}

struct recipe_job *
recipe_job(struct recipe *r, const char *name)
{
	int i;

	for (i = 0; i < r->njobs; i++)
		if (strcmp(r->jobs[i].name, name) == 0)
			return &r->jobs[i];
	return NULL;
}

struct recipe_tree *
recipe_tree(struct recipe *r, const char *name)
{
	int i;

	for (i = 0; i < r->ntrees; i++)
		if (strcmp(r->trees[i].name, name) == 0)
			return &r->trees[i];
	return NULL;
}

static void
select_with_needs(struct recipe *r, const struct job_ref *refs, struct recipe_job *job)
{
	int i, d;

	if (!job || job->selected)
		return;
	job->selected = 1;
	for (i = 0; i < job->nneeds; i++)
		if ((d = job_find(r, refs, job->needs[i])) >= 0)
			select_with_needs(r, refs, &r->jobs[d]);
}

int
recipe_select_jobs(struct recipe *r, const char *glob)
{
	struct job_ref *refs = job_index(r);
	int i, any = 0;

	for (i = 0; i < r->njobs; i++)
		r->jobs[i].selected = 0;
	for (i = 0; i < r->njobs; i++) {
		if (glob_match(glob, r->jobs[i].name)) {
			select_with_needs(r, refs, &r->jobs[i]);
			any = 1;
		}
	}
	free(refs);
	if (!any)
		return errorx("no job of recipe '%s' matches '%s'", r->name, glob);
	return 0;
}
