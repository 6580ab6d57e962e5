/*
 * The build step: builds one driver (runvar "driver", an entry of the
 * manifest) from the tree the source step checked out, with its version
 * stamped (MAJOR.MINOR.MICRO from runvar "version" or the manifest, BUILD
 * from runvar "build_number" or the flight number, the git revision, and an
 * INF DriverVer dated from the commit), through a build executor; then
 * collects the outputs as artifacts and writes build-info.json, which the
 * sign step reads.
 *
 * A compile error is fail; a missing toolchain or build host, or a full
 * disk, is broken.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "build-executor.h"
#include "manifest.h"
#include "stamp.h"
#include "step.h"
#include "steps.h"
#include "util.h"

#define MAX_ARGS 256

struct build_vars {
	const char *driver, *src, *out, *arch, *type, *revision;
	char version[64], major[8], minor[8], micro[8], build[8], date[16];
};

/* Replaces {name} placeholders; an unknown one is an error (NULL). */
static char *
expand(struct step_ctx *ctx, const char *tmpl, const struct build_vars *v)
{
	const struct { const char *name, *value; } vars[] = {
		{ "driver", v->driver }, { "src", v->src }, { "out", v->out },
		{ "arch", v->arch }, { "type", v->type }, { "revision", v->revision },
		{ "version", v->version }, { "major", v->major }, { "minor", v->minor },
		{ "micro", v->micro }, { "build", v->build }, { "date", v->date },
	};
	const char *p = tmpl;
	struct strbuf sb;

	strbuf_init(&sb);
	while (*p) {
		const char *close;
		size_t i, n;

		if (*p != '{' || !(close = strchr(p, '}'))) {
			strbuf_add(&sb, p++, 1);
			continue;
		}
		n = (size_t)(close - p - 1);
		for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
			if (strlen(vars[i].name) == n && !strncmp(p + 1, vars[i].name, n))
				break;
		if (i == sizeof(vars) / sizeof(vars[0])) {
			step_log(ctx, "unknown placeholder '%.*s' in '%s'", (int)n + 2, p, tmpl);
			strbuf_release(&sb);
			return NULL;
		}
		strbuf_adds(&sb, vars[i].value);
		p = close + 1;
	}
	return strbuf_detach(&sb);
}

static void
free_argv(char **argv)
{
	char **p;

	for (p = argv; p && *p; p++)
		free(*p);
	free(argv);
}

/* The build command: runvar build_argv (a JSON array) or the manifest's. */
static char **
build_argv(struct step_ctx *ctx, const struct manifest_driver *d, const struct build_vars *v)
{
	const char *text = step_runvar(ctx, "build_argv");
	json_t *arr = NULL;
	char **argv;
	size_t i, n;

	if (text && *text) {
		json_error_t jerr;

		arr = json_loads(text, 0, &jerr);
		if (!json_is_array(arr) || json_array_size(arr) == 0 ||
		    json_array_size(arr) > MAX_ARGS) {
			step_log(ctx, "runvar 'build_argv' must be a non-empty JSON array of strings");
			json_decref(arr);
			return NULL;
		}
		n = json_array_size(arr);
	} else {
		for (n = 0; d->build[n]; n++)
			;
	}
	argv = xcalloc(n + 1, sizeof(*argv));
	for (i = 0; i < n; i++) {
		const char *t = arr ? json_string_value(json_array_get(arr, i)) : d->build[i];

		if (!t || !(argv[i] = expand(ctx, t, v))) {
			if (!t)
				step_log(ctx, "runvar 'build_argv' must hold only strings");
			free_argv(argv);
			json_decref(arr);
			return NULL;
		}
	}
	json_decref(arr);
	return argv;
}

/* The tree holding the driver: the one named like it, else the first. */
static char *
pick_tree(struct step_ctx *ctx, const char *driver)
{
	const char *trees = step_runvar(ctx, "trees");
	const char *p = trees;
	char *first = NULL;

	while (p && *p) {
		size_t n;

		p += strspn(p, " \t");
		n = strcspn(p, " \t");
		if (!n)
			break;
		if (strlen(driver) == n && !strncmp(p, driver, n)) {
			free(first);
			return xstrdup(driver);
		}
		if (!first)
			first = xasprintf("%.*s", (int)n, p);
		p += n;
	}
	return first;
}

static int
stamp_inf_file(struct step_ctx *ctx, const char *path, const char *date, const char *version)
{
	char *text, *out;
	size_t len, outlen;
	struct stat st;
	int rc;

	/* The tree is hostile: a symlinked INF could point anywhere pvci can read. */
	if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
		step_log(ctx, "INF '%s' is missing or not a regular file (a symlink?)", path);
		return -1;
	}
	text = read_file(path, 4 * 1024 * 1024, &len);
	if (!text) {
		step_log(ctx, "cannot read INF '%s' to stamp it", path);
		return -1;
	}
	out = stamp_inf_text(text, len, date, version, &outlen);
	free(text);
	if (!out) {
		step_log(ctx, "cannot stamp INF '%s'", path);
		return -1;
	}
	rc = write_file_atomic(path, out, outlen, 0644);
	free(out);
	if (rc == 0)
		step_log(ctx, "stamped '%s': DriverVer=%s,%s", path, date, version);
	return rc;
}

static char *
git_out(struct step_ctx *ctx, const char *src, const char *a1, const char *a2, const char *a3)
{
	const char *argv[] = { "git", "-C", src, a1, a2, a3, NULL };
	char *out = NULL;

	if (step_run_capture(ctx, argv, NULL, NULL, 0, &out, 4096) != 0) {
		free(out);
		return NULL;
	}
	out[strcspn(out, "\r\n")] = '\0';
	return out;
}

static enum step_status
collect(struct step_ctx *ctx, const struct build_executor *ex, const struct build_job *job,
	const struct manifest_driver *d, json_t *files)
{
	char *dir = path_join(step_artifacts_dir(ctx), "build");
	enum step_status st = STEP_PASS;
	int i;

	if (remove_tree(dir) < 0 || mkdir_p(dir, 0755) < 0) {
		free(dir);
		return STEP_BROKEN;
	}
	for (i = 0; i < d->noutputs && st == STEP_PASS; i++) {
		const struct manifest_output *o = &d->outputs[i];
		char *dst = path_join(dir, o->file);
		int rc;

		errno = 0;
		rc = ex->fetch(ctx, job, o->file, dst);
		if (rc < 0) {
			step_log(ctx, "cannot collect '%s'%s", o->file,
				 errno == ENOSPC ? ": the disk is full" : "");
			st = STEP_BROKEN;
		} else if (rc == 2) {
			st = STEP_FAIL;
		} else if (rc > 0 && !o->optional) {
			step_log(ctx, "the build produced no '%s'", o->file);
			st = STEP_FAIL;
		} else if (rc == 0) {
			if (step_add_artifact(ctx, dst, o->kind) < 0) {
				st = STEP_BROKEN;
			} else {
				json_array_append_new(files, json_pack("{s:s, s:s, s:s}",
					"name", o->file, "kind", o->kind, "path", dst));
				step_log(ctx, "collected '%s' (%s)", o->file, o->kind);
			}
		}
		free(dst);
	}
	free(dir);
	return st;
}

enum step_status
step_build(struct step_ctx *ctx)
{
	const char *driver = step_runvar(ctx, "driver"), *s;
	const struct build_executor *ex;
	const struct manifest_driver *d;
	struct manifest *m = NULL;
	struct stamp_version ver;
	struct build_vars v;
	struct build_job job;
	enum step_status st = STEP_BROKEN;
	char *mpath, *tree = NULL, *srcroot = NULL, *src = NULL, *out = NULL, *outdir = NULL;
	char *rev = NULL, *ctime_text = NULL, *env[10] = { NULL };
	char **argv = NULL, *key;
	long build_no, commit_time;
	json_t *info = NULL, *files = NULL;
	int i;

	memset(&v, 0, sizeof(v));
	if (!driver || !name_is_valid(driver)) {
		step_log(ctx, "runvar 'driver' is missing or bad: which driver to build?");
		return STEP_BROKEN;
	}
	s = step_runvar(ctx, "manifest");
	mpath = s && *s ? xstrdup(s) : manifest_default_path();
	m = manifest_load(mpath);
	if (!m) {
		step_log(ctx, "cannot load the driver manifest '%s'", mpath);
		goto out;
	}
	if (!(d = manifest_driver(m, driver))) {
		step_log(ctx, "driver '%s' is not in the manifest '%s'", driver, mpath);
		goto out;
	}

	/* The source. */
	if (!(tree = pick_tree(ctx, driver))) {
		step_log(ctx, "the job names no trees (runvar 'trees')");
		goto out;
	}
	{
		char *srcdir = path_join(step_work_dir(ctx), "src");

		srcroot = path_join(srcdir, tree);
		free(srcdir);
	}
	if (!file_exists(srcroot)) {
		step_log(ctx, "tree '%s' is not checked out in '%s': run the source step first",
			 tree, srcroot);
		goto out;
	}
	key = xasprintf("subdir_%s", tree);
	s = step_runvar(ctx, key);
	free(key);
	if (s && *s) {
		src = path_join(srcroot, s);
	} else if (d->subdir) {
		/* The manifest's subdir, when this checkout has it. */
		src = path_join(srcroot, d->subdir);
		if (!file_exists(src)) {
			free(src);
			src = xstrdup(srcroot);
		}
	} else {
		src = xstrdup(srcroot);
	}
	if ((s && (strstr(s, "..") || *s == '/')) || !file_exists(src)) {
		step_log(ctx, "source directory '%s' of tree '%s' is missing or bad", src, tree);
		goto out;
	}

	/* The version. */
	s = step_runvar(ctx, "version");
	if (stamp_parse_version(s && *s ? s : m->version, &ver) < 0) {
		step_log(ctx, "bad version '%s'", s && *s ? s : m->version);
		goto out;
	}
	s = step_runvar(ctx, "build_number");
	if (s && *s) {
		if (parse_long(s, &build_no) < 0) {
			step_log(ctx, "runvar 'build_number' must be a number, not '%s'", s);
			goto out;
		}
	} else {
		build_no = step_flight(ctx);
	}
	if (build_no < 0 || build_no > 65535) {
		step_log(ctx, "build number %ld is out of range (0..65535)", build_no);
		goto out;
	}
	ver.build = (unsigned int)build_no;
	rev = git_out(ctx, src, "rev-parse", "--verify", "HEAD");
	ctime_text = git_out(ctx, src, "log", "-1", "--format=%ct");
	if (!rev || !stamp_is_revision(rev) || !ctime_text ||
	    parse_long(ctime_text, &commit_time) < 0) {
		step_log(ctx, "cannot read the revision and commit time of '%s'", src);
		goto out;
	}
	{
		char *vs = stamp_version_string(&ver);

		snprintf(v.version, sizeof(v.version), "%s", vs);
		free(vs);
	}
	snprintf(v.major, sizeof(v.major), "%u", ver.major);
	snprintf(v.minor, sizeof(v.minor), "%u", ver.minor);
	snprintf(v.micro, sizeof(v.micro), "%u", ver.micro);
	snprintf(v.build, sizeof(v.build), "%u", ver.build);
	if (stamp_inf_date(commit_time, v.date, sizeof(v.date)) < 0)
		goto out;
	s = step_runvar(ctx, "arch");
	v.arch = s && *s ? s : "x64";
	s = step_runvar(ctx, "build_type");
	v.type = s && *s ? s : "free";
	if (!name_is_valid(v.arch) || !name_is_valid(v.type)) {
		step_log(ctx, "bad arch '%s' or build type '%s'", v.arch, v.type);
		goto out;
	}
	v.driver = driver;
	v.src = src;
	v.revision = rev;
	step_log(ctx, "building '%s' %s from %s (committed %s)", driver, v.version, rev, v.date);

	/* Stamp the INFs in the source, so that catalogs made later cover them. */
	for (i = 0; d->stamp_inf[i]; i++) {
		char *inf;

		if (strstr(d->stamp_inf[i], "..") || d->stamp_inf[i][0] == '/') {
			step_log(ctx, "bad INF path '%s' in the manifest", d->stamp_inf[i]);
			goto out;
		}
		inf = path_join(src, d->stamp_inf[i]);
		if (stamp_inf_file(ctx, inf, v.date, v.version) < 0) {
			free(inf);
			st = STEP_FAIL;	/* the tree's INF is missing or malformed */
			goto out;
		}
		free(inf);
	}

	/* Where the outputs go. */
	{
		char *o = path_join(step_work_dir(ctx), "out");

		out = path_join(o, driver);
		free(o);
	}
	if (remove_tree(out) < 0 || mkdir_p(out, 0755) < 0)
		goto out;
	v.out = out;
	if (!(outdir = expand(ctx, d->outdir, &v)) || !(argv = build_argv(ctx, d, &v)))
		goto out;

	env[0] = xasprintf("PVCI_VERSION=%s", v.version);
	env[1] = xasprintf("PVCI_REVISION=%s", rev);
	env[2] = xasprintf("MAJOR_VERSION=%s", v.major);
	env[3] = xasprintf("MINOR_VERSION=%s", v.minor);
	env[4] = xasprintf("MICRO_VERSION=%s", v.micro);
	env[5] = xasprintf("BUILD_NUMBER=%s", v.build);
	env[6] = xasprintf("SOURCE_DATE_EPOCH=%ld", commit_time);
	env[7] = xstrdup("TZ=UTC");
	env[8] = xstrdup("LC_ALL=C");

	s = step_runvar(ctx, "executor");
	if (!s || !*s)
		s = d->executor;
	if (!s || !*s)
		s = step_setting(ctx, "build.executor");
	ex = s ? build_executor_lookup(s) : NULL;
	if (!ex) {
		step_log(ctx, "unknown build executor '%s' (local or guest)", s ? s : "");
		goto out;
	}
	memset(&job, 0, sizeof(job));
	job.driver = driver;
	job.src_dir = src;
	job.out_dir = outdir;
	job.argv = (const char *const *)argv;
	job.env = (const char *const *)env;
	job.tools = (const char *const *)d->tools;
	job.timeout = 0;
	job.out_root = out;
	s = step_runvar(ctx, "build_network");
	job.network = s && !strcmp(s, "1");
	if (job.network)
		step_log(ctx, "the recipe gives the build the network (build_network=1)");
	step_log(ctx, "executor '%s'", ex->name);
	if ((st = ex->prepare(ctx, &job)) != STEP_PASS)
		goto release;
	if ((st = ex->run(ctx, &job)) != STEP_PASS)
		goto release;

	files = json_array();
	if ((st = collect(ctx, ex, &job, d, files)) != STEP_PASS)
		goto release;
	info = json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:O}",
			 "driver", driver, "tree", tree, "version", v.version,
			 "revision", rev, "commit_time", (json_int_t)commit_time,
			 "arch", v.arch, "type", v.type, "files", files);
	{
		char *ipath = path_join(step_artifacts_dir(ctx), "build-info.json");
		char *text = json_dumps(info, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		char *withnl = xasprintf("%s\n", text);

		if (write_file_atomic(ipath, withnl, strlen(withnl), 0644) < 0 ||
		    step_add_artifact(ctx, ipath, "build-info") < 0)
			st = STEP_BROKEN;
		free(withnl);
		free(text);
		free(ipath);
	}
	if (st == STEP_PASS) {
		key = xasprintf("built_revision_%s", tree);
		if (step_set_runvar(ctx, key, rev) < 0 ||
		    step_set_runvar(ctx, "built_version", v.version) < 0)
			st = STEP_BROKEN;
		free(key);
	}
	if (st == STEP_PASS)
		step_log(ctx, "built '%s' %s from %s", driver, v.version, rev);
release:
	if (ex->release)
		ex->release(ctx, &job);
out:
	json_decref(info);
	json_decref(files);
	for (i = 0; env[i]; i++)
		free(env[i]);
	free_argv(argv);
	free(outdir);
	free(out);
	free(rev);
	free(ctime_text);
	free(src);
	free(srcroot);
	free(tree);
	manifest_free(m);
	free(mpath);
	return st;
}
