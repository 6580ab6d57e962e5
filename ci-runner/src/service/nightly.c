#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "db.h"
#include "flight-create.h"
#include "instance.h"
#include "log.h"
#include "nightly.h"
#include "recipe.h"
#include "step.h"
#include "trigger.h"
#include "util.h"

#define TRIGGER_NIGHTLY "nightly"
#define DAY 86400L
/* How many passed nightly flights of a branch are compared with a new one. */
#define PASSED_LOOKBACK 20

/* Floor division, so days before 1970 count right too. */
static long
floor_div(long a, long b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

long
nightly_last_slot(const struct config_schedule *s, long now)
{
	long local = now + s->utc_offset, day = floor_div(local, DAY), d;

	for (d = 0; d <= 8; d++) {
		long t = (day - d) * DAY + s->minute * 60L;
		/* 1970-01-01, day 0, was a Thursday (4). */
		long wday = ((day - d) % 7 + 7 + 4) % 7;

		if (t <= local && (s->days & (1u << wday)))
			return t - s->utc_offset;
	}
	return 0;
}

int
nightly_due(const struct config_schedule *s, long now, long last_fire, long catch_up,
	    long *slot)
{
	long t = nightly_last_slot(s, now);

	if (!t || t <= last_fire || now - t > catch_up)
		return 0;
	*slot = t;
	return 1;
}

/* The revisions a new nightly flight of b would test, by tree. */
struct nightly_rev {
	char *tree;
	char *url;		/* "" keeps the recipe's */
	char *rev;
};

static void
revs_free(struct nightly_rev *v, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(v[i].tree);
		free(v[i].url);
		free(v[i].rev);
	}
	free(v);
}

static int
cmp_rev(const void *a, const void *b)
{
	return strcmp(((const struct nightly_rev *)a)->tree, ((const struct nightly_rev *)b)->tree);
}

/* Resolves the head of every tree a job of the recipe uses; -1 (reported). */
static int
resolve_revs(const struct config *cfg, const struct config_branch *b, struct recipe *r,
	     struct nightly_rev **out, int *count)
{
	const struct config_tree *ct = config_tree_find(cfg, b->tree);
	struct nightly_rev *v = NULL;
	int i, j, k, n = 0, used;

	for (i = 0; i < r->ntrees; i++) {
		struct recipe_tree *t = &r->trees[i];
		int ours = !strcmp(t->name, b->tree);

		for (used = 0, j = 0; j < r->njobs && !used; j++)
			for (k = 0; k < r->jobs[j].ntrees; k++)
				if (!strcmp(r->jobs[j].trees[k], t->name))
					used = 1;
		if (!used)
			continue;
		v = xrealloc(v, sizeof(*v) * (size_t)(n + 1));
		v[n].tree = xstrdup(t->name);
		v[n].url = xstrdup(ours && ct ? ct->url : "");
		v[n].rev = trigger_remote_head(ours && ct ? ct->url : t->url,
					       ours ? b->ref : t->branch);
		if (!v[n++].rev) {
			revs_free(v, n);
			return -1;
		}
	}
	if (n)
		qsort(v, (size_t)n, sizeof(*v), cmp_rev);
	*out = v;
	*count = n;
	return 0;
}

/* The passed nightly flight of b with exactly these revisions: 0 none, -1. */
static long
passed_with(struct instance *inst, const struct config_branch *b,
	    const struct nightly_rev *v, int n)
{
	long *flights = NULL, found = 0;
	int nf, i, j;

	if (db_trigger_passed_flights(inst->db, TRIGGER_NIGHTLY, b->key, PASSED_LOOKBACK,
				      &flights, &nf) < 0)
		return -1;
	for (i = 0; i < nf && !found; i++) {
		struct db_revision *r;
		int nr, same;

		if (db_flight_revisions(inst->db, flights[i], &r, &nr) < 0) {
			found = -1;
			break;
		}
		same = nr == n;
		for (j = 0; same && j < n; j++)
			same = !strcmp(r[j].tree, v[j].tree) && !strcmp(r[j].revision, v[j].rev);
		db_revisions_free(r, nr);
		if (same)
			found = flights[i];
	}
	free(flights);
	return found;
}

struct fire {
	const char *name;
	long slot;
};

/* Inside the creating transaction: the slot is handled with the flight. */
static int
record_fire(struct db *db, long flight, void *arg)
{
	const struct fire *f = arg;

	return db_trigger_fire_set(db, f->name, f->slot, flight, "created");
}

static int
fire_branch(struct instance *inst, const struct config *cfg, const struct config_branch *b,
	    long slot)
{
	char *name = xasprintf("nightly %s", b->key), *path, *note;
	struct flight_tree_opt *trees = NULL;
	struct trigger_result res = { TRIGGER_SKIPPED, 0, NULL };
	struct nightly_rev *v = NULL;
	struct fire f = { name, slot };
	struct recipe *r = NULL;
	int i, n = 0, rc = -1;
	long passed;

	path = trigger_recipe_path(inst, cfg, b->nightly_recipe);
	if (!path)
		goto out;
	r = recipe_load(path, step_declaration);
	if (!r || resolve_revs(cfg, b, r, &v, &n) < 0)
		goto out;
	passed = passed_with(inst, b, v, n);
	if (passed < 0)
		goto out;
	if (passed > 0) {
		note = xasprintf("skipped: flight %ld passed at the same revisions", passed);
		rc = db_trigger_fire_set(inst->db, name, slot, 0, note);
		free(note);
		res.flight = passed;
		res.reason = xasprintf("nightly flight %ld already passed at the same revisions",
				       passed);
		trigger_log(TRIGGER_NIGHTLY, b->key, &res, NULL);
		goto out;
	}
	trees = xcalloc((size_t)n + 1, sizeof(*trees));
	for (i = 0; i < n; i++) {
		trees[i].name = v[i].tree;
		trees[i].url = v[i].url;
		trees[i].rev = v[i].rev;
	}
	{
		struct flight_create_opts o = {
			.recipe = path, .branch = b->flight_branch, .blessing = "real",
			.trees = trees, .ntrees = n,
			.requester = "schedule", .trigger = TRIGGER_NIGHTLY, .trigger_key = b->key,
			.in_transaction = record_fire, .in_transaction_arg = &f,
		};

		res.flight = flight_create(inst, &o);
	}
	if (res.flight < 0) {
		log_warnx("trigger nightly %s: no flight made (see above)", b->key);
		goto out;
	}
	res.decision = TRIGGER_CREATED;
	{
		char when[32] = "?";
		time_t t = (time_t)slot;
		struct tm tm;

		if (gmtime_r(&t, &tm))
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
		res.reason = xasprintf("due at %s", when);
	}
	trigger_log(TRIGGER_NIGHTLY, b->key, &res, NULL);
	rc = 0;
out:
	trigger_result_release(&res);
	revs_free(v, n);
	free(trees);
	recipe_free(r);
	free(path);
	free(name);
	return rc;
}

int
trigger_nightly_tick(struct instance *inst, const struct config *cfg, long now)
{
	const struct config_branch *b;
	int i, n = config_branches(cfg, &b), rc = 0;
	long catch_up = config_int(cfg, "service.nightly_catch_up");

	for (i = 0; i < n; i++) {
		char *name, *retry;
		long last, slot, tried;

		if (!b[i].nightly_recipe || !b[i].has_schedule)
			continue;
		name = xasprintf("nightly %s", b[i].key);
		retry = xasprintf("nightly-retry %s", b[i].key);
		if (db_trigger_last_fire(inst->db, name, &last, NULL) < 0 ||
		    db_trigger_last_fire(inst->db, retry, &tried, NULL) < 0) {
			rc = -1;
		} else if (nightly_due(&b[i].schedule, now, last, catch_up, &slot) &&
			   /* A slot that failed is tried again once per poll interval. */
			   !(tried >= slot && now >= tried &&
			     now - tried < config_int(cfg, "service.poll_interval")) &&
			   fire_branch(inst, cfg, &b[i], slot) < 0) {
			log_warnx("trigger nightly %s: failed (see above); trying again in %ld s",
				  b[i].key, config_int(cfg, "service.poll_interval"));
			db_trigger_fire_set(inst->db, retry, now, 0, "failed");
			rc = -1;
		}
		free(name);
		free(retry);
	}
	return rc;
}
