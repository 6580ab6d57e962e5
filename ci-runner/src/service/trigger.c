#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "instance.h"
#include "log.h"
#include "nightly.h"
#include "proc.h"
#include "recipe.h"
#include "step.h"
#include "trigger.h"
#include "trigger-push.h"
#include "util.h"

#define LS_REMOTE_MAX (4 << 20)
#define LS_REMOTE_TIMEOUT 30

void
trigger_result_release(struct trigger_result *r)
{
	if (!r)
		return;
	free(r->reason);
	r->reason = NULL;
}

const char *
trigger_decision_name(enum trigger_decision d)
{
	switch (d) {
	case TRIGGER_CREATED:
		return "created";
	case TRIGGER_COALESCED:
		return "coalesced";
	case TRIGGER_SKIPPED:
		return "skipped";
	}
	return "?";
}

int
trigger_is_commit(const char *s)
{
	return strlen(s) == 40 && strspn(s, "0123456789abcdef") == 40;
}

char *
trigger_recipe_path(const struct instance *inst, const struct config *cfg,
		    const char *recipe)
{
	const char *dir = config_str(cfg, "service.recipes_dir");
	char *path, *base;

	if (name_is_valid(recipe) && !strchr(recipe, '/') &&
	    !(strlen(recipe) > 5 && !strcmp(recipe + strlen(recipe) - 5, ".json"))) {
		base = dir ? instance_resolve(inst->home, dir) : path_join(data_dir(), "flights");
		path = xasprintf("%s/%s.json", base, recipe);
		free(base);
	} else {
		path = instance_resolve(inst->home, recipe);
	}
	if (!file_exists(path)) {
		errorx("recipe '%s': no file '%s'", recipe, path);
		free(path);
		return NULL;
	}
	return path;
}

char *
trigger_remote_head(const char *url, const char *ref)
{
	char *full = strcmp(ref, "HEAD") ? xasprintf("refs/heads/%s", ref) : xstrdup("HEAD");
	const char *argv[] = { "git", "ls-remote", "--", url, full, NULL };
	const char *env[] = { "GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=/bin/false", NULL };
	struct proc_opts o = {
		.env = env, .out_fd = -1, .capture_max = LS_REMOTE_MAX,
		.timeout = LS_REMOTE_TIMEOUT,
	};
	char *out = NULL, *sha = NULL, *line, *next;
	int rc;

	o.capture = &out;
	rc = proc_run(argv, &o);
	if (rc != 0) {
		if (rc == PROC_TIMEOUT)
			errorx("tree '%s': git ls-remote took over %d s", url, LS_REMOTE_TIMEOUT);
		else if (rc > 0)
			errorx("tree '%s': git ls-remote failed (exit %d): unreachable or not a "
			       "repository", url, rc);
		goto out;
	}
	/* ls-remote matches the pattern as a suffix; only the exact ref counts. */
	for (line = out; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (strlen(line) > 41 && line[40] == '\t' && !strcmp(line + 41, full)) {
			line[40] = '\0';
			if (trigger_is_commit(line))
				sha = xstrdup(line);
			break;
		}
	}
	if (!sha)
		errorx("tree '%s' has no branch '%s'", url, ref);
out:
	free(out);
	free(full);
	return sha;
}

void
trigger_log(const char *what, const char *key, const struct trigger_result *r,
	    const char *rev)
{
	char flight[32] = "";

	if (r->flight)
		snprintf(flight, sizeof(flight), " flight %ld", r->flight);
	log_warnx("trigger %s %s: %s%s%s%s (%s)", what, key, trigger_decision_name(r->decision),
		  flight, rev ? " at " : "", rev ? rev : "", r->reason ? r->reason : "");
}

int
trigger_tick(struct instance *inst, const struct config *cfg, long now)
{
	int rc = 0;

	/* Both run even when the other failed: one bad branch stops nothing. */
	if (trigger_push_poll(inst, cfg, now) < 0)
		rc = -1;
	if (trigger_nightly_tick(inst, cfg, now) < 0)
		rc = -1;
	return rc;
}

/* One recipe setting of branch b: it loads and has b's tree. */
static int
check_recipe(const struct instance *inst, const struct config *cfg,
	     const struct config_branch *b, const char *which, const char *recipe)
{
	char *path = trigger_recipe_path(inst, cfg, recipe);
	struct recipe *r = path ? recipe_load(path, step_declaration) : NULL;
	int rc = 0;

	if (!r)
		rc = errorx("setting 'trees.%s.branches.%s.%s': recipe '%s' cannot be used "
			    "(see above)", b->tree, b->ref, which, recipe);
	else if (!recipe_tree(r, b->tree))
		rc = errorx("setting 'trees.%s.branches.%s.%s': recipe '%s' has no tree '%s'",
			    b->tree, b->ref, which, recipe, b->tree);
	recipe_free(r);
	free(path);
	return rc;
}

int
trigger_check_config(const struct instance *inst, const struct config *cfg)
{
	const struct config_branch *b;
	int i, n = config_branches(cfg, &b), rc = 0;

	for (i = 0; i < n; i++) {
		if (b[i].push_recipe && check_recipe(inst, cfg, &b[i], "push", b[i].push_recipe) < 0)
			rc = -1;
		if (b[i].nightly_recipe &&
		    check_recipe(inst, cfg, &b[i], "nightly", b[i].nightly_recipe) < 0)
			rc = -1;
	}
	return rc;
}
