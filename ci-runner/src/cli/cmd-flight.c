#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cmd.h"
#include "db.h"
#include "exec.h"
#include "instance.h"
#include "log.h"
#include "proc.h"
#include "recipe.h"
#include "show.h"
#include "step.h"
#include "util.h"

/* A --runvar or --tree from the command line. */
struct override {
	char *job_glob;		/* --runvar JOB:NAME=VALUE; NULL for every job */
	char *name;
	char *value;		/* the runvar's value, or the tree's URL */
	char *rev;		/* --tree NAME=URL#REV */
};

static int
parse_runvar_opt(const char *arg, struct override *o)
{
	const char *eq = strchr(arg, '='), *colon;

	if (!eq)
		return errorx("--runvar '%s': expected [JOB:]NAME=VALUE", arg);
	colon = memchr(arg, ':', (size_t)(eq - arg));
	o->job_glob = colon ? xasprintf("%.*s", (int)(colon - arg), arg) : NULL;
	o->name = colon ? xasprintf("%.*s", (int)(eq - colon - 1), colon + 1)
			: xasprintf("%.*s", (int)(eq - arg), arg);
	o->value = xstrdup(eq + 1);
	if (!name_is_valid(o->name))
		return errorx("--runvar '%s': runvar name '%s' is not made of [A-Za-z0-9._-]",
			      arg, o->name);
	return 0;
}

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

static void
set_tree_runvars(struct recipe *r, struct recipe_job *job)
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
	}
	if (job->ntrees)
		recipe_job_set_runvar(job, "trees", names.buf);
	strbuf_release(&names);
}

/* Writes the whole flight in one transaction: all of it or nothing. */
static long
insert_flight(struct instance *inst, struct recipe *r, const char *branch,
	      const char *blessing)
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
	if (db_commit(inst->db) < 0)
		return -1;
	return flight;
fail:
	db_rollback(inst->db);
	return -1;
}

static int
valid_blessing(const char *b)
{
	return !strcmp(b, "real") || !strcmp(b, "adhoc") || !strcmp(b, "play") ||
	       !strcmp(b, "bisect");
}

static int
flight_create(const struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "branch", required_argument, NULL, 'b' },
		{ "blessing", required_argument, NULL, 'B' },
		{ "tree", required_argument, NULL, 't' },
		{ "runvar", required_argument, NULL, 'r' },
		{ "jobs", required_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *branch = NULL, *blessing = "adhoc", *jobs_glob = NULL;
	struct override *runvars = NULL, *trees = NULL;
	int nrunvars = 0, ntrees = 0, c, i, j, rc = EXIT_ERROR;
	struct instance *inst = NULL;
	struct recipe *r = NULL;
	long flight;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			branch = optarg;
			break;
		case 'B':
			blessing = optarg;
			break;
		case 't': {
			const char *eq = strchr(optarg, '='), *hash;

			trees = xrealloc(trees, sizeof(*trees) * (size_t)(ntrees + 1));
			memset(&trees[ntrees], 0, sizeof(*trees));
			if (!eq || eq == optarg) {
				ntrees++;
				rc = cmd_usage_error(&cmd_flight_entry, "--tree '%s': expected "
						     "NAME=URL[#REV]", optarg);
				goto out;
			}
			trees[ntrees].name = xasprintf("%.*s", (int)(eq - optarg), optarg);
			hash = strrchr(eq + 1, '#');
			trees[ntrees].value = hash ? xasprintf("%.*s", (int)(hash - eq - 1), eq + 1)
						   : xstrdup(eq + 1);
			trees[ntrees].rev = hash ? xstrdup(hash + 1) : NULL;
			ntrees++;
			break;
		}
		case 'r':
			runvars = xrealloc(runvars, sizeof(*runvars) * (size_t)(nrunvars + 1));
			memset(&runvars[nrunvars], 0, sizeof(*runvars));
			if (parse_runvar_opt(optarg, &runvars[nrunvars++]) < 0) {
				rc = EXIT_USAGE;
				goto out;
			}
			break;
		case 'j':
			jobs_glob = optarg;
			break;
		default:
			rc = cmd_usage_error(&cmd_flight_entry, "bad option");
			goto out;
		}
	}
	if (optind + 1 != argc) {
		rc = cmd_usage_error(&cmd_flight_entry, "flight create needs one RECIPE");
		goto out;
	}
	if (!valid_blessing(blessing)) {
		rc = cmd_usage_error(&cmd_flight_entry, "blessing '%s' is not real, adhoc, "
				     "play or bisect", blessing);
		goto out;
	}
	if (branch && !name_is_valid(branch)) {
		rc = cmd_usage_error(&cmd_flight_entry, "branch '%s' is not made of "
				     "[A-Za-z0-9._-]", branch);
		goto out;
	}

	/* Everything is checked before anything is written. */
	r = recipe_load(argv[optind], step_declaration);
	if (!r)
		goto out;
	if (jobs_glob && recipe_select_jobs(r, jobs_glob) < 0)
		goto out;
	for (i = 0; i < ntrees; i++) {
		struct recipe_tree *t = recipe_tree(r, trees[i].name);

		if (!t) {
			errorx("--tree: recipe '%s' has no tree '%s'", r->name, trees[i].name);
			goto out;
		}
		if (*trees[i].value) {
			free(t->url);
			t->url = xstrdup(trees[i].value);
		}
		if (trees[i].rev) {
			/* A full commit id is taken as it is; anything else is a ref. */
			if (is_full_sha(trees[i].rev)) {
				t->revision = xstrdup(trees[i].rev);
			} else {
				t->revision = resolve_ref(t->url, trees[i].rev);
				if (!t->revision) {
					errorx("--tree %s: cannot resolve '%s' in '%s'", t->name,
					       trees[i].rev, t->url);
					goto out;
				}
			}
		}
	}
	for (i = 0; i < r->ntrees; i++) {
		struct recipe_tree *t = &r->trees[i];
		int used = 0;

		for (j = 0; j < r->njobs; j++) {
			int k;

			for (k = 0; k < r->jobs[j].ntrees; k++)
				if (r->jobs[j].selected && !strcmp(r->jobs[j].trees[k], t->name))
					used = 1;
		}
		if (used && !t->revision) {
			t->revision = resolve_ref(t->url, t->branch);
			if (!t->revision)
				log_warnx("tree '%s': cannot resolve '%s' of '%s' now; the source "
					  "step will resolve it when it runs", t->name, t->branch,
					  t->url);
		}
	}
	for (i = 0; i < r->njobs; i++)
		set_tree_runvars(r, &r->jobs[i]);
	for (i = 0; i < nrunvars; i++) {
		int matched = 0;

		for (j = 0; j < r->njobs; j++) {
			if (!r->jobs[j].selected)
				continue;
			if (runvars[i].job_glob && !glob_match(runvars[i].job_glob, r->jobs[j].name))
				continue;
			recipe_job_set_runvar(&r->jobs[j], runvars[i].name, runvars[i].value);
			matched = 1;
		}
		if (!matched) {
			errorx("--runvar %s: no job of the flight matches '%s'", runvars[i].name,
			       runvars[i].job_glob);
			goto out;
		}
	}

	inst = instance_open(opts->home);
	if (!inst)
		goto out;
	flight = insert_flight(inst, r, branch ? branch : r->branch, blessing);
	if (flight < 0)
		goto out;
	printf("%ld\n", flight);
	rc = EXIT_PASS;
out:
	for (i = 0; i < nrunvars; i++) {
		free(runvars[i].job_glob);
		free(runvars[i].name);
		free(runvars[i].value);
	}
	for (i = 0; i < ntrees; i++) {
		free(trees[i].rev);
		free(trees[i].name);
		free(trees[i].value);
	}
	free(runvars);
	free(trees);
	recipe_free(r);
	instance_close(inst);
	return rc;
}

static int
parse_flight_number(const char *s, long *flight)
{
	if (parse_long(s, flight) < 0 || *flight <= 0)
		return errorx("'%s' is not a flight number", s);
	return 0;
}

static int
flight_run(const struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "jobs", required_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *glob = NULL;
	struct instance *inst;
	enum exec_outcome out;
	long flight;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c != 'j')
			return cmd_usage_error(&cmd_flight_entry, "bad option");
		glob = optarg;
	}
	if (optind + 1 != argc)
		return cmd_usage_error(&cmd_flight_entry, "flight run needs one FLIGHT");
	if (parse_flight_number(argv[optind], &flight) < 0)
		return EXIT_USAGE;
	inst = instance_open(opts->home);
	if (!inst)
		return EXIT_ERROR;
	out = exec_flight(inst, flight, glob);
	if (out != EXEC_ERROR)
		show_flight_summary(inst, flight);
	instance_close(inst);
	return (int)out;
}

static int
flight_show(const struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	struct instance *inst;
	int c, json = 0, rc;
	long flight;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c != 'J')
			return cmd_usage_error(&cmd_flight_entry, "bad option");
		json = 1;
	}
	if (optind + 1 != argc)
		return cmd_usage_error(&cmd_flight_entry, "flight show needs one FLIGHT");
	if (parse_flight_number(argv[optind], &flight) < 0)
		return EXIT_USAGE;
	inst = instance_open(opts->home);
	if (!inst)
		return EXIT_ERROR;
	rc = show_flight(inst, flight, json) < 0 ? EXIT_ERROR : EXIT_PASS;
	instance_close(inst);
	return rc;
}

static int
flight_list(const struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "branch", required_argument, NULL, 'b' },
		{ "limit", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	const char *branch = NULL;
	struct instance *inst;
	long limit = 20;
	int c, json = 0, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			branch = optarg;
			break;
		case 'l':
			if (parse_long(optarg, &limit) < 0 || limit < 0)
				return cmd_usage_error(&cmd_flight_entry, "--limit needs a number");
			break;
		case 'J':
			json = 1;
			break;
		default:
			return cmd_usage_error(&cmd_flight_entry, "bad option");
		}
	}
	if (optind != argc)
		return cmd_usage_error(&cmd_flight_entry, "flight list takes no arguments");
	inst = instance_open(opts->home);
	if (!inst)
		return EXIT_ERROR;
	rc = show_flight_list(inst, branch, limit, json) < 0 ? EXIT_ERROR : EXIT_PASS;
	instance_close(inst);
	return rc;
}

static int
cmd_flight_exec(const struct cmd_opts *opts, int argc, char **argv)
{
	if (argc < 2)
		return cmd_usage_error(&cmd_flight_entry, "which flight command?");
	if (!strcmp(argv[1], "create"))
		return flight_create(opts, argc - 1, argv + 1);
	if (!strcmp(argv[1], "run"))
		return flight_run(opts, argc - 1, argv + 1);
	if (!strcmp(argv[1], "show"))
		return flight_show(opts, argc - 1, argv + 1);
	if (!strcmp(argv[1], "list"))
		return flight_list(opts, argc - 1, argv + 1);
	return cmd_usage_error(&cmd_flight_entry, "no flight command '%s'", argv[1]);
}

const struct cmd_entry cmd_flight_entry = {
	.name = "flight",
	.usage = "flight create RECIPE [--branch B] [--blessing real|adhoc|play|bisect]\n"
		 "                   [--tree NAME=URL[#REV]]... [--runvar [JOB:]NAME=VALUE]...\n"
		 "                   [--jobs GLOB]\n"
		 "       pvci flight run FLIGHT [--jobs GLOB]\n"
		 "       pvci flight show FLIGHT [--json]\n"
		 "       pvci flight list [--branch B] [--limit K] [--json]",
	.summary = "create, run and inspect flights",
	.help = "create  validates RECIPE, resolves each tree's branch to a commit (or takes\n"
		"        --tree NAME=URL#REV), records the jobs, steps and runvars, and prints\n"
		"        only the new flight number. --jobs keeps the matching jobs and the\n"
		"        jobs they need. The default blessing is adhoc; only real flights\n"
		"        count as baselines.\n"
		"run     runs the queued jobs in dependency order, printing each step as it\n"
		"        starts and ends. A job whose needed job did not pass is blocked.\n"
		"        Exit status: 0 all passed, 1 something failed or was blocked,\n"
		"        2 something broke (or the run was interrupted), 3 error.\n"
		"        Running it again after a crash marks the jobs the dead process left\n"
		"        running as broken, runs their cleanup steps, and goes on.\n"
		"show    the flight's jobs, steps (with log paths) and runvars.\n"
		"list    the newest flights first.\n",
	.exec = cmd_flight_exec,
};
