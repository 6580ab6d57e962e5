#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "flight-create.h"
#include "instance.h"
#include "log.h"
#include "proc.h"
#include "recipe.h"
#include "step.h"
#include "util.h"

static int
is_full_sha(const char *s)
{
	return strlen(s) == 40 && strspn(s, "0123456789abcdef") == 40;
}

/* The commit "git ls-remote URL REF" names first; NULL when none. */
static char *
ls_remote(const char *url, const char *ref)
{
	const char *argv[] = { "git", "ls-remote", "--", url, ref, NULL };
	const char *env[] = { "GIT_TERMINAL_PROMPT=0", NULL };
	struct proc_opts o = {
		.env = env, .out_fd = -1, .capture_max = 1 << 20, .timeout = 30,
	};
	char *out = NULL, *sha = NULL;

	o.capture = &out;
	if (proc_run(argv, &o) == 0 && out && strlen(out) >= 41 && out[40] == '\t') {
		out[40] = '\0';
		if (is_full_sha(out))
			sha = xstrdup(out);
	}
	free(out);
	return sha;
}

/*
 * Resolves a branch (or a tag, or HEAD) of a repository to a commit; "git
 * ls-remote" works alike for local paths and remote URLs. NULL when it
 * cannot be reached or has no such ref.
 */
static char *
resolve_ref(const char *url, const char *ref)
{
	char *full, *sha;

	if (!strcmp(ref, "HEAD") || !strncmp(ref, "refs/", 5))
		return ls_remote(url, ref);
	full = xasprintf("refs/heads/%s", ref);
	sha = ls_remote(url, full);
	free(full);
	if (sha)
		return sha;
	full = xasprintf("refs/tags/%s", ref);
	sha = ls_remote(url, full);
	free(full);
	return sha;
}

/*
 * A tree given as a relative path is made absolute here, against the
 * current folder, so that creating and running (from anywhere, later) use
 * the same repository. URLs and scp-like "host:path" are kept.
 */
static char *
absolute_url(const char *url)
{
	const char *colon = strchr(url, ':'), *slash = strchr(url, '/');
	char *cwd, *abs;

	if (url[0] == '/' || strstr(url, "://") || (colon && (!slash || colon < slash)))
		return xstrdup(url);
	cwd = getcwd(NULL, 0);
	if (!cwd) {
		error("tree '%s': cannot tell the current folder", url);
		return NULL;
	}
	abs = path_join(cwd, url);
	free(cwd);
	return abs;
}

static void
set_tree_runvars(struct recipe *r, struct recipe_job *job, const char *branch)
{
	struct strbuf names;
	int i;

	strbuf_init(&names);
	for (i = 0; i < job->ntrees; i++) {
		struct recipe_tree *t = recipe_tree(r, job->trees[i]);
		char *k;

		strbuf_addf(&names, "%s%s", i ? " " : "", t->name);
		k = xasprintf("tree_%s", t->name);
		recipe_job_set_runvar(job, k, t->url);
		free(k);
		k = xasprintf("branch_%s", t->name);
		recipe_job_set_runvar(job, k, t->branch);
		free(k);
		if (t->subdir) {
			k = xasprintf("subdir_%s", t->name);
			recipe_job_set_runvar(job, k, t->subdir);
			free(k);
		}
		if (t->revision) {
			k = xasprintf("revision_%s", t->name);
			recipe_job_set_runvar(job, k, t->revision);
			free(k);
		}
		/* Where the push gate pushes the tree, recorded for when it runs. */
		if (t->push_url) {
			char *ref = t->tested_ref ? xstrdup(t->tested_ref)
						  : xasprintf("refs/heads/tested/%s", branch);

			k = xasprintf("push_url_%s", t->name);
			recipe_job_set_runvar(job, k, t->push_url);
			free(k);
			k = xasprintf("tested_ref_%s", t->name);
			recipe_job_set_runvar(job, k, ref);
			free(k);
			free(ref);
		}
	}
	if (job->ntrees)
		recipe_job_set_runvar(job, "trees", names.buf);
	strbuf_release(&names);
}

/* Writes the whole flight in one transaction: all of it or nothing. */
static long
insert_flight(struct instance *inst, struct recipe *r, const char *branch,
	      const char *blessing, const struct flight_create_opts *o)
{
	long flight;
	int i, j, ordinal = 0;

	if (db_begin(inst->db) < 0)
		return -1;
	flight = db_flight_insert(inst->db, branch, blessing, r->name);
	if (flight < 0)
		goto fail;
	for (i = 0; i < r->njobs; i++) {
		struct recipe_job *job = &r->jobs[i];

		if (!job->selected)
			continue;
		if (db_job_insert(inst->db, flight, job->name, ordinal++) < 0)
			goto fail;
	}
	for (i = 0; i < r->njobs; i++) {
		struct recipe_job *job = &r->jobs[i];

		if (!job->selected)
			continue;
		for (j = 0; j < job->nneeds; j++)
			if (db_dep_insert(inst->db, flight, job->name, job->needs[j]) < 0)
				goto fail;
		for (j = 0; j < job->nsteps; j++)
			if (db_step_insert(inst->db, flight, job->name, j + 1, job->steps[j].step,
					   job->steps[j].testid, job->steps[j].always,
					   job->steps[j].timeout) < 0)
				goto fail;
		for (j = 0; j < job->nrunvars; j++)
			if (db_runvar_set(inst->db, flight, job->name, job->runvars[j].name,
					  job->runvars[j].value, 0) < 0)
				goto fail;
	}
	if ((o->requester || o->trigger || o->trigger_key) &&
	    db_flight_set_origin(inst->db, flight, o->requester, o->trigger, o->trigger_key) < 0)
		goto fail;
	if (o->in_transaction && o->in_transaction(inst->db, flight, o->in_transaction_arg) < 0)
		goto fail;
	if (db_commit(inst->db) < 0)
		return -1;
	return flight;
fail:
	db_rollback(inst->db);
	return -1;
}

int
flight_blessing_valid(const char *b)
{
	return !strcmp(b, "real") || !strcmp(b, "adhoc") || !strcmp(b, "play") ||
	       !strcmp(b, "bisect");
}

/*
 * The URL without its user information ("https://user:pass@host/x" becomes
 * "https://host/x"); a new string. Credentials are never stored in runvars
 * nor put on a command line, where other users could read them: git's
 * credential helper supplies them to the source step.
 */
static char *
url_without_credentials(const char *url)
{
	const char *scheme = strstr(url, "://"), *host, *end, *at = NULL, *p;

	if (!scheme)
		return xstrdup(url);
	host = scheme + 3;
	end = host + strcspn(host, "/?#");
	for (p = host; p < end; p++)
		if (*p == '@')
			at = p;
	if (!at)
		return xstrdup(url);
	return xasprintf("%.*s%s", (int)(host - url), url, at + 1);
}

/* Takes the credentials out of a tree's URL, saying so. */
static void
strip_credentials(struct recipe_tree *t)
{
	char *clean;

	if (!t->url || !secrets_present(t->url))
		return;
	clean = url_without_credentials(t->url);
	log_warnx("tree '%s': the credentials in its URL are not stored nor passed to "
		  "git; using '%s' (give them to git's credential helper instead)",
		  t->name, clean);
	free(t->url);
	t->url = clean;
}

/* Applies the --tree overrides. */
static int
apply_trees(struct recipe *r, const struct flight_create_opts *o)
{
	int i;

	for (i = 0; i < o->ntrees; i++) {
		const struct flight_tree_opt *opt = &o->trees[i];
		struct recipe_tree *t = recipe_tree(r, opt->name);

		if (!t)
			return errorx("--tree: recipe '%s' has no tree '%s'", r->name, opt->name);
		if (opt->url && *opt->url) {
			char *url = absolute_url(opt->url);

			if (!url)
				return -1;
			free(t->url);
			t->url = url;
			strip_credentials(t);
		}
		if (opt->rev) {
			free(t->revision);
			/* A full commit id is taken as it is; anything else is a ref. */
			if (is_full_sha(opt->rev)) {
				t->revision = xstrdup(opt->rev);
			} else {
				t->revision = resolve_ref(t->url, opt->rev);
				if (!t->revision)
					return errorx("--tree %s: cannot resolve '%s' in '%s'", t->name,
						      opt->rev, t->url);
			}
		}
	}
	return 0;
}

/* Resolves the branch of every tree a selected job uses and has no revision. */
static void
resolve_trees(struct recipe *r)
{
	int i, j, k;

	for (i = 0; i < r->ntrees; i++) {
		struct recipe_tree *t = &r->trees[i];
		int used = 0;

		for (j = 0; j < r->njobs; j++)
			for (k = 0; k < r->jobs[j].ntrees; k++)
				if (r->jobs[j].selected && !strcmp(r->jobs[j].trees[k], t->name))
					used = 1;
		if (used && !t->revision) {
			t->revision = resolve_ref(t->url, t->branch);
			if (!t->revision)
				log_warnx("tree '%s': cannot resolve '%s' of '%s' now; the source "
					  "step will resolve it when it runs", t->name, t->branch,
					  t->url);
		}
	}
}

/* Applies the --runvar overrides; each must match some selected job. */
static int
apply_runvars(struct recipe *r, const struct flight_create_opts *o)
{
	int i, j;

	for (i = 0; i < o->nrunvars; i++) {
		const struct flight_runvar_opt *rv = &o->runvars[i];
		int matched = 0;

		if (!name_is_valid(rv->name))
			return errorx("--runvar: runvar name '%s' is not made of [A-Za-z0-9._-]",
				      rv->name);
		for (j = 0; j < r->njobs; j++) {
			if (!r->jobs[j].selected)
				continue;
			if (rv->job_glob && !glob_match(rv->job_glob, r->jobs[j].name))
				continue;
			recipe_job_set_runvar(&r->jobs[j], rv->name, rv->value);
			matched = 1;
		}
		if (!matched)
			return errorx("--runvar %s: no job of the flight matches '%s'", rv->name,
				      rv->job_glob);
	}
	return 0;
}

long
flight_create(struct instance *inst, const struct flight_create_opts *o)
{
	const char *blessing = o->blessing ? o->blessing : "adhoc";
	struct recipe *r;
	long flight = -1;
	int i;

	if (!flight_blessing_valid(blessing))
		return errorx("blessing '%s' is not real, adhoc, play or bisect", blessing);
	if (o->branch && !name_is_valid(o->branch))
		return errorx("branch '%s' is not made of [A-Za-z0-9._-]", o->branch);
	r = recipe_load(o->recipe, step_declaration);
	if (!r)
		return -1;
	if (o->jobs_glob && recipe_select_jobs(r, o->jobs_glob) < 0)
		goto out;
	for (i = 0; i < r->ntrees; i++)
		strip_credentials(&r->trees[i]);
	if (apply_trees(r, o) < 0)
		goto out;
	resolve_trees(r);
	for (i = 0; i < r->njobs; i++)
		set_tree_runvars(r, &r->jobs[i], o->branch ? o->branch : r->branch);
	if (apply_runvars(r, o) < 0)
		goto out;
	/* --runvar overrides are checked against the steps as the recipe's own are. */
	if (recipe_check(r, step_declaration) < 0)
		goto out;
	flight = insert_flight(inst, r, o->branch ? o->branch : r->branch, blessing, o);
out:
	recipe_free(r);
	return flight;
}
