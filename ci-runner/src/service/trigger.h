/*
 * What the service's triggers share (push polling, webhooks, nightly
 * schedules, one-off API): the outcome of a trigger, where a recipe named
 * in the config is, and the head of a remote branch.
 *
 * Every decision is logged on stderr as one line,
 *   pvci: trigger push xenbus/master: created flight 12 at 0123abcd... (new head)
 * naming the trigger, the configured TREE/BRANCH, the decision and why.
 */
#ifndef PVCI_TRIGGER_H
#define PVCI_TRIGGER_H

struct config;
struct instance;

enum trigger_decision {
	TRIGGER_CREATED,	/* a new flight */
	TRIGGER_COALESCED,	/* a queued flight's revisions moved to the new head */
	TRIGGER_SKIPPED,	/* nothing to do: already tested, unchanged, not due */
};

struct trigger_result {
	enum trigger_decision decision;
	long flight;		/* created, coalesced into, or the one that tested it; 0 */
	char *reason;		/* for logs and answers; caller releases */
};
void trigger_result_release(struct trigger_result *r);
const char *trigger_decision_name(enum trigger_decision d);

/*
 * The file of a recipe the config names: a name ([A-Za-z0-9._-], no ".json")
 * is NAME.json in service.recipes_dir (unset: pvci's flights/), anything else
 * a path relative to the instance. The file must exist. NULL (reported).
 */
char *trigger_recipe_path(const struct instance *inst, const struct config *cfg,
			  const char *recipe);

/*
 * The commit branch ref ("master", or "HEAD") of the repository at url
 * points at, from "git ls-remote" (an argv, no prompt, 30 s at most),
 * matching the ref exactly. NULL (reported) when unreachable or absent.
 */
char *trigger_remote_head(const char *url, const char *ref);

/* 1 when s is a full commit id (40 lower-case hex digits). */
int trigger_is_commit(const char *s);

/*
 * Checks what config.json names for the triggers, beyond its syntax: every
 * push and nightly recipe exists, loads, and has a tree of the branch's
 * tree's name. For the daemon's start and SIGHUP (a config that fails is
 * refused, the old one stays) and "pvci trigger check". 0, or -1 with each
 * problem reported naming its setting.
 */
int trigger_check_config(const struct instance *inst, const struct config *cfg);

/*
 * What the daemon calls each tick (say once a second): the push polls that
 * are due (trigger_push_poll) and the nightly schedules due at now
 * (trigger_nightly_tick). 0, or -1 when one of them failed (reported; the
 * daemon carries on). Webhooks and the API are the listener's, not a tick's.
 */
int trigger_tick(struct instance *inst, const struct config *cfg, long now);

/* Logs a decision: "trigger WHAT KEY: DECISION[ flight N][ at REV] (REASON)". */
void trigger_log(const char *what, const char *key, const struct trigger_result *r,
		 const char *rev);

#endif
