/*
 * POST /api/hooks/push: push events of GitHub and GitLab, verified, then
 * mapped to a configured tree and branch and given to the push trigger
 * (trigger-push.h), as a poll would.
 *
 * GitHub: "X-Hub-Signature-256: sha256=HEX", HMAC-SHA256 of the raw body
 * with github_secret (secrets file), compared in constant time; event in
 * X-GitHub-Event (push; ping is answered; others are ignored). GitLab:
 * "X-Gitlab-Token" equal to gitlab_token (constant time); event in
 * X-Gitlab-Event ("Push Hook"). The body is parsed only once verified.
 *
 * Answers (JSON): 202 with the flight made or coalesced into and its URL;
 * 200 when nothing was to do (already tested, a tag, a deleted branch, a
 * branch without a push trigger, another event); 400 malformed (the field
 * named); 401 no signature or token; 403 wrong one (or that provider's
 * secret unset); 404 no configured tree has the repository's URL; 500 the
 * flight could not be made. A refused request changes nothing. 413 (body
 * too large) is the listener's: it stops reading before handing over.
 */
#ifndef PVCI_WEBHOOK_H
#define PVCI_WEBHOOK_H

#include "request.h"

struct config;
struct config_branch;
struct instance;

enum webhook_provider { WEBHOOK_GITHUB, WEBHOOK_GITLAB };

#define WEBHOOK_MAX_URLS 6

/* A verified push event, parsed. */
struct webhook_push {
	enum webhook_provider provider;
	char *event;		/* "push", "Push Hook", "ping", ... */
	int is_push;		/* the event is a push (else: answered, ignored) */
	char *ref;		/* "refs/heads/master" */
	char *after;		/* the new head; 40 zeros for a deleted branch */
	char *urls[WEBHOOK_MAX_URLS];	/* the repository's URLs given, NULL-terminated */
	char *pusher;		/* user name, sanitised; may be NULL */
};
void webhook_push_release(struct webhook_push *p);

/*
 * Pure: verifies req against cfg's secrets and parses it. 0 with *push
 * filled, or an HTTP status (400, 401, 403) with a's body saying why.
 */
int webhook_parse(const struct config *cfg, const struct service_request *req,
		  struct webhook_push *push, struct service_answer *a);

/* Pure: 1 when two repository URLs name the same repository (scheme, user, .git aside). */
int webhook_same_repo(const char *a, const char *b);

/*
 * Pure: the configured branch push's (tree by URL, branch by ref) is for:
 * 0 with *out, or an HTTP status with a filled: 404 no such tree, 200 not
 * a branch, or a branch without a push trigger.
 */
int webhook_match(const struct config *cfg, const struct webhook_push *push,
		  const struct config_branch **out, struct service_answer *a);

/* The whole request: a filled (caller releases); returns a->status. */
int webhook_handle(struct instance *inst, const struct config *cfg,
		   const struct service_request *req, struct service_answer *a);

#endif
