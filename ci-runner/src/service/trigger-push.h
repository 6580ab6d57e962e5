/*
 * The push trigger: a new head of a configured branch (trees.T.branches.B
 * with a "push" recipe) makes a `real` flight of that recipe at that head.
 * While the branch's last push flight is still wholly queued, a newer head
 * is coalesced into it (its revision_T runvars move to the head, in one
 * transaction) rather than making a flight per push. A head some push
 * flight of the branch already has is skipped as already tested.
 *
 * Polling (git ls-remote) and webhooks (webhook.h) both end in
 * trigger_push_head(); each decision is logged with its reason.
 */
#ifndef PVCI_TRIGGER_PUSH_H
#define PVCI_TRIGGER_PUSH_H

#include "trigger.h"

struct config;
struct config_branch;
struct instance;

/*
 * What the push trigger does with head (a full commit id) of branch b,
 * asked by requester ("poll", "github:USER", ...): res filled and logged.
 * 0, or -1 (reported; res says nothing) when no flight could be made.
 */
int trigger_push_head(struct instance *inst, const struct config *cfg,
		      const struct config_branch *b, const char *head, const char *requester,
		      struct trigger_result *res);

/*
 * One tick of the daemon: polls every branch with a push recipe whose last
 * poll (recorded in the database as "poll TREE/BRANCH") is at least
 * service.poll_interval seconds before now, and triggers on its head.
 * 0, or -1 when some branch could not be polled or triggered (each
 * reported; the others are still polled).
 */
int trigger_push_poll(struct instance *inst, const struct config *cfg, long now);

/* The same for every such branch, due or not (pvci trigger poll). */
int trigger_push_poll_all(struct instance *inst, const struct config *cfg, long now);

#endif
