/*
 * The source step: for each tree of the job, a mirror in the instance's
 * cache (cache/git/<sanitised url>, shared by every job and flight), brought
 * up to date, and a work tree at the exact revision in work/F/J/src/NAME.
 * A tree whose revision could not be resolved when the flight was made
 * (revision_NAME empty) is resolved from its branch now and recorded.
 *
 * Anything that goes wrong here is infrastructure: an unreachable
 * repository or a missing revision is broken, never fail.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "stamp.h"
#include "step.h"
#include "steps.h"
#include "util.h"

#define GIT_OUT_MAX 4096

static const char *const git_env[] = {
	"GIT_TERMINAL_PROMPT=0",	/* never wait for a password */
	"GIT_ASKPASS=/bin/false",
	"GIT_CONFIG_NOSYSTEM=1",
	NULL,
};

/* A directory name for a repository URL: readable, and unique by hash. */
static char *
cache_name(const char *url)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	struct strbuf sb;
	const char *p = strstr(url, "://");
	size_t n = 0;

	strbuf_init(&sb);
	for (p = p ? p + 3 : url; *p && n < 80; p++, n++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '-'))
			c = '_';
		if (c == '.' && (sb.len == 0 || sb.buf[sb.len - 1] == '.'))
			c = '_';
		strbuf_add(&sb, &c, 1);
	}
	EVP_Digest(url, strlen(url), md, &mdlen, EVP_sha256(), NULL);
	strbuf_addf(&sb, "-%02x%02x%02x%02x%02x%02x", md[0], md[1], md[2], md[3], md[4], md[5]);
	return strbuf_detach(&sb);
}

static int
is_remote(const char *url)
{
	const char *colon = strchr(url, ':'), *slash = strchr(url, '/');

	/* scheme://... or scp-like host:path (a colon before any slash). */
	return strstr(url, "://") != NULL || (colon && (!slash || colon < slash));
}

/* A branch name safe to hand to git: no option, no odd characters. */
static int
branch_is_valid(const char *b)
{
	const char *p;

	if (!b || !*b || *b == '-' || *b == '/' || strstr(b, "..") || strlen(b) > 200)
		return 0;
	for (p = b; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("._-/+", *p)))
			return 0;
	return 1;
}

static int
git(struct step_ctx *ctx, const char *const argv[], const char *cwd)
{
	return step_run(ctx, argv, cwd, git_env, 0);
}

/* Runs git and returns its first line of output (caller frees), or NULL. */
static char *
git_line(struct step_ctx *ctx, const char *const argv[])
{
	char *out = NULL;
	size_t n;

	if (step_run_capture(ctx, argv, NULL, git_env, 0, &out, GIT_OUT_MAX) != 0) {
		free(out);
		return NULL;
	}
	n = strcspn(out, "\r\n");
	out[n] = '\0';
	if (!*out) {
		free(out);
		return NULL;
	}
	return out;
}

static int
lock_cache(struct step_ctx *ctx, const char *cache)
{
	char *path = xasprintf("%s.lock", cache);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0) {
		step_log(ctx, "cannot open lock '%s': %s", path, strerror(errno));
		free(path);
		return -1;
	}
	/* Another job may be fetching the same repository: wait for it. */
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			step_log(ctx, "cannot lock '%s': %s", path, strerror(errno));
			close(fd);
			free(path);
			return -1;
		}
	}
	free(path);
	return fd;
}

/* Brings the mirror at cache up to date with url (cloning it if new). */
static int
update_mirror(struct step_ctx *ctx, const char *name, const char *url, const char *cache)
{
	char *head = path_join(cache, "HEAD");
	int exists = file_exists(head), rc = 0;
	/* The URL as logs may show it: no user:password. */
	char *shown = redact_secrets(url);

	free(head);
	if (!exists) {
		char *tmp = xasprintf("%s.new", cache);
		const char *clone[] = { "git", "clone", "--mirror", "--quiet", "--", url, tmp,
					NULL };

		remove_tree(tmp);
		step_log(ctx, "tree '%s': cloning '%s'", name, shown);
		if (git(ctx, clone, NULL) != 0) {
			step_log(ctx, "tree '%s': cannot clone '%s'", name, shown);
			remove_tree(tmp);
			rc = -1;
		} else if (rename(tmp, cache) < 0) {
			step_log(ctx, "cannot rename '%s' to '%s': %s", tmp, cache,
				 strerror(errno));
			rc = -1;
		}
		free(tmp);
	} else {
		const char *seturl[] = { "git", "-C", cache, "remote", "set-url", "origin",
					 "--", url, NULL };
		const char *fetch[] = { "git", "-C", cache, "fetch", "--prune", "--quiet",
					"origin", NULL };

		step_log(ctx, "tree '%s': fetching '%s'", name, shown);
		if (git(ctx, seturl, NULL) != 0 || git(ctx, fetch, NULL) != 0) {
			step_log(ctx, "tree '%s': cannot fetch '%s'", name, shown);
			rc = -1;
		}
	}
	free(shown);
	return rc;
}

static char *
resolve(struct step_ctx *ctx, const char *cache, const char *what)
{
	char *spec = xasprintf("%s^{commit}", what);
	const char *argv[] = { "git", "-C", cache, "rev-parse", "--verify", "--quiet",
			       spec, NULL };
	char *rev = git_line(ctx, argv);

	free(spec);
	return rev;
}

static enum step_status
fetch_tree(struct step_ctx *ctx, const char *name)
{
	char *key, *cdir, *cache = NULL, *work = NULL, *rev = NULL, *url, *branch_ref, *shown;
	const char *tree, *branch, *want;
	enum step_status st = STEP_BROKEN;
	int lockfd = -1;

	key = xasprintf("tree_%s", name);
	tree = step_runvar(ctx, key);
	free(key);
	key = xasprintf("branch_%s", name);
	branch = step_runvar(ctx, key);
	free(key);
	key = xasprintf("revision_%s", name);
	want = step_runvar(ctx, key);
	free(key);
	if (!branch || !*branch)
		branch = "master";
	if (!tree || !*tree || *tree == '-') {
		step_log(ctx, "tree '%s': runvar 'tree_%s' is missing or bad", name, name);
		return STEP_BROKEN;
	}
	if (!branch_is_valid(branch)) {
		step_log(ctx, "tree '%s': bad branch name '%s'", name, branch);
		return STEP_BROKEN;
	}
	if (want && *want && !stamp_is_revision(want)) {
		step_log(ctx, "tree '%s': bad revision '%s'", name, want);
		return STEP_BROKEN;
	}
	/* A local path works as a remote does; a relative one is pvci's data. */
	if (is_remote(tree) || *tree == '/')
		url = xstrdup(tree);
	else
		url = path_join(data_dir(), tree);

	cdir = path_join(step_home(ctx), "cache/git");
	if (mkdir_p(cdir, 0755) < 0) {
		free(cdir);
		free(url);
		return STEP_BROKEN;
	}
	/* Logs and the cache's folder name get the URL without its secrets. */
	shown = redact_secrets(url);
	{
		char *cn = cache_name(shown);

		cache = path_join(cdir, cn);
		free(cn);
	}
	free(cdir);
	if ((lockfd = lock_cache(ctx, cache)) < 0)
		goto out;
	if (update_mirror(ctx, name, url, cache) < 0)
		goto out;

	if (want && *want) {
		rev = resolve(ctx, cache, want);
		if (!rev) {
			/* Not advertised by any ref: ask for the object itself. */
			const char *fetch[] = { "git", "-C", cache, "fetch", "--quiet", "origin",
						want, NULL };

			git(ctx, fetch, NULL);
			rev = resolve(ctx, cache, want);
		}
		if (!rev) {
			step_log(ctx, "tree '%s': revision '%s' not found in '%s'", name, want,
				 shown);
			goto out;
		}
	} else {
		branch_ref = xasprintf("refs/heads/%s", branch);
		rev = resolve(ctx, cache, branch_ref);
		free(branch_ref);
		if (!rev) {
			step_log(ctx, "tree '%s': branch '%s' not found in '%s'", name, branch,
				 shown);
			goto out;
		}
		key = xasprintf("revision_%s", name);
		if (step_set_runvar(ctx, key, rev) < 0) {
			free(key);
			goto out;
		}
		free(key);
		step_log(ctx, "tree '%s': branch '%s' resolved now to %s", name, branch, rev);
	}
	close(lockfd);
	lockfd = -1;

	{
		char *src = path_join(step_work_dir(ctx), "src");
		const char *clone[] = { "git", "clone", "--shared", "--no-checkout", "--quiet",
					"--", cache, NULL, NULL };
		const char *checkout[] = { "git", "-c", "advice.detachedHead=false", "-C", NULL,
					   "checkout", "--quiet", "--detach", "--force", rev,
					   NULL };

		work = path_join(src, name);
		free(src);
		if (remove_tree(work) < 0 || mkdir_p(work, 0755) < 0)
			goto out;
		clone[7] = work;
		checkout[4] = work;
		if (git(ctx, clone, NULL) != 0 || git(ctx, checkout, NULL) != 0) {
			step_log(ctx, "tree '%s': cannot check out %s into '%s'", name, rev, work);
			goto out;
		}
	}
	step_log(ctx, "tree '%s': %s (%s) checked out at %s in '%s'", name, shown, branch, rev,
		 work);
	st = STEP_PASS;
out:
	if (lockfd >= 0)
		close(lockfd);
	free(rev);
	free(work);
	free(cache);
	free(url);
	free(shown);
	return st;
}

enum step_status
step_source(struct step_ctx *ctx)
{
	const char *trees = step_runvar(ctx, "trees");
	char *copy, *p, *name;
	enum step_status st = STEP_PASS;
	int n = 0;

	if (!trees || !*trees) {
		step_log(ctx, "error: the job names no trees (runvar 'trees' is empty)");
		return STEP_BROKEN;
	}
	copy = xstrdup(trees);
	for (p = copy; (name = strsep(&p, " \t")) != NULL;) {
		if (!*name)
			continue;
		if (!name_is_valid(name)) {
			step_log(ctx, "error: bad tree name '%s' in runvar 'trees'", name);
			st = STEP_BROKEN;
			break;
		}
		st = fetch_tree(ctx, name);
		if (st != STEP_PASS)
			break;
		n++;
	}
	free(copy);
	if (st == STEP_PASS)
		step_log(ctx, "%d tree%s ready", n, n == 1 ? "" : "s");
	return st;
}
