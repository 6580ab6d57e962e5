#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "config.h"
#include "config-service.h"
#include "instance.h"
#include "log.h"
#include "util.h"

#define SECRETS_MAX (64 * 1024)
#define TOKEN_MIN_LEN 16
#define REF_MAX_LEN 200

struct token {
	char *name;
	char *token;
};

struct config_service {
	struct config_tree *trees;
	int ntrees;
	struct config_branch *branches;
	int nbranches;
	/* From the secrets file, loaded apart (config_load_secrets). */
	struct token *tokens;
	int ntokens;
	char *github_secret;
	char *gitlab_token;
};

int
config_service_section(const char *name)
{
	return !strcmp(name, "trees");
}

/* Wipes a secret before freeing it. */
static void
free_secret(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

static void
secrets_clear(struct config_service *svc)
{
	int i;

	for (i = 0; i < svc->ntokens; i++) {
		free(svc->tokens[i].name);
		free_secret(svc->tokens[i].token);
	}
	free(svc->tokens);
	svc->tokens = NULL;
	svc->ntokens = 0;
	free_secret(svc->github_secret);
	free_secret(svc->gitlab_token);
	svc->github_secret = svc->gitlab_token = NULL;
}

void
config_service_free(struct config_service *svc)
{
	int i;

	if (!svc)
		return;
	for (i = 0; i < svc->ntrees; i++) {
		free((char *)svc->trees[i].name);
		free((char *)svc->trees[i].url);
	}
	for (i = 0; i < svc->nbranches; i++) {
		struct config_branch *b = &svc->branches[i];

		free((char *)b->tree);
		free((char *)b->ref);
		free((char *)b->key);
		free((char *)b->flight_branch);
		free((char *)b->push_recipe);
		free((char *)b->nightly_recipe);
	}
	free(svc->trees);
	free(svc->branches);
	secrets_clear(svc);
	free(svc);
}

/*
 * A git branch name as the config may give it: [A-Za-z0-9._/-], no "..",
 * no "//", not starting with '-', '.' or '/', not ending with '/' or
 * ".lock". Stricter than git, so it is safe in an argv and in a log.
 */
static int
ref_is_valid(const char *s)
{
	size_t len = strlen(s);

	return len && len <= REF_MAX_LEN &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._/-") == len &&
	       !strchr("-./", s[0]) && s[len - 1] != '/' && !strstr(s, "..") && !strstr(s, "//") &&
	       !(len >= 5 && !strcmp(s + len - 5, ".lock"));
}

/* A recipe reference: a name (looked up in service.recipes_dir) or a path. */
static int
recipe_ref_is_valid(const char *s)
{
	return *s && strlen(s) < 4096 && !strpbrk(s, "\n\r\t") &&
	       (name_is_valid(s) || strchr(s, '/') ||
		(strlen(s) > 5 && !strcmp(s + strlen(s) - 5, ".json")));
}

static const char *const day_names[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };

/* "+HH:MM" or "-HH:MM" (up to 14 hours) into seconds east of UTC. */
static int
parse_offset(const char *s, int *out)
{
	int h, m, n = 0;

	if ((s[0] != '+' && s[0] != '-') || sscanf(s + 1, "%2d:%2d%n", &h, &m, &n) != 2 ||
	    n != 5 || s[6] || h > 14 || m > 59 || (h == 14 && m))
		return -1;
	*out = (s[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
	return 0;
}

/* "HH:MM" (24 hours) into a minute of the day. */
static int
parse_time_of_day(const char *s, int *out)
{
	int h, m, n = 0;

	if (strlen(s) != 5 || sscanf(s, "%2d:%2d%n", &h, &m, &n) != 2 || n != 5 ||
	    s[2] != ':' || h < 0 || h > 23 || m < 0 || m > 59)
		return -1;
	*out = h * 60 + m;
	return 0;
}

static int
load_schedule(struct config_branch *b, json_t *v, const char *path, const char *where)
{
	const char *k;
	json_t *x;
	int have_time = 0;

	if (!json_is_object(v))
		return errorx("%s: setting '%s' must be an object with time, days and utc_offset",
			      path, where);
	b->has_schedule = 1;
	b->schedule.days = 0x7f;
	json_object_foreach(v, k, x) {
		if (!strcmp(k, "time")) {
			if (!json_is_string(x) ||
			    parse_time_of_day(json_string_value(x), &b->schedule.minute) < 0)
				return errorx("%s: setting '%s.time' must be a time of day HH:MM "
					      "(00:00 to 23:59)", path, where);
			have_time = 1;
		} else if (!strcmp(k, "days")) {
			size_t i;
			json_t *d;
			int j;

			if (!json_is_array(x) || !json_array_size(x))
				return errorx("%s: setting '%s.days' must be a list of days (\"mon\", "
					      "\"tue\", ...)", path, where);
			b->schedule.days = 0;
			json_array_foreach(x, i, d) {
				for (j = 0; j < 7; j++)
					if (json_is_string(d) && !strcmp(json_string_value(d), day_names[j]))
						break;
				if (j == 7)
					return errorx("%s: setting '%s.days' holds '%s', not one of sun, "
						      "mon, tue, wed, thu, fri, sat", path, where,
						      json_is_string(d) ? json_string_value(d) : "(not a string)");
				b->schedule.days |= 1u << j;
			}
		} else if (!strcmp(k, "utc_offset")) {
			if (!json_is_string(x) ||
			    parse_offset(json_string_value(x), &b->schedule.utc_offset) < 0)
				return errorx("%s: setting '%s.utc_offset' must be +HH:MM or -HH:MM "
					      "(at most 14 hours)", path, where);
		} else {
			return errorx("%s: unknown setting '%s.%s'", path, where, k);
		}
	}
	if (!have_time)
		return errorx("%s: setting '%s.time' is required (HH:MM)", path, where);
	return 0;
}

/* An optional string setting into *out; -1 when not a string. */
static int
opt_string(json_t *x, const char **out, const char *path, const char *where, const char *key)
{
	if (json_is_null(x)) {
		free((char *)*out);
		*out = NULL;
		return 0;
	}
	if (!json_is_string(x) || !*json_string_value(x))
		return errorx("%s: setting '%s.%s' must be a non-empty string", path, where, key);
	free((char *)*out);
	*out = xstrdup(json_string_value(x));
	return 0;
}

static int
load_branch(struct config_service *svc, const char *tree, const char *ref, json_t *v,
	    const char *path)
{
	char *where = xasprintf("trees.%s.branches.%s", tree, ref);
	struct config_branch *b;
	const char *k;
	json_t *x;
	int rc = 0;

	if (!ref_is_valid(ref)) {
		rc = errorx("%s: setting '%s': '%s' is not a branch name pvci takes "
			    "([A-Za-z0-9._/-], no '..')", path, where, ref);
		goto out;
	}
	if (!json_is_object(v)) {
		rc = errorx("%s: setting '%s' must be an object (push, nightly, schedule, "
			    "flight_branch)", path, where);
		goto out;
	}
	svc->branches = xrealloc(svc->branches, sizeof(*svc->branches) *
				 (size_t)(svc->nbranches + 1));
	b = &svc->branches[svc->nbranches++];
	memset(b, 0, sizeof(*b));
	b->tree = xstrdup(tree);
	b->ref = xstrdup(ref);
	b->key = xasprintf("%s/%s", tree, ref);
	json_object_foreach(v, k, x) {
		if (!strcmp(k, "push") || !strcmp(k, "nightly")) {
			const char **slot = !strcmp(k, "push") ? &b->push_recipe : &b->nightly_recipe;

			if ((rc = opt_string(x, slot, path, where, k)) < 0)
				goto out;
			if (*slot && !recipe_ref_is_valid(*slot)) {
				rc = errorx("%s: setting '%s.%s': '%s' is neither a recipe name nor "
					    "a path", path, where, k, *slot);
				goto out;
			}
		} else if (!strcmp(k, "flight_branch")) {
			if ((rc = opt_string(x, &b->flight_branch, path, where, k)) < 0)
				goto out;
			if (b->flight_branch && !name_is_valid(b->flight_branch)) {
				rc = errorx("%s: setting '%s.flight_branch': '%s' is not made of "
					    "[A-Za-z0-9._-]", path, where, b->flight_branch);
				goto out;
			}
		} else if (!strcmp(k, "schedule")) {
			char *sw = xasprintf("%s.schedule", where);

			rc = load_schedule(b, x, path, sw);
			free(sw);
			if (rc < 0)
				goto out;
		} else {
			rc = errorx("%s: unknown setting '%s.%s'", path, where, k);
			goto out;
		}
	}
	if (b->has_schedule && !b->nightly_recipe)
		rc = errorx("%s: setting '%s.schedule' needs '%s.nightly' (the recipe it runs)",
			    path, where, where);
	else if (b->nightly_recipe && !b->has_schedule)
		rc = errorx("%s: setting '%s.nightly' needs '%s.schedule' (when it runs)", path,
			    where, where);
out:
	free(where);
	return rc;
}

/* A URL ("scheme://", scp-like "host:path") or an absolute path. */
static int
url_is_absolute(const char *url)
{
	const char *colon = strchr(url, ':'), *slash = strchr(url, '/');

	return url[0] == '/' || strstr(url, "://") || (colon && colon != url && (!slash || colon < slash));
}

static int
load_tree(struct config_service *svc, const char *name, json_t *v, const char *path)
{
	struct config_tree *t;
	json_t *url, *branches, *x;
	const char *k;

	if (!name_is_valid(name))
		return errorx("%s: setting 'trees.%s': the tree name is not made of "
			      "[A-Za-z0-9._-]", path, name);
	if (!json_is_object(v))
		return errorx("%s: setting 'trees.%s' must be an object (url, branches)", path,
			      name);
	json_object_foreach(v, k, x)
		if (strcmp(k, "url") && strcmp(k, "branches"))
			return errorx("%s: unknown setting 'trees.%s.%s'", path, name, k);
	url = json_object_get(v, "url");
	if (!json_is_string(url) || !*json_string_value(url))
		return errorx("%s: setting 'trees.%s.url' is required: the tree's git URL", path,
			      name);
	/* Kept out of the config as out of runvars: git's credential helper has them. */
	if (secrets_present(json_string_value(url)) || strpbrk(json_string_value(url), "\n\r "))
		return errorx("%s: setting 'trees.%s.url' must hold no credentials nor spaces "
			      "(give credentials to git's credential helper)", path, name);
	/* The daemon's folder is nobody's business: a local path is absolute. */
	if (!url_is_absolute(json_string_value(url)))
		return errorx("%s: setting 'trees.%s.url' must be a URL or an absolute path, "
			      "not '%s'", path, name, json_string_value(url));
	svc->trees = xrealloc(svc->trees, sizeof(*svc->trees) * (size_t)(svc->ntrees + 1));
	t = &svc->trees[svc->ntrees++];
	t->name = xstrdup(name);
	t->url = xstrdup(json_string_value(url));
	branches = json_object_get(v, "branches");
	if (!branches)
		return 0;
	if (!json_is_object(branches))
		return errorx("%s: setting 'trees.%s.branches' must be an object: branch name "
			      "to its triggers", path, name);
	json_object_foreach(branches, k, x)
		if (load_branch(svc, name, k, x, path) < 0)
			return -1;
	return 0;
}

int
config_service_load(struct config_service **svcp, const char *name, json_t *v,
		    const char *path)
{
	struct config_service *svc;
	const char *k;
	json_t *x;

	if (strcmp(name, "trees"))
		return errorx("%s: unknown section '%s'", path, name);
	if (!json_is_object(v))
		return errorx("%s: section 'trees' must be an object: tree name to url and "
			      "branches", path);
	if (!*svcp)
		*svcp = xcalloc(1, sizeof(**svcp));
	svc = *svcp;
	json_object_foreach(v, k, x)
		if (load_tree(svc, k, x, path) < 0)
			return -1;
	return 0;
}

/* The service part, or an empty one. */
static const struct config_service *
svc_of(const struct config *cfg)
{
	static const struct config_service none;
	struct config_service *svc = *config_service_slot(cfg);

	return svc ? svc : &none;
}

int
config_trees(const struct config *cfg, const struct config_tree **trees)
{
	*trees = svc_of(cfg)->trees;
	return svc_of(cfg)->ntrees;
}

int
config_branches(const struct config *cfg, const struct config_branch **branches)
{
	*branches = svc_of(cfg)->branches;
	return svc_of(cfg)->nbranches;
}

const struct config_tree *
config_tree_find(const struct config *cfg, const char *name)
{
	const struct config_service *svc = svc_of(cfg);
	int i;

	for (i = 0; i < svc->ntrees; i++)
		if (!strcmp(svc->trees[i].name, name))
			return &svc->trees[i];
	return NULL;
}

/* A secret string setting of the secrets file; errors never show the value. */
static int
secret_string(json_t *x, char **out, const char *path, const char *key)
{
	if (!json_is_string(x) || !*json_string_value(x))
		return errorx("secrets file '%s': '%s' must be a non-empty string", path, key);
	*out = xstrdup(json_string_value(x));
	return 0;
}

static int
load_secrets_json(struct config_service *svc, json_t *root, const char *path)
{
	const char *k, *name;
	json_t *x, *tok;
	int i;

	if (!json_is_object(root))
		return errorx("secrets file '%s' must hold a JSON object (tokens, github_secret, "
			      "gitlab_token)", path);
	json_object_foreach(root, k, x) {
		if (!strcmp(k, "github_secret")) {
			if (secret_string(x, &svc->github_secret, path, k) < 0)
				return -1;
		} else if (!strcmp(k, "gitlab_token")) {
			if (secret_string(x, &svc->gitlab_token, path, k) < 0)
				return -1;
		} else if (!strcmp(k, "tokens")) {
			if (!json_is_object(x))
				return errorx("secrets file '%s': 'tokens' must be an object: token "
					      "name to token", path);
			json_object_foreach(x, name, tok) {
				if (!name_is_valid(name))
					return errorx("secrets file '%s': token name 'tokens.%s' is not "
						      "made of [A-Za-z0-9._-]", path, name);
				if (!json_is_string(tok) || strlen(json_string_value(tok)) < TOKEN_MIN_LEN)
					return errorx("secrets file '%s': 'tokens.%s' must be a string "
						      "of at least %d characters", path, name,
						      TOKEN_MIN_LEN);
				for (i = 0; i < svc->ntokens; i++)
					if (!strcmp(svc->tokens[i].token, json_string_value(tok)))
						return errorx("secrets file '%s': 'tokens.%s' is the same "
							      "token as 'tokens.%s'", path, name,
							      svc->tokens[i].name);
				svc->tokens = xrealloc(svc->tokens, sizeof(*svc->tokens) *
						       (size_t)(svc->ntokens + 1));
				svc->tokens[svc->ntokens].name = xstrdup(name);
				svc->tokens[svc->ntokens++].token = xstrdup(json_string_value(tok));
			}
		} else {
			return errorx("secrets file '%s': unknown key '%s'", path, k);
		}
	}
	return 0;
}

int
config_load_secrets(struct config *cfg, const char *home)
{
	struct config_service **slot = config_service_slot(cfg), fresh;
	const char *rel = config_str(cfg, "service.secrets_file");
	json_error_t jerr;
	struct stat st;
	json_t *root;
	char *path, *text;
	size_t len;
	int fd, rc;

	if (!*slot)
		*slot = xcalloc(1, sizeof(**slot));
	secrets_clear(*slot);
	if (!rel)
		return 0;
	path = instance_resolve(home, rel);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		rc = error("secrets file '%s' (service.secrets_file)", path);
		free(path);
		return rc;
	}
	if (fstat(fd, &st) < 0) {
		rc = error("secrets file '%s' (service.secrets_file)", path);
		close(fd);
		free(path);
		return rc;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		if (!S_ISREG(st.st_mode))
			errorx("secrets file '%s' (service.secrets_file) is not a regular file", path);
		else
			errorx("secrets file '%s' (service.secrets_file) is refused: its group or "
			       "others may access it (mode %04o); make it 0600", path,
			       (unsigned)(st.st_mode & 07777));
		close(fd);
		free(path);
		return -1;
	}
	text = read_fd(fd, path, SECRETS_MAX, &len);
	close(fd);
	if (!text) {
		free(path);
		return -1;
	}
	/* jansson's messages quote no input text, only positions. */
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	explicit_bzero(text, len);
	free(text);
	if (!root) {
		rc = errorx("secrets file '%s':%d:%d: not valid JSON", path, jerr.line, jerr.column);
		free(path);
		return rc;
	}
	/* All or nothing: a bad file leaves no secret loaded. */
	memset(&fresh, 0, sizeof(fresh));
	rc = load_secrets_json(&fresh, root, path);
	json_decref(root);
	free(path);
	if (rc < 0) {
		secrets_clear(&fresh);
		return -1;
	}
	(*slot)->tokens = fresh.tokens;
	(*slot)->ntokens = fresh.ntokens;
	(*slot)->github_secret = fresh.github_secret;
	(*slot)->gitlab_token = fresh.gitlab_token;
	return 0;
}

const char *
config_token_name(const struct config *cfg, const char *token)
{
	const struct config_service *svc = svc_of(cfg);
	const char *found = NULL;
	size_t len = strlen(token);
	int i;

	/* Every token is compared, each in constant time, so timing tells nothing. */
	for (i = 0; i < svc->ntokens; i++) {
		const char *t = svc->tokens[i].token;

		if (strlen(t) == len && CRYPTO_memcmp(t, token, len) == 0)
			found = svc->tokens[i].name;
	}
	return found;
}

const char *
config_github_secret(const struct config *cfg)
{
	return svc_of(cfg)->github_secret;
}

const char *
config_gitlab_token(const struct config *cfg)
{
	return svc_of(cfg)->gitlab_token;
}
