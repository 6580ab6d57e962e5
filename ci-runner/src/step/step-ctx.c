/*
 * The step context: what a step sees while it runs (step.h), and how the
 * runner makes one in the step's child process (step-ctx.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "db.h"
#include "instance.h"
#include "layout.h"
#include "log.h"
#include "proc.h"
#include "step-ctx.h"
#include "util.h"

struct step_ctx {
	const char *home;
	const struct config *cfg;
	struct db *db;		/* the child's own connection */
	long flight;
	const char *job;
	int stepno;
	const char *step;
	const char *testid;
	int timeout;
	double deadline;	/* monotonic */
	int log_fd;
	const char *log_path;
	char *artifacts_dir;
	char *work_dir;
	char **lent;		/* strings lent by step_runvar, freed with the ctx */
	int nlent;
	/* A runvar could not be read: the step ends broken, whatever it returns. */
	int read_failed;
};

long step_flight(const struct step_ctx *ctx) { return ctx->flight; }
const char *step_job(const struct step_ctx *ctx) { return ctx->job; }
int step_number(const struct step_ctx *ctx) { return ctx->stepno; }
const char *step_name(const struct step_ctx *ctx) { return ctx->step; }
const char *step_testid(const struct step_ctx *ctx) { return ctx->testid; }
const struct config *step_config(const struct step_ctx *ctx) { return ctx->cfg; }
const char *step_home(const struct step_ctx *ctx) { return ctx->home; }
const char *step_setting(const struct step_ctx *ctx, const char *key) { return config_str(ctx->cfg, key); }
long step_setting_int(const struct step_ctx *ctx, const char *key) { return config_int(ctx->cfg, key); }
int step_timeout(const struct step_ctx *ctx) { return ctx->timeout; }
int step_log_fd(const struct step_ctx *ctx) { return ctx->log_fd; }
const char *step_log_path(const struct step_ctx *ctx) { return ctx->log_path; }

int
step_seconds_left(const struct step_ctx *ctx)
{
	double left = ctx->deadline - now_monotonic();

	return left > 0 ? (int)left : 0;
}

/*
 * A read error must not pass for "unset": the step would go on with a
 * default, or fail as if the recipe were wrong. It is logged and the step
 * ends broken.
 */
static int
runvar_read(struct step_ctx *ctx, const char *job, const char *name, char **value)
{
	int rc = db_runvar_read(ctx->db, ctx->flight, job, name, value);

	if (rc < 0) {
		step_log(ctx, "cannot read runvar '%s' of job '%s' from the database: "
			 "the step is broken", name, job);
		ctx->read_failed = 1;
	}
	return rc;
}

const char *
step_runvar(struct step_ctx *ctx, const char *name)
{
	char *v = NULL;

	if (runvar_read(ctx, ctx->job, name, &v) <= 0)
		return NULL;
	ctx->lent = xrealloc(ctx->lent, sizeof(char *) * (size_t)(ctx->nlent + 1));
	ctx->lent[ctx->nlent++] = v;
	return v;
}

int
step_set_runvar(struct step_ctx *ctx, const char *name, const char *value)
{
	if (!name_is_valid(name))
		return errorx("runvar name '%s' is not made of [A-Za-z0-9._-]", name);
	if (db_runvar_set(ctx->db, ctx->flight, ctx->job, name, value, 1) < 0)
		return -1;
	step_log(ctx, "runvar %s=%s", name, value);
	return 0;
}

char *
step_job_runvar(struct step_ctx *ctx, const char *job, const char *name)
{
	char *v = NULL;

	runvar_read(ctx, job, name, &v);
	return v;
}

int
step_measure(struct step_ctx *ctx, const char *metric, double value, const char *unit)
{
	if (!name_is_valid(metric))
		return errorx("measurement name '%s' is not made of [A-Za-z0-9._-]", metric);
	if (db_measure_add(ctx->db, ctx->flight, ctx->job, ctx->stepno, metric, value,
			   unit) < 0)
		return -1;
	step_log(ctx, "measured %s = %g %s", metric, value, unit);
	return 0;
}

/* A path inside the instance is recorded relative to it. */
static const char *
home_relative(const struct step_ctx *ctx, const char *path)
{
	size_t len = strlen(ctx->home);

	if (strncmp(path, ctx->home, len) == 0 && path[len] == '/')
		return path + len + 1;
	return path;
}

int
step_add_artifact(struct step_ctx *ctx, const char *path, const char *kind)
{
	char hex[65];
	off_t size;

	if (sha256_file(path, hex, &size) < 0)
		return -1;
	if (db_artifact_add(ctx->db, ctx->flight, ctx->job, home_relative(ctx, path), kind,
			    (long long)size, hex) < 0)
		return -1;
	step_log(ctx, "artifact %s (%s, %lld bytes, sha256 %s)", home_relative(ctx, path),
		 kind, (long long)size, hex);
	return 0;
}

char *
step_job_artifact(struct step_ctx *ctx, const char *job, const char *kind, const char *name)
{
	char *rel = db_artifact_find(ctx->db, ctx->flight, job, kind, name);
	char *abs;

	if (!rel)
		return NULL;
	abs = instance_resolve(ctx->home, rel);
	free(rel);
	return abs;
}

struct json_t *
step_image(struct step_ctx *ctx, const char *name)
{
	json_t *img = db_image_json(ctx->db, name);
	const char *path;

	if (!img)
		return NULL;
	path = json_string_value(json_object_get(img, "path"));
	if (path && path[0] != '/') {
		char *abs = instance_resolve(ctx->home, path);

		json_object_set_new(img, "path", json_string(abs));
		free(abs);
	}
	return img;
}

const char *
step_artifacts_dir(struct step_ctx *ctx)
{
	if (!ctx->artifacts_dir) {
		ctx->artifacts_dir = layout_job_artifacts(ctx->home, ctx->flight, ctx->job);
		mkdir_p(ctx->artifacts_dir, 0755);
	}
	return ctx->artifacts_dir;
}

const char *
step_work_dir(struct step_ctx *ctx)
{
	if (!ctx->work_dir) {
		ctx->work_dir = layout_job_work(ctx->home, ctx->flight, ctx->job);
		mkdir_p(ctx->work_dir, 0755);
	}
	return ctx->work_dir;
}

static void
log_line(int fd, const char *fmt, va_list ap)
{
	char stamp[32], msg[4096], *clean;
	struct tm tm;
	time_t t = time(NULL);

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	/* Every line of a step log may quote a URL or key URI (argv, errors). */
	clean = redact_secrets(msg);
	dprintf(fd, "%s %s\n", stamp, clean);
	free(clean);
}

void
step_log(struct step_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(ctx->log_fd, fmt, ap);
	va_end(ap);
}

static void
log_argv(struct step_ctx *ctx, const char *const argv[], const char *cwd)
{
	struct strbuf sb;
	int i;

	strbuf_init(&sb);
	for (i = 0; argv[i]; i++) {
		if (strpbrk(argv[i], " \t'\"$") || !*argv[i])
			strbuf_addf(&sb, " '%s'", argv[i]);
		else
			strbuf_addf(&sb, " %s", argv[i]);
	}
	step_log(ctx, "run%s%s:%s", cwd ? " in " : "", cwd ? cwd : "", sb.buf);
	strbuf_release(&sb);
}

static int
run_common(struct step_ctx *ctx, const char *const argv[], const char *cwd,
	   const char *const env[], int timeout, char **out, size_t max)
{
	struct proc_opts o = {
		.cwd = cwd, .env = env, .out_fd = ctx->log_fd,
		.capture = out, .capture_max = max,
	};
	int left = step_seconds_left(ctx), rc;

	/*
	 * Without a limit of its own, the step's limit applies: the runner kills the
	 * step and sweeps up whatever it started, with the step's own note.
	 */
	o.timeout = timeout > 0 && timeout < left ? timeout : 0;
	log_argv(ctx, argv, cwd);
	rc = proc_run(argv, &o);
	if (rc == PROC_TIMEOUT)
		return STEP_RUN_TIMEOUT;
	if (rc < 0) {
		step_log(ctx, "'%s' could not be run", argv[0]);
		return -1;
	}
	if (rc != 0)
		step_log(ctx, "'%s' exited with status %d", argv[0], rc);
	return rc;
}

int
step_run(struct step_ctx *ctx, const char *const argv[], const char *cwd,
	 const char *const env[], int timeout)
{
	return run_common(ctx, argv, cwd, env, timeout, NULL, 0);
}

int
step_run_capture(struct step_ctx *ctx, const char *const argv[], const char *cwd,
		 const char *const env[], int timeout, char **out, size_t max)
{
	*out = NULL;
	return run_common(ctx, argv, cwd, env, timeout, out, max);
}

void
step_log_to(int fd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(fd, fmt, ap);
	va_end(ap);
}

enum step_status
step_ctx_run(const struct step_ctx_info *info, step_fn fn)
{
	struct step_ctx ctx = {
		.home = info->home, .cfg = info->cfg, .flight = info->flight, .job = info->job,
		.stepno = info->stepno, .step = info->step, .testid = info->testid,
		.timeout = info->timeout, .deadline = info->deadline, .log_fd = info->log_fd,
		.log_path = info->log_path,
	};
	char *db_path = layout_db(info->home);
	enum step_status st;
	int i;

	ctx.db = db_open(db_path);
	free(db_path);
	if (!ctx.db)
		return STEP_BROKEN;
	st = fn(&ctx);
	if (ctx.read_failed)
		st = STEP_BROKEN;
	db_close(ctx.db);
	for (i = 0; i < ctx.nlent; i++)
		free(ctx.lent[i]);
	free(ctx.lent);
	free(ctx.artifacts_dir);
	free(ctx.work_dir);
	return st;
}
