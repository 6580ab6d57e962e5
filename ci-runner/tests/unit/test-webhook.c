/*
 * Webhooks, pure part: GitHub's HMAC signature and GitLab's token, the
 * documented push payload shapes, repository URL matching, and the mapping
 * to configured trees and branches.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "config.h"
#include "request.h"
#include "util.h"
#include "webhook.h"

#define SECRET "It's a Secret to Everybody"
#define GITLAB "glpat-token-0123456789"
#define SHA1 "6113728f27ae82c7b1a177c8d03f9e96e0adf246"

static char home[64];
static struct config *cfg;

/* GitHub's push event, as documented (the fields pvci reads, and others). */
static const char github_push[] =
	"{\"ref\": \"refs/heads/master\", \"before\": \"0000000000000000000000000000000000000000\","
	" \"after\": \"" SHA1 "\", \"created\": false, \"deleted\": false, \"forced\": false,"
	" \"base_ref\": null, \"compare\": \"https://github.com/xen/xenbus/compare/a...b\","
	" \"commits\": [{\"id\": \"" SHA1 "\", \"message\": \"Fix\", \"distinct\": true}],"
	" \"head_commit\": {\"id\": \"" SHA1 "\"},"
	" \"repository\": {\"id\": 1296269, \"name\": \"xenbus\", \"full_name\": \"xen/xenbus\","
	"  \"html_url\": \"https://github.com/xen/xenbus\","
	"  \"git_url\": \"git://github.com/xen/xenbus.git\","
	"  \"ssh_url\": \"git@github.com:xen/xenbus.git\","
	"  \"clone_url\": \"https://github.com/xen/xenbus.git\", \"default_branch\": \"master\"},"
	" \"pusher\": {\"name\": \"octo cat\", \"email\": \"octocat@github.com\"},"
	" \"sender\": {\"login\": \"octocat\", \"id\": 1}}";

/* GitLab's "Push Hook", as documented. */
static const char gitlab_push[] =
	"{\"object_kind\": \"push\", \"event_name\": \"push\","
	" \"before\": \"95790bf891e76fee5e1747ab589903a6a1f80f22\","
	" \"after\": \"" SHA1 "\", \"ref\": \"refs/heads/staging\", \"checkout_sha\": \"" SHA1 "\","
	" \"user_id\": 4, \"user_name\": \"John Smith\", \"user_username\": \"jsmith\","
	" \"project_id\": 15, \"project\": {\"id\": 15, \"name\": \"xenvif\","
	"  \"web_url\": \"https://gitlab.example.com/xen/xenvif\","
	"  \"git_ssh_url\": \"git@gitlab.example.com:xen/xenvif.git\","
	"  \"git_http_url\": \"https://gitlab.example.com/xen/xenvif.git\","
	"  \"path_with_namespace\": \"xen/xenvif\", \"default_branch\": \"master\"},"
	" \"repository\": {\"name\": \"xenvif\", \"url\": \"git@gitlab.example.com:xen/xenvif.git\","
	"  \"homepage\": \"https://gitlab.example.com/xen/xenvif\"},"
	" \"commits\": [], \"total_commits_count\": 0}";

static void
write_text(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static int
setup(void **state)
{
	char *path;

	(void)state;
	snprintf(home, sizeof(home), "/tmp/pvci-test-webhook.XXXXXX");
	assert_non_null(mkdtemp(home));
	path = path_join(home, "config.json");
	write_text(path,
		   "{\"service\": {\"secrets_file\": \"secrets.json\"},"
		   " \"trees\": {"
		   "  \"xenbus\": {\"url\": \"git@github.com:xen/xenbus\","
		   "   \"branches\": {\"master\": {\"push\": \"push\"}, \"old\": {}}},"
		   "  \"xenvif\": {\"url\": \"https://gitlab.example.com/xen/xenvif\","
		   "   \"branches\": {\"staging\": {\"push\": \"push\"}}}}}", 0644);
	cfg = config_load(path);
	assert_non_null(cfg);
	free(path);
	path = path_join(home, "secrets.json");
	write_text(path, "{\"github_secret\": \"" SECRET "\", \"gitlab_token\": \"" GITLAB "\"}",
		   0600);
	free(path);
	assert_int_equal(config_load_secrets(cfg, home), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	config_free(cfg);
	remove_tree(home);
	return 0;
}

/* "sha256=HEX" of body with key. */
static char *
signature(const char *key, const char *body)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;
	struct strbuf sb;

	HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)body, strlen(body), md,
	     &len);
	strbuf_init(&sb);
	strbuf_adds(&sb, "sha256=");
	for (i = 0; i < len; i++)
		strbuf_addf(&sb, "%02x", md[i]);
	return strbuf_detach(&sb);
}

static int
parse(const char *body, const char *h1, const char *v1, const char *h2, const char *v2,
      struct webhook_push *push, struct service_answer *a)
{
	struct service_header h[2] = { { h1, v1 }, { h2, v2 } };
	struct service_request req = { h, h2 ? 2 : h1 ? 1 : 0, body, strlen(body) };

	memset(a, 0, sizeof(*a));
	return webhook_parse(cfg, &req, push, a);
}

static void
test_github(void **state)
{
	char *sig = signature(SECRET, github_push), *other = signature("nope", github_push);
	const struct config_branch *b = NULL;
	struct service_answer a;
	struct webhook_push p;

	(void)state;
	assert_int_equal(parse(github_push, "x-github-event", "push", "X-Hub-Signature-256", sig,
			       &p, &a), 0);
	assert_int_equal(p.provider, WEBHOOK_GITHUB);
	assert_string_equal(p.ref, "refs/heads/master");
	assert_string_equal(p.after, SHA1);
	assert_string_equal(p.urls[0], "https://github.com/xen/xenbus.git");
	/* Kept to a safe alphabet: it goes to the database and the logs. */
	assert_string_equal(p.pusher, "octocat");
	assert_int_equal(webhook_match(cfg, &p, &b, &a), 0);
	assert_string_equal(b->key, "xenbus/master");
	webhook_push_release(&p);
	service_answer_release(&a);

	/* Upper-case hex is the same signature. */
	for (char *c = sig + 7; *c; c++)
		if (*c >= 'a' && *c <= 'f')
			*c = (char)(*c - 'a' + 'A');
	assert_int_equal(parse(github_push, "X-Hub-Signature-256", sig, NULL, NULL, &p, &a), 0);
	webhook_push_release(&p);

	assert_int_equal(parse(github_push, "X-Hub-Signature-256", other, NULL, NULL, &p, &a), 403);
	assert_non_null(strstr(a.body, "does not match"));
	service_answer_release(&a);
	webhook_push_release(&p);
	assert_int_equal(parse(github_push, "X-Hub-Signature-256", "sha256=", NULL, NULL, &p, &a),
			 403);
	service_answer_release(&a);
	webhook_push_release(&p);
	assert_int_equal(parse(github_push, "X-Hub-Signature-256", "sha1=0123", NULL, NULL, &p, &a),
			 403);
	service_answer_release(&a);
	webhook_push_release(&p);
	assert_int_equal(parse(github_push, "X-GitHub-Event", "push", NULL, NULL, &p, &a), 401);
	service_answer_release(&a);
	webhook_push_release(&p);
	free(sig);
	free(other);
}

static void
test_gitlab(void **state)
{
	const struct config_branch *b = NULL;
	struct service_answer a;
	struct webhook_push p;

	(void)state;
	assert_int_equal(parse(gitlab_push, "X-Gitlab-Event", "Push Hook", "X-Gitlab-Token", GITLAB,
			       &p, &a), 0);
	assert_int_equal(p.provider, WEBHOOK_GITLAB);
	assert_string_equal(p.after, SHA1);
	assert_string_equal(p.pusher, "jsmith");
	assert_int_equal(webhook_match(cfg, &p, &b, &a), 0);
	assert_string_equal(b->key, "xenvif/staging");
	webhook_push_release(&p);
	service_answer_release(&a);

	assert_int_equal(parse(gitlab_push, "X-Gitlab-Token", "glpat-token-012345678", NULL, NULL,
			       &p, &a), 403);
	service_answer_release(&a);
	webhook_push_release(&p);
	assert_int_equal(parse(gitlab_push, "X-Gitlab-Token", "", NULL, NULL, &p, &a), 403);
	service_answer_release(&a);
	webhook_push_release(&p);
	/* Another event is answered, not triggered. */
	assert_int_equal(parse("{}", "X-Gitlab-Event", "Tag Push Hook", "X-Gitlab-Token", GITLAB,
			       &p, &a), 0);
	assert_false(p.is_push);
	webhook_push_release(&p);
}

/* Malformed bodies, each told the field at fault; signed, so they get that far. */
static const struct {
	const char *body;
	const char *why;
} malformed[] = {
	{ "", "not JSON" },
	{ "[1, 2]", "must be a JSON object" },
	{ "{\"after\": \"" SHA1 "\"}", "field 'ref'" },
	{ "{\"ref\": 7, \"after\": \"" SHA1 "\"}", "field 'ref'" },
	{ "{\"ref\": \"refs/heads/master\"}", "field 'after'" },
	{ "{\"ref\": \"refs/heads/master\", \"after\": \"6113728\"}", "field 'after'" },
	{ "{\"ref\": \"refs/heads/master\", \"after\": \"" SHA1 "\"}", "repository.clone_url" },
	{ "{\"ref\": \"refs/heads/master\", \"after\": \"" SHA1 "\", \"repository\": "
	  "{\"clone_url\": 5}}", "repository.clone_url" },
	{ "{\"ref\": \"refs/heads/master\", \"ref\": \"refs/heads/x\"}", "not JSON" },
};

static void
test_malformed(void **state)
{
	struct service_answer a;
	struct webhook_push p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		char *sig = signature(SECRET, malformed[i].body);
		int st = parse(malformed[i].body, "X-Hub-Signature-256", sig, NULL, NULL, &p, &a);

		if (st != 400 || !strstr(a.body, malformed[i].why))
			fail_msg("body '%s': %d %s, want 400 naming %s", malformed[i].body, st,
				 a.body ? a.body : "", malformed[i].why);
		service_answer_release(&a);
		webhook_push_release(&p);
		free(sig);
	}
}

static const struct {
	const char *a, *b;
	int same;
} urls[] = {
	{ "https://github.com/xen/xenbus.git", "https://github.com/xen/xenbus", 1 },
	{ "git@github.com:xen/xenbus.git", "https://github.com/xen/xenbus", 1 },
	{ "ssh://git@github.com/xen/xenbus.git", "https://github.com/xen/xenbus/", 1 },
	{ "git://github.com/Xen/XenBus.git", "https://github.com/xen/xenbus", 1 },
	{ "https://user@github.com/xen/xenbus", "https://github.com/xen/xenbus", 1 },
	{ "https://github.com/xen/xenbus", "https://github.com/xen/xenvif", 0 },
	{ "https://github.com/xen/xenbus", "https://gitlab.com/xen/xenbus", 0 },
	{ "https://github.com/xen/xenbus", "https://github.com/xen/xenbus2", 0 },
	{ "/srv/git/xenbus.git", "/srv/git/xenbus", 1 },
	{ "/srv/git/xenbus", "/srv/git/other", 0 },
};

static void
test_same_repo(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++)
		if (webhook_same_repo(urls[i].a, urls[i].b) != urls[i].same)
			fail_msg("'%s' and '%s': want %s", urls[i].a, urls[i].b,
				 urls[i].same ? "the same" : "different");
}

/* Pushes that are no work: unknown repository, tags, deletions, untriggered branches. */
static void
test_match(void **state)
{
	static const struct {
		const char *url, *ref, *after;
		int status;
		const char *why;
	} cases[] = {
		{ "https://github.com/xen/nosuch", "refs/heads/master", SHA1, 404, "no configured tree" },
		{ "https://github.com/xen/xenbus", "refs/tags/9.1", SHA1, 200, "not a branch" },
		{ "https://github.com/xen/xenbus", "refs/heads/master",
		  "0000000000000000000000000000000000000000", 200, "deleted" },
		{ "https://github.com/xen/xenbus", "refs/heads/old", SHA1, 200, "no push trigger" },
		{ "https://github.com/xen/xenbus", "refs/heads/other", SHA1, 200, "no push trigger" },
	};
	const struct config_branch *b;
	struct service_answer a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct webhook_push p;
		int st;

		memset(&p, 0, sizeof(p));
		memset(&a, 0, sizeof(a));
		p.urls[0] = xstrdup(cases[i].url);
		p.ref = xstrdup(cases[i].ref);
		p.after = xstrdup(cases[i].after);
		st = webhook_match(cfg, &p, &b, &a);
		if (st != cases[i].status || !strstr(a.body, cases[i].why))
			fail_msg("%s %s: %d %s, want %d %s", cases[i].url, cases[i].ref, st,
				 a.body ? a.body : "", cases[i].status, cases[i].why);
		service_answer_release(&a);
		webhook_push_release(&p);
	}
}

/* Without secrets, every webhook is refused; a refused body is never parsed. */
static void
test_no_secrets(void **state)
{
	struct config *bare = config_defaults();
	struct service_header h = { "X-Hub-Signature-256", "sha256=00" };
	struct service_request req = { &h, 1, "not json", 8 };
	struct service_answer a = { 0, NULL, 0 };
	struct webhook_push p;

	(void)state;
	assert_int_equal(webhook_parse(bare, &req, &p, &a), 403);
	assert_non_null(strstr(a.body, "not enabled"));
	service_answer_release(&a);
	webhook_push_release(&p);
	config_free(bare);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_github),
		cmocka_unit_test(test_gitlab),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_same_repo),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_no_secrets),
	};

	return cmocka_run_group_tests_name("webhook", tests, setup, teardown);
}
