#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "recipe.h"
#include "step.h"
#include "util.h"

/* Parsing state: where messages point to. */
struct parse {
	const char *path;
	const char *text;
	const char *basedir;
	int errors;
};

/*
 * jansson keeps no positions for values, so a message about a name points
 * at the nth occurrence of that name, quoted, in the text; good enough to
 * put an editor on the right line.
 */
static void
locate(const struct parse *p, const char *needle, int nth, int *line, int *col)
{
	char *quoted = xasprintf("\"%s\"", needle);
	const char *at = p->text, *last = NULL, *s;

	/* The nth occurrence, or the last one when there are fewer. */
	*line = *col = 0;
	for (;;) {
		at = strstr(at, quoted);
		if (!at) {
			at = last;
			break;
		}
		if (nth-- <= 0)
			break;
		last = at++;
	}
	free(quoted);
	if (!at)
		return;
	*line = 1;
	*col = 1;
	for (s = p->text; s < at; s++) {
		if (*s == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static void perr(struct parse *p, const char *needle, int nth, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
perr(struct parse *p, const char *needle, int nth, const char *fmt, ...)
{
	char msg[1024];
	int line = 0, col = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (needle)
		locate(p, needle, nth, &line, &col);
	if (line)
		errorx("%s:%d:%d: %s", p->path, line, col, msg);
	else
		errorx("%s: %s", p->path, msg);
	p->errors++;
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
			perr(p, key, 0, "unknown key '%s' in %s", key, where);
	}
}

struct binding {
	const char *var;
	const char *value;
};

/*
 * Replaces {var} by its value; NULL (reported) on an unknown variable or an
 * unbalanced brace.
 */
static char *
expand(struct parse *p, const char *tmpl, const struct binding *b, int nb)
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
				perr(p, tmpl, 0, "unbalanced '}' in '%s'", tmpl);
				strbuf_release(&sb);
				return NULL;
			}
			strbuf_add(&sb, s++, 1);
			continue;
		}
		close = strchr(s, '}');
		if (!close) {
			perr(p, tmpl, 0, "unbalanced '{' in '%s'", tmpl);
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
			perr(p, tmpl, 0, "unknown matrix variable '%.*s' in '%s'",
			     (int)(close - s - 1), s + 1, tmpl);
			strbuf_release(&sb);
			return NULL;
		}
		s = close + 1;
	}
	return strbuf_detach(&sb);
}

void
recipe_job_set_runvar(struct recipe_job *job, const char *name, const char *value)
{
	int i;

	for (i = 0; i < job->nrunvars; i++) {
		if (strcmp(job->runvars[i].name, name) == 0) {
			free(job->runvars[i].value);
			job->runvars[i].value = xstrdup(value);
			return;
		}
	}
	job->runvars = xrealloc(job->runvars, sizeof(*job->runvars) * (size_t)(job->nrunvars + 1));
	job->runvars[job->nrunvars].name = xstrdup(name);
	job->runvars[job->nrunvars].value = xstrdup(value);
	job->nrunvars++;
}

/* A runvar value from JSON: string, number, boolean, or array of strings. */
static char *
runvar_text(struct parse *p, const char *name, json_t *v, const struct binding *b, int nb)
{
	json_t *arr, *item;
	size_t i;
	char *text;

	if (json_is_string(v))
		return expand(p, json_string_value(v), b, nb);
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	if (json_is_real(v))
		return xasprintf("%g", json_real_value(v));
	if (json_is_boolean(v))
		return xstrdup(json_is_true(v) ? "true" : "false");
	if (!json_is_array(v)) {
		perr(p, name, 0, "runvar '%s' must be a string, a number, a boolean "
		     "or an array of strings", name);
		return NULL;
	}
	/* An array is an argv; it is kept as its JSON text. */
	arr = json_array();
	json_array_foreach(v, i, item) {
		char *s;

		if (!json_is_string(item)) {
			perr(p, name, 0, "runvar '%s': every element must be a string", name);
			json_decref(arr);
			return NULL;
		}
		s = expand(p, json_string_value(item), b, nb);
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

static int
add_runvars(struct parse *p, struct recipe_job *job, json_t *obj, const struct binding *b,
	    int nb)
{
	const char *name;
	json_t *v;

	if (!obj)
		return 0;
	if (!json_is_object(obj)) {
		perr(p, "runvars", 0, "'runvars' must be an object");
		return -1;
	}
	json_object_foreach(obj, name, v) {
		char *text;

		if (!name_is_valid(name)) {
			perr(p, name, 0, "runvar name '%s' is not made of [A-Za-z0-9._-]", name);
			continue;
		}
		text = runvar_text(p, name, v, b, nb);
		if (text)
			recipe_job_set_runvar(job, name, text);
		free(text);
	}
	return 0;
}

/* A list of strings, expanded; -1 when it is not one. */
static int
string_list(struct parse *p, json_t *arr, const char *what, const struct binding *b, int nb,
	    char ***out, int *count)
{
	json_t *item;
	size_t i;

	*out = NULL;
	*count = 0;
	if (!arr)
		return 0;
	if (!json_is_array(arr)) {
		perr(p, what, 0, "'%s' must be an array of strings", what);
		return -1;
	}
	json_array_foreach(arr, i, item) {
		char *s;

		if (!json_is_string(item)) {
			perr(p, what, 0, "'%s' must be an array of strings", what);
			return -1;
		}
		s = expand(p, json_string_value(item), b, nb);
		if (!s)
			return -1;
		*out = xrealloc(*out, sizeof(char *) * (size_t)(*count + 1));
		(*out)[(*count)++] = s;
	}
	return 0;
}

static const char *const step_keys[] = { "step", "as", "timeout", "always", NULL };

static int
parse_steps(struct parse *p, struct recipe_job *job, json_t *steps)
{
	json_t *s;
	size_t i;
	int j;

	if (!json_is_array(steps) || json_array_size(steps) == 0) {
		perr(p, job->name, 0, "job '%s' needs a non-empty 'steps' array", job->name);
		return -1;
	}
	job->steps = xcalloc(json_array_size(steps), sizeof(*job->steps));
	json_array_foreach(steps, i, s) {
		const struct step_def *def;
		struct recipe_step *rs;
		json_t *name, *as, *timeout, *always;

		if (!json_is_object(s)) {
			perr(p, job->name, 0, "job '%s': step %zu must be an object", job->name, i + 1);
			return -1;
		}
		check_keys(p, s, "a step", step_keys);
		name = json_object_get(s, "step");
		as = json_object_get(s, "as");
		timeout = json_object_get(s, "timeout");
		always = json_object_get(s, "always");
		if (!json_is_string(name)) {
			perr(p, job->name, 0, "job '%s': step %zu has no 'step' name", job->name, i + 1);
			return -1;
		}
		def = step_lookup(json_string_value(name));
		if (!def) {
			perr(p, json_string_value(name), 0, "job '%s': unknown step '%s' (see 'pvci help steps')",
			     job->name, json_string_value(name));
			return -1;
		}
		rs = &job->steps[job->nsteps++];
		rs->step = xstrdup(def->name);
		rs->testid = xstrdup(as ? (json_is_string(as) ? json_string_value(as) : "") : def->name);
		rs->always = def->always;
		rs->timeout = def->default_timeout;
		if (!name_is_valid(rs->testid)) {
			perr(p, "as", 0, "job '%s': step name '%s' is not made of [A-Za-z0-9._-]",
			     job->name, rs->testid);
			return -1;
		}
		if (timeout) {
			if (!json_is_integer(timeout) || json_integer_value(timeout) <= 0 ||
			    json_integer_value(timeout) > 7 * 24 * 3600) {
				perr(p, "timeout", 0, "job '%s' step '%s': 'timeout' must be seconds "
				     "between 1 and 604800", job->name, rs->testid);
				return -1;
			}
			rs->timeout = (int)json_integer_value(timeout);
		}
		if (always) {
			if (!json_is_boolean(always)) {
				perr(p, "always", 0, "job '%s' step '%s': 'always' must be true or false",
				     job->name, rs->testid);
				return -1;
			}
			rs->always = json_is_true(always);
		}
		for (j = 0; j < job->nsteps - 1; j++) {
			if (strcmp(job->steps[j].testid, rs->testid) == 0) {
				perr(p, rs->testid, 1, "job '%s': two steps are named '%s' "
				     "(give one an \"as\" name)", job->name, rs->testid);
				return -1;
			}
		}
	}
	return 0;
}

static const char *const job_keys[] = {
	"name", "matrix", "needs", "trees", "runvars", "steps", "description", NULL
};

static struct recipe_job *
new_job(struct recipe *r)
{
	r->jobs = xrealloc(r->jobs, sizeof(*r->jobs) * (size_t)(r->njobs + 1));
	memset(&r->jobs[r->njobs], 0, sizeof(r->jobs[0]));
	return &r->jobs[r->njobs++];
}

/* Makes one job from a template under one matrix binding. */
static int
make_job(struct parse *p, struct recipe *r, json_t *tmpl, json_t *recipe_runvars,
	 const struct binding *b, int nb)
{
	const char *tname = json_string_value(json_object_get(tmpl, "name"));
	struct recipe_job *job;
	char *name;
	int i, nth = 0;

	name = expand(p, tname, b, nb);
	if (!name)
		return -1;
	if (!name_is_valid(name)) {
		perr(p, tname, 0, "job name '%s' is not made of [A-Za-z0-9._-]", name);
		free(name);
		return -1;
	}
	for (i = 0; i < r->njobs; i++) {
		if (strcmp(r->jobs[i].name, name) == 0) {
			/* Point at the later template when the two differ. */
			nth = strcmp(tname, name) == 0 ? 1 : 0;
			perr(p, tname, nth, "duplicate job name '%s'", name);
			free(name);
			return -1;
		}
	}
	if (r->njobs >= RECIPE_MAX_JOBS) {
		perr(p, tname, 0, "the recipe makes more than %d jobs", RECIPE_MAX_JOBS);
		free(name);
		return -1;
	}
	job = new_job(r);
	job->name = name;
	job->selected = 1;
	if (string_list(p, json_object_get(tmpl, "needs"), "needs", b, nb, &job->needs,
			&job->nneeds) < 0)
		return -1;
	if (string_list(p, json_object_get(tmpl, "trees"), "trees", b, nb, &job->trees,
			&job->ntrees) < 0)
		return -1;
	if (!json_object_get(tmpl, "trees")) {
		/* By default a job gets every tree of the recipe. */
		for (i = 0; i < r->ntrees; i++) {
			job->trees = xrealloc(job->trees, sizeof(char *) * (size_t)(job->ntrees + 1));
			job->trees[job->ntrees++] = xstrdup(r->trees[i].name);
		}
	}
	add_runvars(p, job, recipe_runvars, b, nb);
	add_runvars(p, job, json_object_get(tmpl, "runvars"), b, nb);
	return parse_steps(p, job, json_object_get(tmpl, "steps"));
}

/* Expands a template over the cartesian product of its matrix. */
static int
expand_template(struct parse *p, struct recipe *r, json_t *tmpl, json_t *recipe_runvars)
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
			perr(p, "matrix", 0, "'matrix' must be an object of arrays");
			return -1;
		}
		json_object_foreach(matrix, var, values) {
			json_t *item;
			size_t i;

			if (nb == 16) {
				perr(p, var, 0, "a matrix has at most 16 variables");
				return -1;
			}
			if (!name_is_valid(var)) {
				perr(p, var, 0, "matrix variable '%s' is not made of [A-Za-z0-9._-]", var);
				return -1;
			}
			if (!json_is_array(values) || json_array_size(values) == 0) {
				perr(p, var, 0, "matrix variable '%s' needs a non-empty array", var);
				return -1;
			}
			json_array_foreach(values, i, item) {
				if (!json_is_string(item) || !name_is_valid(json_string_value(item))) {
					perr(p, var, 0, "matrix variable '%s': values must be names "
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
				perr(p, var, 0, "the matrix makes more than %d jobs", RECIPE_MAX_JOBS);
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
		rc = make_job(p, r, tmpl, recipe_runvars, b, nb);
	}
	return rc;
}

static const char *const tree_keys[] = { "name", "url", "branch", "subdir", NULL };

static int
parse_trees(struct parse *p, struct recipe *r, json_t *trees)
{
	json_t *t;
	size_t i;
	int j;

	if (!trees)
		return 0;
	if (!json_is_array(trees)) {
		perr(p, "trees", 0, "'trees' must be an array");
		return -1;
	}
	r->trees = xcalloc(json_array_size(trees) + 1, sizeof(*r->trees));
	json_array_foreach(trees, i, t) {
		struct recipe_tree *rt;
		const char *name, *url, *branch, *subdir;

		if (!json_is_object(t)) {
			perr(p, "trees", 0, "tree %zu must be an object", i + 1);
			return -1;
		}
		check_keys(p, t, "a tree", tree_keys);
		name = json_string_value(json_object_get(t, "name"));
		url = json_string_value(json_object_get(t, "url"));
		branch = json_string_value(json_object_get(t, "branch"));
		subdir = json_string_value(json_object_get(t, "subdir"));
		if (!name || !name_is_valid(name)) {
			perr(p, name ? name : "trees", 0, "tree %zu needs a 'name' made of "
			     "[A-Za-z0-9._-]", i + 1);
			return -1;
		}
		if (!url || !*url) {
			perr(p, name, 0, "tree '%s' needs a 'url'", name);
			return -1;
		}
		for (j = 0; j < r->ntrees; j++) {
			if (strcmp(r->trees[j].name, name) == 0) {
				perr(p, name, 1, "duplicate tree name '%s'", name);
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
	}
	return 0;
}

/* Depth-first search for a cycle; state: 0 new, 1 on the path, 2 done. */
static int
find_cycle(struct recipe *r, int at, int *state, int *path, int depth, struct strbuf *out)
{
	int i, k;

	state[at] = 1;
	path[depth] = at;
	for (i = 0; i < r->jobs[at].nneeds; i++) {
		struct recipe_job *dep = recipe_job(r, r->jobs[at].needs[i]);
		int d = dep ? (int)(dep - r->jobs) : -1;

		if (d < 0)
			continue;
		if (state[d] == 1) {
			for (k = 0; k <= depth; k++)
				if (path[k] == d)
					break;
			for (; k <= depth; k++)
				strbuf_addf(out, "'%s' -> ", r->jobs[path[k]].name);
			strbuf_addf(out, "'%s'", r->jobs[d].name);
			return d;
		}
		if (state[d] == 0) {
			int c = find_cycle(r, d, state, path, depth + 1, out);

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
	int *state, *path, i, j;

	for (i = 0; i < r->njobs; i++) {
		struct recipe_job *job = &r->jobs[i];

		for (j = 0; j < job->nneeds; j++) {
			if (!recipe_job(r, job->needs[j]))
				perr(p, job->needs[j], 0, "job '%s' needs '%s', which is not a job "
				     "of this recipe", job->name, job->needs[j]);
			else if (strcmp(job->needs[j], job->name) == 0)
				perr(p, job->needs[j], 0, "job '%s' needs itself", job->name);
		}
		for (j = 0; j < job->ntrees; j++)
			if (!recipe_tree(r, job->trees[j]))
				perr(p, job->trees[j], 0, "job '%s' uses tree '%s', which the "
				     "recipe does not define", job->name, job->trees[j]);
	}
	if (p->errors)
		return;
	state = xcalloc((size_t)r->njobs + 1, sizeof(int));
	path = xcalloc((size_t)r->njobs + 1, sizeof(int));
	for (i = 0; i < r->njobs; i++) {
		struct strbuf cycle;

		if (state[i])
			continue;
		strbuf_init(&cycle);
		if (find_cycle(r, i, state, path, 0, &cycle) >= 0) {
			perr(p, "needs", 0, "dependency cycle: %s", cycle.buf);
			strbuf_release(&cycle);
			break;
		}
		strbuf_release(&cycle);
	}
	free(state);
	free(path);
}

static const char *const recipe_keys[] = {
	"name", "description", "branch", "trees", "runvars", "jobs", NULL
};

struct recipe *
recipe_parse(const char *path, const char *text, const char *basedir)
{
	struct parse p = { .path = path, .text = text, .basedir = basedir };
	struct recipe *r;
	json_error_t jerr;
	json_t *root, *jobs, *tmpl, *runvars;
	const char *name, *branch;
	size_t i;

	root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		errorx("%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		errorx("%s:1:1: a recipe must be a JSON object", path);
		json_decref(root);
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	r->path = xstrdup(path);
	check_keys(&p, root, "the recipe", recipe_keys);
	name = json_string_value(json_object_get(root, "name"));
	if (!name || !name_is_valid(name))
		perr(&p, "name", 0, "the recipe needs a 'name' made of [A-Za-z0-9._-]");
	r->name = xstrdup(name ? name : "");
	r->description = xstrdup(json_string_value(json_object_get(root, "description")) ?
				 json_string_value(json_object_get(root, "description")) : "");
	branch = json_string_value(json_object_get(root, "branch"));
	if (branch && !name_is_valid(branch))
		perr(&p, branch, 0, "branch '%s' is not made of [A-Za-z0-9._-]", branch);
	r->branch = xstrdup(branch ? branch : r->name);
	runvars = json_object_get(root, "runvars");
	if (runvars && !json_is_object(runvars))
		perr(&p, "runvars", 0, "'runvars' must be an object");
	if (p.errors || parse_trees(&p, r, json_object_get(root, "trees")) < 0)
		goto fail;

	jobs = json_object_get(root, "jobs");
	if (!json_is_array(jobs) || json_array_size(jobs) == 0) {
		perr(&p, "jobs", 0, "the recipe needs a non-empty 'jobs' array");
		goto fail;
	}
	json_array_foreach(jobs, i, tmpl) {
		if (!json_is_object(tmpl)) {
			perr(&p, "jobs", 0, "job %zu must be an object", i + 1);
			goto fail;
		}
		check_keys(&p, tmpl, "a job", job_keys);
		if (!json_is_string(json_object_get(tmpl, "name"))) {
			perr(&p, "jobs", 0, "job %zu has no 'name'", i + 1);
			goto fail;
		}
		if (p.errors || expand_template(&p, r, tmpl, runvars) < 0)
			goto fail;
	}
	check_graph(&p, r);
	if (p.errors)
		goto fail;
	json_decref(root);
	return r;
fail:
	if (!p.errors)
		errorx("%s: invalid recipe", path);
	json_decref(root);
	recipe_free(r);
	return NULL;
}

struct recipe *
recipe_load(const char *path)
{
	char *text, *dir, *slash, *abs;
	struct recipe *r;

	text = read_file(path, 4 << 20, NULL);
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
	r = recipe_parse(path, text, dir);
	free(abs);
	free(dir);
	free(text);
	return r;
}

static void
free_list(char **list, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
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
		for (j = 0; j < job->nrunvars; j++) {
			free(job->runvars[j].name);
			free(job->runvars[j].value);
		}
		free(job->runvars);
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
		free(r->trees[i].revision);
	}
	free(r->trees);
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
select_with_needs(struct recipe *r, struct recipe_job *job)
{
	int i;

	if (job->selected)
		return;
	job->selected = 1;
	for (i = 0; i < job->nneeds; i++)
		select_with_needs(r, recipe_job(r, job->needs[i]));
}

int
recipe_select_jobs(struct recipe *r, const char *glob)
{
	int i, any = 0;

	for (i = 0; i < r->njobs; i++)
		r->jobs[i].selected = 0;
	for (i = 0; i < r->njobs; i++) {
		if (glob_match(glob, r->jobs[i].name)) {
			select_with_needs(r, &r->jobs[i]);
			any = 1;
		}
	}
	if (!any)
		return errorx("no job of recipe '%s' matches '%s'", r->name, glob);
	return 0;
}
