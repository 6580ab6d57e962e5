#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "flight-create.h"
#include "instance.h"
#include "log.h"
#include "trigger-push.h"
#include "util.h"

#define TRIGGER_PUSH "push"

/* Makes a real flight of b's push recipe with b's tree at head. */
static long
create_push_flight(struct instance *inst, const struct config *cfg,
		   const struct config_branch *b, const char *head, const char *requester)
{
	const struct config_tree *t = config_tree_find(cfg, b->tree);
	struct flight_tree_opt tree = { .name = b->tree, .url = t ? t->url : "", .rev = head };
	struct flight_create_opts o = {
		.branch = b->flight_branch, .blessing = "real",
		.trees = &tree, .ntrees = 1,
		.requester = requester, .trigger = TRIGGER_PUSH, .trigger_key = b->key,
	};
	char *path = trigger_recipe_path(inst, cfg, b->push_recipe);
	long flight;

	if (!path)
		return -1;
	o.recipe = path;
	flight = flight_create(inst, &o);
	free(path);
	return flight;
}

int
trigger_push_head(struct instance *inst, const struct config *cfg,
		  const struct config_branch *b, const char *head, const char *requester,
		  struct trigger_result *res)
{
	long tested, queued, flight;
	int moved;

	memset(res, 0, sizeof(*res));
	if (!b->push_recipe)
		return errorx("branch '%s' has no push recipe", b->key);
	if (!trigger_is_commit(head))
		return errorx("branch '%s': '%s' is not a full commit id", b->key, head);
	tested = db_trigger_flight_at(inst->db, TRIGGER_PUSH, b->key, b->tree, head);
	if (tested < 0)
		return -1;
	if (tested > 0) {
		queued = db_trigger_queued_flight(inst->db, TRIGGER_PUSH, b->key);
		res->decision = TRIGGER_SKIPPED;
		res->flight = tested;
		res->reason = queued == tested ? xasprintf("already queued in flight %ld", tested)
					       : xasprintf("already tested in flight %ld", tested);
		trigger_log(TRIGGER_PUSH, b->key, res, head);
		return 0;
	}
	queued = db_trigger_queued_flight(inst->db, TRIGGER_PUSH, b->key);
	if (queued < 0)
		return -1;
	if (queued > 0) {
		moved = db_flight_move_revision(inst->db, queued, b->tree, head);
		if (moved < 0)
			return -1;
		if (moved) {
			res->decision = TRIGGER_COALESCED;
			res->flight = queued;
			res->reason = xasprintf("flight %ld was still queued: its revision of "
						"'%s' moved to the new head", queued, b->tree);
			trigger_log(TRIGGER_PUSH, b->key, res, head);
			return 0;
		}
		/* It started meanwhile: the new head gets a flight of its own. */
	}
	flight = create_push_flight(inst, cfg, b, head, requester);
	if (flight < 0) {
		log_warnx("trigger push %s: no flight made at %s (see above)", b->key, head);
		return -1;
	}
	res->decision = TRIGGER_CREATED;
	res->flight = flight;
	res->reason = xasprintf("new head, asked by %s", requester);
	trigger_log(TRIGGER_PUSH, b->key, res, head);
	return 0;
}

/* Polls branch b once: its head, and the trigger on it when it changed. */
static int
poll_branch(struct instance *inst, const struct config *cfg, const struct config_branch *b,
	    long now)
{
	const struct config_tree *t = config_tree_find(cfg, b->tree);
	char *name = xasprintf("poll %s", b->key), *head = NULL, *seen = NULL;
	struct trigger_result res;
	long last;
	int rc = -1;

	if (!t) {
		errorx("branch '%s': no tree '%s'", b->key, b->tree);
		goto out;
	}
	if (db_trigger_last_fire(inst->db, name, &last, &seen) < 0)
		goto out;
	head = trigger_remote_head(t->url, b->ref);
	if (!head) {
		log_warnx("trigger push %s: cannot poll (see above); trying again in %ld s",
			  b->key, config_int(cfg, "service.poll_interval"));
		/* The time of the attempt, so a dead remote is not polled every tick. */
		db_trigger_fire_set(inst->db, name, now, 0, seen ? seen : "");
		goto out;
	}
	/* The same head as last poll: said only when asked (-v), not every minute. */
	if (seen && !strcmp(seen, head)) {
		log_info("trigger push %s: skipped at %s (unchanged since the last poll)",
			 b->key, head);
		rc = db_trigger_fire_set(inst->db, name, now, 0, head);
		goto out;
	}
	/* A head that could not be triggered stays unseen: the next poll tries again. */
	if (trigger_push_head(inst, cfg, b, head, "poll", &res) < 0) {
		db_trigger_fire_set(inst->db, name, now, 0, seen ? seen : "");
		goto out;
	}
	trigger_result_release(&res);
	rc = db_trigger_fire_set(inst->db, name, now, 0, head);
out:
	free(name);
	free(head);
	free(seen);
	return rc;
}

static int
poll_branches(struct instance *inst, const struct config *cfg, long now, int all)
{
	const struct config_branch *b;
	int i, n = config_branches(cfg, &b), rc = 0;
	long interval = config_int(cfg, "service.poll_interval");

	for (i = 0; i < n; i++) {
		char *name;
		long last;

		if (!b[i].push_recipe)
			continue;
		if (!all) {
			name = xasprintf("poll %s", b[i].key);
			if (db_trigger_last_fire(inst->db, name, &last, NULL) < 0) {
				free(name);
				rc = -1;
				continue;
			}
			free(name);
			if (last && now >= last && now - last < interval)
				continue;
		}
		if (poll_branch(inst, cfg, &b[i], now) < 0)
			rc = -1;
	}
	return rc;
}

int
trigger_push_poll(struct instance *inst, const struct config *cfg, long now)
{
	return poll_branches(inst, cfg, now, 0);
}

int
trigger_push_poll_all(struct instance *inst, const struct config *cfg, long now)
{
	return poll_branches(inst, cfg, now, 1);
}
