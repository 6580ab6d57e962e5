/*
 * The service's config: trees, branches, recipes per trigger, schedules;
 * errors naming the key; the 0600 secrets file, whose values are never in
 * a message; token lookup.
 */
#include <setjmp.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "util.h"

static char home[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(home, sizeof(home), "/tmp/pvci-test-cfgsvc.XXXXXX");
	assert_non_null(mkdtemp(home));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	remove_tree(home);
	return 0;
}

static char *
write_in_home(const char *name, const char *text, mode_t mode)
{
	char *path = path_join(home, name);
	FILE *f;

	unlink(path);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
	return path;
}

/* stderr to a file while loading, to check what errors say. */
static char *
load_errors(const char *text, struct config **out)
{
	char *path = write_in_home("config.json", text, 0644), *err = path_join(home, "err");
	int fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600), saved = dup(2);
	char *msg;

	fflush(stderr);
	dup2(fd, 2);
	close(fd);
	*out = config_load(path);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	msg = read_file(err, 1 << 16, NULL);
	free(err);
	free(path);
	return msg;
}

static void
test_trees(void **state)
{
	const struct config_branch *b;
	const struct config_tree *t;
	struct config *cfg;
	char *err;

	(void)state;
	err = load_errors("{\"service\": {\"poll_interval\": 30}, \"trees\": {"
			  " \"xenbus\": {\"url\": \"https://xenbits.xen.org/git-http/pvdrivers/win/xenbus.git\","
			  "  \"branches\": {"
			  "   \"master\": {\"push\": \"push\", \"nightly\": \"nightly\", \"flight_branch\": \"xenbus\","
			  "    \"schedule\": {\"time\": \"02:30\", \"days\": [\"mon\", \"fri\"], \"utc_offset\": \"-05:30\"}},"
			  "   \"staging/9.1\": {\"push\": \"flights/push.json\"}}},"
			  " \"xenvif\": {\"url\": \"git@example.org:xenvif\"}}}", &cfg);
	assert_non_null(cfg);
	assert_string_equal(err, "");
	assert_int_equal(config_int(cfg, "service.poll_interval"), 30);
	assert_int_equal(config_trees(cfg, &t), 2);
	assert_string_equal(t[1].name, "xenvif");
	assert_int_equal(config_branches(cfg, &b), 2);
	assert_string_equal(b[0].key, "xenbus/master");
	assert_string_equal(b[0].push_recipe, "push");
	assert_string_equal(b[0].nightly_recipe, "nightly");
	assert_string_equal(b[0].flight_branch, "xenbus");
	assert_true(b[0].has_schedule);
	assert_int_equal(b[0].schedule.minute, 150);
	assert_int_equal(b[0].schedule.days, (1u << 1) | (1u << 5));
	assert_int_equal(b[0].schedule.utc_offset, -(5 * 3600 + 30 * 60));
	assert_string_equal(b[1].ref, "staging/9.1");
	assert_null(b[1].nightly_recipe);
	assert_false(b[1].has_schedule);
	assert_null(b[1].flight_branch);
	assert_non_null(config_tree_find(cfg, "xenvif"));
	assert_null(config_tree_find(cfg, "xennet"));
	config_free(cfg);
	free(err);

	/* No trees: no triggers. */
	cfg = config_defaults();
	assert_int_equal(config_branches(cfg, &b), 0);
	assert_null(config_token_name(cfg, "anything-at-all-long"));
	config_free(cfg);
}

/* Refused configs, and what the error must name. */
static const struct {
	const char *text;
	const char *why;
} refused[] = {
	{ "{\"trees\": []}", "section 'trees' must be an object" },
	{ "{\"trees\": {\"x y\": {\"url\": \"/g\"}}}", "'trees.x y'" },
	{ "{\"trees\": {\"t\": {}}}", "'trees.t.url' is required" },
	{ "{\"trees\": {\"t\": {\"url\": 5}}}", "'trees.t.url' is required" },
	{ "{\"trees\": {\"t\": {\"url\": \"https://u:pw@host/x\"}}}", "'trees.t.url' must hold no credentials" },
	{ "{\"trees\": {\"t\": {\"url\": \"/g\", \"colour\": 1}}}", "unknown setting 'trees.t.colour'" },
	{ "{\"trees\": {\"t\": {\"url\": \"/g\", \"branches\": []}}}", "'trees.t.branches' must be an object" },
	{ "{\"trees\": {\"t\": {\"url\": \"/g\", \"branches\": {\"a..b\": {}}}}}", "'trees.t.branches.a..b'" },
	{ "{\"trees\": {\"t\": {\"url\": \"/g\", \"branches\": {\"-x\": {}}}}}", "'trees.t.branches.-x'" },
	{ "{\"trees\": {\"t\": {\"url\": \"/g\", \"branches\": {\"m\": {\"push\": 1}}}}}",
	  "'trees.t.branches.m.push' must be a non-empty string" },
	{ "{\"trees\": {\"t\": {\"url\": \"/g\", \"branches\": {\"m\": {\"push\": \"a b\"}}}}}",
	  "'trees.t.branches.m.push': 'a b' is neither" },
	{ "{\"trees\": {\"t\": {\"url\": \"/g\", \"branches\": {\"m\": {\"flight_branch\": \"a/b\"}}}}}",
	  "'trees.t.branches.m.flight_branch'" },
	{ "{\"trees\": {\"t\": {\"url\": \"/g\", \"branches\": {\"m\": {\"nightly\": \"n\"}}}}}",
	  "'trees.t.branches.m.nightly' needs 'trees.t.branches.m.schedule'" },
	{ "{\"trees\": {\"t\": {\"url\": \"/g\", \"branches\": {\"m\": {\"schedule\": {\"time\": \"02:00\"}}}}}}",
	  "'trees.t.branches.m.schedule' needs 'trees.t.branches.m.nightly'" },
	{ "{\"trees\": {\"t\": {\"url\": \"/g\", \"branches\": {\"m\": {\"nightly\": \"n\", \"schedule\": {\"time\": \"24:00\"}}}}}}",
	  "'trees.t.branches.m.schedule.time' must be a time of day" },
	{ "{\"trees\": {\"t\": {\"url\": \"/g\", \"branches\": {\"m\": {\"nightly\": \"n\", \"schedule\": {\"time\": \"2:00\"}}}}}}",
	  "'trees.t.branches.m.schedule.time'" },
	{ "{\"trees\": {\"t\": {\"url\": \"/g\", \"branches\": {\"m\": {\"nightly\": \"n\", \"schedule\": {}}}}}}",
	  "'trees.t.branches.m.schedule.time' is required" },
	{ "{\"trees\": {\"t\": {\"url\": \"/g\", \"branches\": {\"m\": {\"nightly\": \"n\", \"schedule\": {\"time\": \"01:00\", \"days\": [\"monday\"]}}}}}}",
	  "'trees.t.branches.m.schedule.days' holds 'monday'" },
	{ "{\"trees\": {\"t\": {\"url\": \"/g\", \"branches\": {\"m\": {\"nightly\": \"n\", \"schedule\": {\"time\": \"01:00\", \"days\": []}}}}}}",
	  "'trees.t.branches.m.schedule.days' must be a list" },
	{ "{\"trees\": {\"t\": {\"url\": \"/g\", \"branches\": {\"m\": {\"nightly\": \"n\", \"schedule\": {\"time\": \"01:00\", \"utc_offset\": \"+15:00\"}}}}}}",
	  "'trees.t.branches.m.schedule.utc_offset'" },
	{ "{\"trees\": {\"t\": {\"url\": \"/g\", \"branches\": {\"m\": {\"nightly\": \"n\", \"schedule\": {\"time\": \"01:00\", \"at\": 1}}}}}}",
	  "unknown setting 'trees.t.branches.m.schedule.at'" },
	{ "{\"trees\": {\"t\": {\"url\": \"repos/t.git\"}}}", "'trees.t.url' must be a URL or an absolute path" },
	{ "{\"service\": {\"poll_interval\": 1}}", "'service.poll_interval' must be between 5" },
	{ "{\"service\": {\"tokens\": {}}}", "unknown setting 'service.tokens'" },
};

static void
test_refused(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct config *cfg;
		char *err = load_errors(refused[i].text, &cfg);

		if (cfg || !strstr(err, refused[i].why))
			fail_msg("config %s: %s; want refused naming %s", refused[i].text,
				 cfg ? "accepted" : err, refused[i].why);
		config_free(cfg);
		free(err);
	}
}

/* Loads the secrets file text (mode) into a config naming it; stderr in *err. */
static int
secrets(const char *text, mode_t mode, struct config **cfg, char **err)
{
	char *path = write_in_home("secrets.json", text, mode), *errpath = path_join(home, "err2");
	int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600), saved = dup(2), rc;

	*cfg = config_defaults();
	assert_int_equal(config_set(*cfg, "service.secrets_file", "secrets.json"), 0);
	fflush(stderr);
	dup2(fd, 2);
	close(fd);
	rc = config_load_secrets(*cfg, home);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	*err = read_file(errpath, 1 << 16, NULL);
	free(errpath);
	free(path);
	return rc;
}

static void
test_secrets(void **state)
{
	struct config *cfg;
	char *err;

	(void)state;
	assert_int_equal(secrets("{\"tokens\": {\"alice\": \"alice-secret-token-1\", "
				 "\"bob\": \"bob-secret-token-22\"}, \"github_secret\": \"gh-1\", "
				 "\"gitlab_token\": \"gl-2\"}", 0600, &cfg, &err), 0);
	assert_string_equal(config_token_name(cfg, "alice-secret-token-1"), "alice");
	assert_string_equal(config_token_name(cfg, "bob-secret-token-22"), "bob");
	assert_null(config_token_name(cfg, "bob-secret-token-2"));
	assert_null(config_token_name(cfg, "bob-secret-token-222"));
	assert_null(config_token_name(cfg, ""));
	assert_string_equal(config_github_secret(cfg), "gh-1");
	assert_string_equal(config_gitlab_token(cfg), "gl-2");
	/* Loading again replaces: a token taken out no longer works. */
	free(err);
	free(write_in_home("secrets.json", "{\"tokens\": {\"bob\": \"bob-secret-token-22\"}}", 0600));
	assert_int_equal(config_load_secrets(cfg, home), 0);
	assert_null(config_token_name(cfg, "alice-secret-token-1"));
	assert_null(config_github_secret(cfg));
	config_free(cfg);

	/* Readable by others: refused, and nothing of it loaded. */
	assert_int_equal(secrets("{\"github_secret\": \"hush-hush-value\"}", 0640, &cfg, &err), -1);
	assert_non_null(strstr(err, "make it 0600"));
	assert_null(config_github_secret(cfg));
	config_free(cfg);
	free(err);

	/* Errors name the key, never a value. */
	assert_int_equal(secrets("{\"tokens\": {\"carol\": \"short-hush\"}}", 0600, &cfg, &err), -1);
	assert_non_null(strstr(err, "'tokens.carol' must be a string of at least 16"));
	assert_null(strstr(err, "short-hush"));
	config_free(cfg);
	free(err);
	assert_int_equal(secrets("{\"tokens\": {\"a\": \"same-token-0123456789\", "
				 "\"b\": \"same-token-0123456789\"}}", 0600, &cfg, &err), -1);
	assert_non_null(strstr(err, "'tokens.b' is the same token as 'tokens.a'"));
	assert_null(strstr(err, "same-token-0123"));
	config_free(cfg);
	free(err);
	assert_int_equal(secrets("{\"github_secret\": \"hush-hush-value\", \"extra\": 1,", 0600,
				 &cfg, &err), -1);
	assert_non_null(strstr(err, "not valid JSON"));
	assert_null(strstr(err, "hush-hush"));
	config_free(cfg);
	free(err);
	assert_int_equal(secrets("{\"gitlab\": \"hush-hush-value\"}", 0600, &cfg, &err), -1);
	assert_non_null(strstr(err, "unknown key 'gitlab'"));
	config_free(cfg);
	free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trees),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_secrets),
	};

	return cmocka_run_group_tests_name("config-service", tests, setup, teardown);
}
