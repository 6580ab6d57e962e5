#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "db.h"
#include "exec.h"
#include "instance.h"
#include "log.h"
#include "proc.h"
#include "recover.h"
#include "sched.h"
#include "step.h"
#include "util.h"

struct step_ctx {
	struct instance *inst;
	struct db *db;		/* the child's own connection */
	long flight;
	const char *job;
	const struct db_step *row;
	const struct step_def *def;
	double deadline;	/* monotonic */
	int log_fd;
	char *log_path;
	char *artifacts_dir;
	char *work_dir;
	char **lent;		/* strings lent by step_runvar, freed with the ctx */
	int nlent;
};

static volatile sig_atomic_t exec_interrupted;
static double exec_started;

static void
on_signal(int sig)
{
	exec_interrupted = sig;
}

/* ---- what a step sees (step.h) ---- */

long step_flight(const struct step_ctx *ctx) { return ctx->flight; }
const char *step_job(const struct step_ctx *ctx) { return ctx->job; }
int step_number(const struct step_ctx *ctx) { return ctx->row->stepno; }
const char *step_name(const struct step_ctx *ctx) { return ctx->row->step; }
const char *step_testid(const struct step_ctx *ctx) { return ctx->row->testid; }
const struct config *step_config(const struct step_ctx *ctx) { return ctx->inst->cfg; }
const char *step_home(const struct step_ctx *ctx) { return ctx->inst->home; }
int step_timeout(const struct step_ctx *ctx) { return ctx->row->timeout; }
int step_log_fd(const struct step_ctx *ctx) { return ctx->log_fd; }
const char *step_log_path(const struct step_ctx *ctx) { return ctx->log_path; }

int
step_seconds_left(const struct step_ctx *ctx)
{
	double left = ctx->deadline - now_monotonic();

	return left > 0 ? (int)left : 0;
}

const char *
step_runvar(struct step_ctx *ctx, const char *name)
{
	char *v = db_runvar_get(ctx->db, ctx->flight, ctx->job, name);

	if (!v)
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
	return db_runvar_get(ctx->db, ctx->flight, job, name);
}

int
step_measure(struct step_ctx *ctx, const char *metric, double value, const char *unit)
{
	if (!name_is_valid(metric))
		return errorx("measurement name '%s' is not made of [A-Za-z0-9._-]", metric);
	if (db_measure_add(ctx->db, ctx->flight, ctx->job, ctx->row->stepno, metric, value,
			   unit) < 0)
		return -1;
	step_log(ctx, "measured %s = %g %s", metric, value, unit);
	return 0;
}

/* A path inside the instance is recorded relative to it. */
static const char *
home_relative(const struct step_ctx *ctx, const char *path)
{
	size_t len = strlen(ctx->inst->home);

	if (strncmp(path, ctx->inst->home, len) == 0 && path[len] == '/')
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
	abs = instance_resolve(ctx->inst->home, rel);
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
		char *abs = instance_resolve(ctx->inst->home, path);

		json_object_set_new(img, "path", json_string(abs));
		free(abs);
	}
	return img;
}

static const char *
job_dir(struct step_ctx *ctx, char **slot, const char *top)
{
	if (!*slot) {
		*slot = xasprintf("%s/%s/%ld/%s", ctx->inst->home, top, ctx->flight, ctx->job);
		mkdir_p(*slot, 0755);
	}
	return *slot;
}

const char *
step_artifacts_dir(struct step_ctx *ctx)
{
	return job_dir(ctx, &ctx->artifacts_dir, "artifacts");
}

const char *
step_work_dir(struct step_ctx *ctx)
{
	return job_dir(ctx, &ctx->work_dir, "work");
}

static void
log_line(int fd, const char *fmt, va_list ap)
{
	char stamp[32], msg[4096];
	struct tm tm;
	time_t t = time(NULL);

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	dprintf(fd, "%s %s\n", stamp, msg);
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
	 * Without a limit of its own, the step's limit applies: exec kills the
	 * step and sweeps up whatever it started, with the step's own note.
	 */
	o.timeout = timeout > 0 && timeout < left ? timeout : 0;
	log_argv(ctx, argv, cwd);
	rc = proc_run(argv, &o);
	if (rc == PROC_TIMEOUT)
		return -1;
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

/* ---- running a step ---- */

static enum status
step_status_of(int st)
{
	return st == STEP_PASS ? STATUS_PASS : st == STEP_FAIL ? STATUS_FAIL : STATUS_BROKEN;
}

static void
progress(long flight, const char *job, const struct db_step *row, const char *what,
	 double seconds)
{
	double t = now_monotonic() - exec_started;

	if (seconds >= 0)
		printf("[%7.1fs] %ld %s %02d %s: %s (%.1f s)\n", t, flight, job, row->stepno,
		       row->testid, what, seconds);
	else
		printf("[%7.1fs] %ld %s %02d %s: %s\n", t, flight, job, row->stepno,
		       row->testid, what);
	fflush(stdout);
}

/*
 * The last "error:" line a step wrote to its log becomes the step's note;
 * without one, its last line (less the time stamp) does.
 */
static char *
note_from_log(const char *path)
{
	char *text = read_file(path, 16 << 20, NULL), *line, *found = NULL, *last = NULL, *p;

	if (!text)
		return NULL;
	for (line = text; line && *line; line = p ? p + 1 : NULL) {
		char *e;

		p = strchr(line, '\n');
		if (p)
			*p = '\0';
		e = strstr(line, "error: ");
		if (e) {
			free(found);
			found = xstrdup(e + 7);
		} else if (*line) {
			last = line;
		}
	}
	if (!found && last) {
		/* "YYYY-MM-DD HH:MM:SS " */
		if (strlen(last) > 20 && last[4] == '-' && last[13] == ':')
			last += 20;
		found = xstrdup(last);
	}
	free(text);
	return found;
}

static void
child_run(struct instance *inst, long flight, const char *job, const struct db_step *row,
	  const struct step_def *def, int log_fd, const char *log_path, double deadline)
{
	struct step_ctx ctx = {
		.inst = inst, .flight = flight, .job = job, .row = row, .def = def,
		.deadline = deadline, .log_fd = log_fd, .log_path = (char *)log_path,
	};
	char *db_path = path_join(inst->home, "results.db");
	enum step_status st;
	int devnull, i;

	setpgid(0, 0);
	/* If "flight run" is killed, its step goes too (recovery marks it broken). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	devnull = open("/dev/null", O_RDONLY);
	dup2(devnull, 0);
	dup2(log_fd, 1);
	dup2(log_fd, 2);
	/*
	 * The parent's SQLite connection must not be used (nor closed) after
	 * fork; the step gets its own.
	 */
	ctx.db = db_open(db_path);
	free(db_path);
	if (!ctx.db)
		_exit(STEP_BROKEN);
	st = def->run(&ctx);
	db_close(ctx.db);
	for (i = 0; i < ctx.nlent; i++)
		free(ctx.lent[i]);
	free(ctx.lent);
	free(ctx.artifacts_dir);
	free(ctx.work_dir);
	fflush(NULL);
	_exit(st);
}

/*
 * "flight run" is a child subreaper: every process a step started and left
 * behind (a server in the background, a child in a group of its own) ends
 * up as our child once the step is gone. Between steps there should be
 * none, so all that are there are killed and reaped.
 */
static void
reap_leftovers(void)
{
	char path[64], *text, *p, *end;
	int status;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/children", (long)getpid());
	for (int round = 0; round < 8; round++) {
		int found = 0;

		text = read_file(path, 1 << 16, NULL);
		if (!text)
			return;
		for (p = text; *p; p = end) {
			long pid = strtol(p, &end, 10);

			if (end == p)
				break;
			if (pid > 0) {
				kill(-(pid_t)pid, SIGKILL);
				kill((pid_t)pid, SIGKILL);
				waitpid((pid_t)pid, &status, 0);
				found = 1;
			}
		}
		free(text);
		if (!found)
			return;
	}
}

/* Waits for the step child until deadline or an interrupt; PROC_TIMEOUT then. */
static int
wait_step(pid_t pid, double deadline, int interruptible, int *status)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int rc = 0;

	for (;;) {
		struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
		double left = deadline - now_monotonic();

		if (waitpid(pid, status, WNOHANG) == pid)
			break;
		if (left <= 0 || (exec_interrupted && interruptible)) {
			rc = PROC_TIMEOUT;
			break;
		}
		if (pidfd < 0) {
			if (waitpid(pid, status, 0) == pid)
				break;
			continue;
		}
		poll(&pfd, 1, (int)(left * 1000) + 1);
	}
	if (pidfd >= 0)
		close(pidfd);
	return rc;
}

static int
open_step_log(struct instance *inst, long flight, const char *job, const struct db_step *row,
	      char **path_out)
{
	char *dir = xasprintf("%s/logs/%ld/%s", inst->home, flight, job);
	char *path;
	int fd;

	if (mkdir_p(dir, 0755) < 0) {
		free(dir);
		return -1;
	}
	path = xasprintf("%s/%02d.%s.log", dir, row->stepno, row->testid);
	free(dir);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		error("cannot open step log '%s'", path);
		free(path);
		return -1;
	}
	*path_out = path;
	return fd;
}

static void
log_to(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
log_to(int fd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(fd, fmt, ap);
	va_end(ap);
}

/* Runs one step to its end; returns its STEP_* status. */
static int
run_step(struct instance *inst, long flight, const char *job, const struct db_step *row)
{
	const struct step_def *def = step_lookup(row->step);
	double start = now_monotonic(), deadline = start + row->timeout;
	char *log_path = NULL, *note = NULL;
	int log_fd, status = 0, st;
	pid_t pid;

	if (db_step_start(inst->db, flight, job, row->stepno) < 0)
		return STEP_BROKEN;
	progress(flight, job, row, "running", -1);
	log_fd = open_step_log(inst, flight, job, row, &log_path);
	if (log_fd < 0 || !def) {
		note = xstrdup(def ? "cannot open the step log" : "unknown step function");
		st = STEP_BROKEN;
		goto done;
	}
	log_to(log_fd, "step %d '%s' (%s) of job '%s', flight %ld: %s; time limit %d s",
	       row->stepno, row->testid, row->step, job, flight, def->description, row->timeout);
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		note = xasprintf("cannot fork: %s", strerror(errno));
		st = STEP_BROKEN;
		goto done;
	}
	if (pid == 0)
		child_run(inst, flight, job, row, def, log_fd, log_path, deadline);
	setpgid(pid, pid);

	if (wait_step(pid, deadline, !row->always, &status) == PROC_TIMEOUT) {
		proc_kill_group(pid, pid, 5.0);
		if (exec_interrupted && !row->always) {
			note = xasprintf("interrupted by signal %d", (int)exec_interrupted);
			st = STEP_BROKEN;
		} else {
			note = xasprintf("step '%s' exceeded its time limit of %d s", row->testid,
					 row->timeout);
			st = def->infra ? STEP_BROKEN : STEP_FAIL;
		}
	} else if (WIFEXITED(status) && WEXITSTATUS(status) <= STEP_BROKEN) {
		st = WEXITSTATUS(status);
		if (st != STEP_PASS)
			note = note_from_log(log_path);
	} else {
		note = WIFSIGNALED(status) ?
			xasprintf("the step process died of signal %d", WTERMSIG(status)) :
			xasprintf("the step process exited with status %d", WEXITSTATUS(status));
		st = STEP_BROKEN;
	}
	/* Whatever the step left behind goes with it. */
	kill(-pid, SIGKILL);
	reap_leftovers();
done:
	if (log_fd >= 0) {
		if (note)
			log_to(log_fd, "%s", note);
		log_to(log_fd, "step %d '%s': %s after %.1f s", row->stepno, row->testid,
		       status_name(step_status_of(st)), now_monotonic() - start);
		close(log_fd);
	}
	if (db_step_finish(inst->db, flight, job, row->stepno, step_status_of(st), note) < 0)
		st = STEP_BROKEN;
	progress(flight, job, row, status_name(step_status_of(st)), now_monotonic() - start);
	if (note && st != STEP_PASS) {
		printf("           %s\n", note);
		fflush(stdout);
	}
	free(note);
	free(log_path);
	return st;
}

/*
 * Runs the steps of a claimed job. After the first step that does not pass,
 * only "always" steps run; the job takes the status of that first step.
 * With only_always, just the always steps run (recovery cleanups).
 */
static int
run_steps(struct instance *inst, long flight, const char *job, int only_always)
{
	struct db_step *steps;
	int n = 0, i, worst = STEP_PASS;

	steps = db_job_steps(inst->db, flight, job, &n);
	if (!steps)
		return STEP_BROKEN;
	for (i = 0; i < n; i++) {
		int st;

		if (only_always) {
			if (!steps[i].always || steps[i].status == STATUS_PASS)
				continue;
		} else if (steps[i].status != STATUS_QUEUED) {
			continue;
		}
		if (!only_always && (worst != STEP_PASS || exec_interrupted) && !steps[i].always) {
			db_step_finish(inst->db, flight, job, steps[i].stepno, STATUS_SKIPPED, NULL);
			continue;
		}
		st = run_step(inst, flight, job, &steps[i]);
		if (worst == STEP_PASS)
			worst = st;
	}
	db_steps_free(steps, n);
	return worst;
}

static int
run_job(struct instance *inst, long flight, const char *job)
{
	unsigned long long me = proc_start_time(getpid());
	enum status status;
	char *note = NULL;
	int claimed, st;

	claimed = db_job_claim(inst->db, flight, job, (long)getpid(), me);
	if (claimed <= 0)
		return claimed < 0 ? -1 : 0;
	st = run_steps(inst, flight, job, 0);
	status = step_status_of(st);
	if (exec_interrupted && st == STEP_BROKEN) {
		status = STATUS_ABORTED;
		note = xasprintf("interrupted by signal %d", (int)exec_interrupted);
	}
	db_job_finish(inst->db, flight, job, status, note);
	printf("[%7.1fs] %ld %s: %s\n", now_monotonic() - exec_started, flight, job,
	       status_name(status));
	fflush(stdout);
	free(note);
	return 1;
}

static enum exec_outcome
worse(enum exec_outcome a, enum status status)
{
	enum exec_outcome b = EXEC_PASS;

	switch (status) {
	case STATUS_BROKEN:
	case STATUS_ABORTED:
		b = EXEC_BROKEN;
		break;
	case STATUS_FAIL:
	case STATUS_BLOCKED:
		b = EXEC_FAILED;
		break;
	case STATUS_QUEUED:
	case STATUS_PREPARING:
	case STATUS_RUNNING:
	case STATUS_PASS:
	case STATUS_SKIPPED:
		break;
	}
	return b > a ? b : a;
}

int
exec_recover_cleanups(struct instance *inst)
{
	unsigned long long me = proc_start_time(getpid());
	struct db_owner *jobs;
	int n = 0, i;

	jobs = db_jobs_needing_cleanup(inst->db, &n);
	if (!jobs)
		return -1;
	for (i = 0; i < n; i++) {
		if (jobs[i].pid && recover_owner_alive(jobs[i].pid, jobs[i].pid_start))
			continue;
		if (db_job_claim_cleanup(inst->db, jobs[i].flight, jobs[i].job, jobs[i].pid,
					 (long)getpid(), me) <= 0)
			continue;
		printf("[%7.1fs] %ld %s: running the cleanup steps it was left without\n",
		       now_monotonic() - exec_started, jobs[i].flight, jobs[i].job);
		fflush(stdout);
		run_steps(inst, jobs[i].flight, jobs[i].job, 1);
		db_job_cleanup_done(inst->db, jobs[i].flight, jobs[i].job);
	}
	db_owners_free(jobs, n);
	return 0;
}

enum exec_outcome
exec_flight(struct instance *inst, long flight, const char *glob)
{
	enum exec_outcome outcome = EXEC_PASS;
	struct sigaction sa = { .sa_handler = on_signal };
	int exists = db_flight_exists(inst->db, flight);

	if (exists <= 0) {
		if (exists == 0)
			errorx("no flight %ld", flight);
		return EXEC_ERROR;
	}
	exec_started = now_monotonic();
	exec_interrupted = 0;
	/* No SA_RESTART: an interrupt must wake the wait for a step. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	exec_recover_cleanups(inst);
	db_flight_mark_started(inst->db, flight);

	while (!exec_interrupted) {
		struct sched_job *sj;
		struct sched_decision d;
		struct db_job *jobs;
		int n = 0, i, rc = 0;

		jobs = db_flight_jobs(inst->db, flight, &n);
		if (!jobs)
			return EXEC_ERROR;
		sj = xcalloc((size_t)n + 1, sizeof(*sj));
		for (i = 0; i < n; i++) {
			sj[i].name = jobs[i].job;
			sj[i].status = jobs[i].status;
			sj[i].needs = jobs[i].needs;
			sj[i].nneeds = jobs[i].nneeds;
			sj[i].selected = !glob || glob_match(glob, jobs[i].job);
		}
		d = sched_next(sj, n);
		if (d.action == SCHED_BLOCK) {
			char *note = xasprintf("job '%s' did not pass",
					       d.because >= 0 ? jobs[d.because].job : "?");

			db_job_settle(inst->db, flight, jobs[d.job].job, STATUS_BLOCKED, note);
			printf("[%7.1fs] %ld %s: blocked (%s)\n", now_monotonic() - exec_started,
			       flight, jobs[d.job].job, note);
			fflush(stdout);
			free(note);
		} else if (d.action == SCHED_RUN) {
			rc = run_job(inst, flight, jobs[d.job].job);
		} else if (d.action == SCHED_WAIT) {
			printf("waiting: jobs this run needs are running in another process\n");
		}
		free(sj);
		db_jobs_free(jobs, n);
		if (rc < 0)
			return EXEC_ERROR;
		if (d.action == SCHED_DONE || d.action == SCHED_WAIT)
			break;
	}
	{
		struct db_job *jobs;
		int n = 0, i;

		jobs = db_flight_jobs(inst->db, flight, &n);
		if (!jobs)
			return EXEC_ERROR;
		for (i = 0; i < n; i++)
			if (!glob || glob_match(glob, jobs[i].job))
				outcome = worse(outcome, jobs[i].status);
		db_jobs_free(jobs, n);
	}
	if (exec_interrupted)
		outcome = EXEC_BROKEN;
	db_flight_mark_finished(inst->db, flight);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	return outcome;
}
