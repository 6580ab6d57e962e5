#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "config.h"
#include "instance.h"
#include "log.h"
#include "trigger-push.h"
#include "util.h"
#include "webhook.h"

#define SHA256_LEN 32
#define PUSHER_MAX 64

void
webhook_push_release(struct webhook_push *p)
{
	int i;

	if (!p)
		return;
	free(p->event);
	free(p->ref);
	free(p->after);
	for (i = 0; i < WEBHOOK_MAX_URLS; i++)
		free(p->urls[i]);
	free(p->pusher);
	memset(p, 0, sizeof(*p));
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* "sha256=HEX" checked against the body's HMAC with secret: 1 equal, 0 not. */
static int
github_signature_ok(const char *header, const char *secret, const char *body, size_t len)
{
	unsigned char want[SHA256_LEN], got[EVP_MAX_MD_SIZE];
	unsigned int got_len = 0;
	int i;

	if (strncmp(header, "sha256=", 7) || strlen(header + 7) != 2 * SHA256_LEN)
		return 0;
	for (i = 0; i < SHA256_LEN; i++) {
		int hi = hexval((unsigned char)header[7 + 2 * i]);
		int lo = hexval((unsigned char)header[8 + 2 * i]);

		if (hi < 0 || lo < 0)
			return 0;
		want[i] = (unsigned char)(hi << 4 | lo);
	}
	if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)body, len,
		  got, &got_len) || got_len != SHA256_LEN)
		return 0;
	return CRYPTO_memcmp(want, got, SHA256_LEN) == 0;
}

static int
token_ok(const char *given, const char *secret)
{
	size_t len = strlen(secret);

	return strlen(given) == len && CRYPTO_memcmp(given, secret, len) == 0;
}

/* A string at a dotted path of obj ("repository.clone_url"), or NULL. */
static const char *
jpath(json_t *obj, const char *path)
{
	char *copy = xstrdup(path), *p = copy, *dot;
	json_t *v = obj;

	while (v && (dot = strchr(p, '.'))) {
		*dot = '\0';
		v = json_object_get(v, p);
		p = dot + 1;
	}
	v = v ? json_object_get(v, p) : NULL;
	free(copy);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A user name kept to [A-Za-z0-9._-], at most PUSHER_MAX characters. */
static char *
sanitise_user(const char *s)
{
	struct strbuf sb;

	if (!s || !*s)
		return NULL;
	strbuf_init(&sb);
	for (; *s && sb.len < PUSHER_MAX; s++)
		if (isalnum((unsigned char)*s) || strchr("._-", *s))
			strbuf_add(&sb, s, 1);
	if (!sb.len) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb);
}

static int
parse_body(struct webhook_push *push, const struct service_request *req,
	   struct service_answer *a)
{
	static const char *const github_urls[] = {
		"repository.clone_url", "repository.ssh_url", "repository.html_url",
		"repository.git_url", "repository.url", NULL,
	};
	static const char *const gitlab_urls[] = {
		"project.git_http_url", "project.git_ssh_url", "project.web_url",
		"repository.git_http_url", "repository.git_ssh_url", "repository.homepage", NULL,
	};
	const char *const *urls = push->provider == WEBHOOK_GITHUB ? github_urls : gitlab_urls;
	const char *ref, *after;
	json_error_t jerr;
	json_t *root;
	int i, n = 0;

	root = json_loadb(req->body ? req->body : "", req->body_len, JSON_REJECT_DUPLICATES,
			  &jerr);
	if (!root || !json_is_object(root)) {
		char *why = root ? xstrdup("the body must be a JSON object")
				 : xasprintf("the body is not JSON: line %d column %d: %s",
					     jerr.line, jerr.column, jerr.text);
		service_answer_set(a, 400, "error", why, NULL);
		free(why);
		json_decref(root);
		return 400;
	}
	ref = jpath(root, "ref");
	after = jpath(root, "after");
	/* GitLab names the head checkout_sha too; after is the one for a push. */
	if (!after && push->provider == WEBHOOK_GITLAB)
		after = jpath(root, "checkout_sha");
	if (!ref || !*ref || strlen(ref) > 256 || strpbrk(ref, "\n\r")) {
		json_decref(root);
		return service_answer_set(a, 400, "error", "field 'ref' is missing or not a ref",
					  NULL);
	}
	if (!after || strlen(after) != 40 || strspn(after, "0123456789abcdef") != 40) {
		json_decref(root);
		return service_answer_set(a, 400, "error", push->provider == WEBHOOK_GITHUB ?
					  "field 'after' is missing or not a full commit id" :
					  "field 'after' (or 'checkout_sha') is missing or not a "
					  "full commit id", NULL);
	}
	for (i = 0; urls[i] && n < WEBHOOK_MAX_URLS - 1; i++) {
		const char *u = jpath(root, urls[i]);

		if (u && *u && strlen(u) < 2048)
			push->urls[n++] = xstrdup(u);
	}
	if (!n) {
		json_decref(root);
		return service_answer_set(a, 400, "error", push->provider == WEBHOOK_GITHUB ?
					  "field 'repository.clone_url' (or ssh_url, html_url) is "
					  "missing" : "field 'project.git_http_url' (or git_ssh_url, "
					  "web_url) is missing", NULL);
	}
	push->ref = xstrdup(ref);
	push->after = xstrdup(after);
	push->pusher = sanitise_user(push->provider == WEBHOOK_GITHUB ?
				     jpath(root, "pusher.name") : jpath(root, "user_username"));
	json_decref(root);
	return 0;
}

int
webhook_parse(const struct config *cfg, const struct service_request *req,
	      struct webhook_push *push, struct service_answer *a)
{
	const char *sig = service_header(req, "X-Hub-Signature-256");
	const char *token = service_header(req, "X-Gitlab-Token");
	const char *event, *secret;

	memset(push, 0, sizeof(*push));
	if (sig) {
		push->provider = WEBHOOK_GITHUB;
		secret = config_github_secret(cfg);
		if (!secret)
			return service_answer_set(a, 403, "error", "GitHub webhooks are not enabled "
						  "here (no github_secret in the secrets file)", NULL);
		if (!github_signature_ok(sig, secret, req->body ? req->body : "", req->body_len))
			return service_answer_set(a, 403, "error", "X-Hub-Signature-256 does not "
						  "match the body", NULL);
		event = service_header(req, "X-GitHub-Event");
		push->event = xstrdup(event ? event : "push");
		push->is_push = !strcmp(push->event, "push");
	} else if (token) {
		push->provider = WEBHOOK_GITLAB;
		secret = config_gitlab_token(cfg);
		if (!secret)
			return service_answer_set(a, 403, "error", "GitLab webhooks are not enabled "
						  "here (no gitlab_token in the secrets file)", NULL);
		if (!token_ok(token, secret))
			return service_answer_set(a, 403, "error", "X-Gitlab-Token is wrong", NULL);
		event = service_header(req, "X-Gitlab-Event");
		push->event = xstrdup(event ? event : "Push Hook");
		push->is_push = !strcmp(push->event, "Push Hook");
	} else {
		return service_answer_set(a, 401, "error", "unsigned: neither X-Hub-Signature-256 "
					  "(GitHub) nor X-Gitlab-Token (GitLab)", NULL);
	}
	if (!push->is_push)
		return 0;
	return parse_body(push, req, a);
}

/*
 * A repository URL reduced to host/path: scheme, user and a trailing ".git"
 * or "/" dropped, "git@host:path" made "host/path". Local paths stay paths.
 */
static char *
repo_key(const char *url)
{
	const char *p = url, *scheme = strstr(url, "://"), *at, *colon, *slash;
	char *key;
	size_t len;

	if (scheme) {
		p = scheme + 3;
		slash = p + strcspn(p, "/");
		at = memchr(p, '@', (size_t)(slash - p));
		if (at)
			p = at + 1;
		key = xstrdup(p);
	} else if ((colon = strchr(url, ':')) && (!(slash = strchr(url, '/')) || colon < slash)) {
		/* scp-like "user@host:path". */
		at = memchr(url, '@', (size_t)(colon - url));
		p = at ? at + 1 : url;
		key = xasprintf("%.*s/%s", (int)(colon - p), p, colon + 1);
	} else {
		key = xstrdup(url);
	}
	len = strlen(key);
	while (len > 1 && key[len - 1] == '/')
		key[--len] = '\0';
	if (len > 4 && !strcmp(key + len - 4, ".git"))
		key[len - 4] = '\0';
	return key;
}

int
webhook_same_repo(const char *a, const char *b)
{
	char *ka = repo_key(a), *kb = repo_key(b);
	/* GitHub and GitLab take owner and repository names in any case. */
	int same = !strcasecmp(ka, kb);

	free(ka);
	free(kb);
	return same;
}

/* 1 when one of the push's repository URLs is url. */
static int
push_names(const struct webhook_push *push, const char *url)
{
	int k;

	for (k = 0; k < WEBHOOK_MAX_URLS && push->urls[k]; k++)
		if (webhook_same_repo(url, push->urls[k]))
			return 1;
	return 0;
}

int
webhook_match(const struct config *cfg, const struct webhook_push *push,
	      const struct config_branch **out, struct service_answer *a)
{
	const struct config_tree *trees;
	const struct config_branch *b;
	int nt = config_trees(cfg, &trees), nb = config_branches(cfg, &b), i, j;
	const char *tree = NULL, *ref;
	char *why;

	for (i = 0; i < nt && !tree; i++)
		if (push_names(push, trees[i].url))
			tree = trees[i].name;
	if (!tree) {
		why = xasprintf("no configured tree has the repository '%s'", push->urls[0]);
		service_answer_set(a, 404, "error", why, NULL);
		free(why);
		return 404;
	}
	if (strncmp(push->ref, "refs/heads/", 11))
		return service_answer_set(a, 200, "decision", "ignored", "reason",
					  "not a branch", NULL);
	ref = push->ref + 11;
	if (strspn(push->after, "0") == 40)
		return service_answer_set(a, 200, "decision", "ignored", "reason",
					  "the branch was deleted", NULL);
	/* Several trees may name the same repository: any with this branch. */
	for (i = 0; i < nt; i++) {
		if (!push_names(push, trees[i].url))
			continue;
		for (j = 0; j < nb; j++)
			if (!strcmp(b[j].tree, trees[i].name) && !strcmp(b[j].ref, ref) &&
			    b[j].push_recipe) {
				*out = &b[j];
				return 0;
			}
	}
	why = xasprintf("branch '%s' of tree '%s' has no push trigger", ref, tree);
	service_answer_set(a, 200, "decision", "ignored", "reason", why, NULL);
	free(why);
	return 200;
}

int
webhook_handle(struct instance *inst, const struct config *cfg,
	       const struct service_request *req, struct service_answer *a)
{
	const struct config_branch *b = NULL;
	struct trigger_result res;
	struct webhook_push push;
	char *requester, *url, *why;
	int status;

	memset(a, 0, sizeof(*a));
	status = webhook_parse(cfg, req, &push, a);
	if (status) {
		log_warnx("webhook refused (%d): %s", status, a->body);
		webhook_push_release(&push);
		return status;
	}
	if (!push.is_push) {
		why = xasprintf("event '%s' is not a push", push.event);
		service_answer_set(a, 200, "decision", "ignored", "reason", why, NULL);
		free(why);
		webhook_push_release(&push);
		return 200;
	}
	status = webhook_match(cfg, &push, &b, a);
	if (status) {
		log_warnx("webhook %s %s: %s", push.urls[0], push.ref, a->body);
		webhook_push_release(&push);
		return status;
	}
	requester = xasprintf("%s:%s", push.provider == WEBHOOK_GITHUB ? "github" : "gitlab",
			      push.pusher ? push.pusher : "unknown");
	if (trigger_push_head(inst, cfg, b, push.after, requester, &res) < 0) {
		free(requester);
		webhook_push_release(&push);
		return service_answer_set(a, 500, "error", "the flight could not be made (see "
					  "the service's log)", NULL);
	}
	a->flight = res.flight;
	url = service_flight_url(cfg, res.flight);
	service_answer_set(a, res.decision == TRIGGER_SKIPPED ? 200 : 202,
			   "decision", trigger_decision_name(res.decision), "reason", res.reason,
			   "url", url, NULL);
	free(url);
	free(requester);
	trigger_result_release(&res);
	webhook_push_release(&push);
	return a->status;
}
