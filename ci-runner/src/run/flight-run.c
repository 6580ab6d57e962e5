#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "flight-run.h"
#include "instance.h"
#include "layout.h"
#include "log.h"
#include "proc.h"
#include "recover.h"
#include "sched.h"
#include "step-ctx.h"
#include "supervise.h"
#include "util.h"

/* One run of a flight (or of recovery's cleanups). */
struct run {
	struct instance *inst;
	const struct run_listener *listener;
	double started;		/* monotonic */
	int sigfd;		/* interrupts, read from a signalfd (supervise.h); -1: none */
	int interrupts;		/* how many came */
	int always_pending;	/* the job being run has always steps still to run */
	int owned;		/* the job being run is claimed by self: check it still is */
	int lost;		/* ... and another process took it over */
	int db_broken;		/* a status write failed: the run stops */
	char *db_failure;	/* what could not be written */
	struct db_owner self;	/* this process as a job's owner */
	int changed;		/* a job ran, was blocked or cleaned up */
	int unrunnable;		/* selected jobs left waiting on jobs this run may not start */
	double job_deadline;	/* monotonic: the whole job's time limit; 0: none */
	int job_limit;		/* that limit in seconds */
};

/* The signal of the last interrupt; 0 while none came. */
static int run_interrupted;

static void
emit(const struct run *run, struct run_event *ev)
{
	if (!run->listener || !run->listener->fn)
		return;
	ev->elapsed = now_monotonic() - run->started;
	run->listener->fn(ev, run->listener->opaque);
}

/*
 * Counts an interrupt and says what it does now: the first stops the
 * running step (not an always step) and the job's remaining steps but its
 * always steps; a second one stops the always steps too. Returns 1 when
 * always steps are to stop.
 */
static int
interrupt(struct run *run, int sig)
{
	struct run_event ev = { .type = RUN_INTERRUPTED };

	run_interrupted = sig;
	run->interrupts++;
	if (!run->always_pending || run->interrupts > 2)
		return run->interrupts >= 2;
	ev.note = run->interrupts == 1 ?
		"interrupted: running the always-steps; interrupt again to stop them" :
		"interrupted again: stopping the always-steps";
	emit(run, &ev);
	return run->interrupts >= 2;
}

/* Takes in the interrupts that came since the last look. */
static void
poll_interrupts(struct run *run)
{
	int sig;

	while ((sig = supervise_signal_pending(run->sigfd)) != 0)
		interrupt(run, sig);
}

/* A status could not be written: the run stops as broken (reported). */
static void
db_failed(struct run *run, const char *what)
{
	if (run->db_broken)
		return;
	run->db_broken = 1;
	run->db_failure = xstrdup(what);
}

/*
 * No database connection crosses a fork: the runner's is closed while a
 * step's process runs (which opens its own) and opened again after.
 */
static void
db_release(struct run *run)
{
	db_close(run->inst->db);
	run->inst->db = NULL;
}

static int
db_reacquire(struct run *run)
{
	char *path;

	if (run->inst->db)
		return 0;
	path = path_join(run->inst->home, "results.db");
	run->inst->db = db_open_mode(path, DB_WRITE);
	free(path);
	if (!run->inst->db) {
		db_failed(run, "anything (the database cannot be opened again)");
		return -1;
	}
	return 0;
}

/* 1 when self still owns the job, 0 when another process took it over, -1. */
static int
still_owned(struct run *run, long flight, const char *job)
{
	struct db_owner *owners;
	int n = 0, i, owned = 0;

	owners = db_running_jobs(run->inst->db, &n);
	if (!owners)
		return -1;
	for (i = 0; i < n; i++) {
		const struct db_owner *o = &owners[i];

		if (o->flight == flight && strcmp(o->job, job) == 0)
			owned = o->pid == run->self.pid && o->pid_start == run->self.pid_start &&
				strcmp(o->host, run->self.host) == 0 &&
				strcmp(o->boot_id, run->self.boot_id) == 0 &&
				o->pidns == run->self.pidns;
	}
	db_owners_free(owners, n);
	return owned;
}

static enum status
step_status_of(int st)
{
	return st == STEP_PASS ? STATUS_PASS : st == STEP_FAIL ? STATUS_FAIL : STATUS_BROKEN;
}

/* How much of the end of a step log is read for its note. */
#define NOTE_TAIL (8 * 1024)

/*
 * The last max bytes of a file, from the start of a line; NULL (not
 * reported: the note is a nicety) if it cannot be read.
 */
static char *
read_tail(const char *path, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf, *start;
	size_t len = 0;
	struct stat st;
	off_t from = 0;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && st.st_size > (off_t)max)
		from = st.st_size - (off_t)max;
	buf = xmalloc(max + 1);
	while (len < max) {
		ssize_t n = pread(fd, buf + len, max - len, from + (off_t)len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	/* A line cut by the start of the tail is not a line. */
	start = buf;
	if (from > 0) {
		char *nl = memchr(buf, '\n', len);

		start = nl ? nl + 1 : buf + len;
	}
	memmove(buf, start, strlen(start) + 1);
	return buf;
}

/*
 * The last "error:" line a step wrote near the end of its log becomes the
 * step's note; without one, its last line (less the time stamp) does.
 */
static char *
note_from_log(const char *path)
{
	char *text = read_tail(path, NOTE_TAIL), *line, *found = NULL, *last = NULL, *p;

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

/* The number of lines in a file; -1 if it cannot be read. */
static long
count_lines(const char *path)
{
	char buf[65536];
	long lines = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
	close(fd);
	return lines;
}

static int
open_step_log(struct instance *inst, long flight, const char *job, const struct db_step *row,
	      char **path_out)
{
	char *dir = layout_job_logs(inst->home, flight, job);
	char *path;
	int fd;

	if (mkdir_p(dir, 0755) < 0) {
		free(dir);
		return -1;
	}
	free(dir);
	path = layout_step_log(inst->home, flight, job, row->stepno, row->testid);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		error("cannot open step log '%s'", path);
		free(path);
		return -1;
	}
	*path_out = path;
	return fd;
}

/*
 * 1 when the file system of the open log fd has no block left for this
 * process: what a step wrote to its log (and most of what it ran) was cut,
 * which is the host's fault, not the step's.
 */
static int
log_fs_full(int fd)
{
	struct statvfs sv;

	if (fstatvfs(fd, &sv) < 0)
		return 0;
	return (geteuid() == 0 ? sv.f_bfree : sv.f_bavail) == 0;
}

/* What the step's child process runs. */
struct step_child {
	const struct step_ctx_info *info;
	step_fn fn;
};

static int
step_child_main(void *arg)
{
	const struct step_child *c = arg;

	return step_ctx_run(c->info, c->fn);
}

/* What an interrupt does to a step: 1 kills it. */
struct step_wait {
	struct run *run;
	int always;
};

static int
step_on_signal(int sig, void *opaque)
{
	struct step_wait *w = opaque;
	int escalate = interrupt(w->run, sig);

	return !w->always || escalate;
}

/* Runs one step to its end; returns its STEP_* status. */
static int
run_step(struct run *run, long flight, const char *job, const struct db_step *row)
{
	struct instance *inst = run->inst;
	const struct step_def *def = step_lookup(row->step);
	double start = now_monotonic(), deadline = start + row->timeout;
	int job_limited = 0;
	struct run_event ev = {
		.type = RUN_STEP_STARTED, .flight = flight, .job = job, .stepno = row->stepno,
		.testid = row->testid,
	};
	char *log_path = NULL, *note = NULL;
	struct supervise_result res;
	int log_fd, st = STEP_BROKEN;

	/* The whole job's limit stops the steps under test, not its always steps. */
	if (!row->always && run->job_deadline > 0 && run->job_deadline < deadline) {
		deadline = run->job_deadline;
		job_limited = 1;
	}
	if (db_step_start(inst->db, flight, job, row->stepno) < 0) {
		db_failed(run, "the start of a step");
		return STEP_BROKEN;
	}
	emit(run, &ev);
	log_fd = open_step_log(inst, flight, job, row, &log_path);
	if (log_fd < 0 || !def) {
		note = xstrdup(def ? "cannot open the step log" : "unknown step function");
		st = STEP_BROKEN;
		goto done;
	}
	step_log_to(log_fd, "step %d '%s' (%s) of job '%s', flight %ld: %s; time limit %d s",
		    row->stepno, row->testid, row->step, job, flight, def->description,
		    row->timeout);
	{
		struct step_ctx_info info = {
			.home = inst->home, .cfg = inst->cfg, .flight = flight, .job = job,
			.stepno = row->stepno, .step = row->step, .testid = row->testid,
			.timeout = row->timeout, .deadline = deadline, .log_fd = log_fd,
			.log_path = log_path,
		};
		struct step_child child = { .info = &info, .fn = def->run };
		struct step_wait wait = { .run = run, .always = row->always };
		struct supervise_opts opts = {
			.out_fd = log_fd, .deadline = deadline, .sigfd = run->sigfd,
			.on_signal = step_on_signal, .opaque = &wait,
		};

		db_release(run);
		supervise_run(step_child_main, &child, &opts, &res);
		if (db_reacquire(run) < 0) {
			close(log_fd);
			free(log_path);
			return STEP_BROKEN;
		}
	}
	switch (res.end) {
	case SUPERVISE_NOT_STARTED:
		note = xasprintf("cannot fork: %s", strerror(res.status));
		st = STEP_BROKEN;
		break;
	case SUPERVISE_INTERRUPTED:
		note = xasprintf(row->always ? "interrupted again by signal %d" :
				 "interrupted by signal %d", res.status);
		st = STEP_BROKEN;
		break;
	case SUPERVISE_TIMEOUT:
		note = job_limited && deadline < start + row->timeout ?
			xasprintf("job '%s' exceeded its time limit of %d s (scheduler.job_timeout) "
				  "in step '%s'", job, run->job_limit, row->testid) :
			xasprintf("step '%s' exceeded its time limit of %d s", row->testid,
				  row->timeout);
		st = def->infra ? STEP_BROKEN : STEP_FAIL;
		break;
	case SUPERVISE_EXITED:
		if (res.status <= STEP_BROKEN) {
			st = res.status;
			if (st != STEP_PASS)
				note = note_from_log(log_path);
		} else {
			note = xasprintf("the step process exited with status %d", res.status);
			st = STEP_BROKEN;
		}
		break;
	case SUPERVISE_SIGNALED:
		note = xasprintf("the step process died of signal %d", res.status);
		st = STEP_BROKEN;
		break;
	}
done:
	if (log_fd >= 0 && log_fs_full(log_fd)) {
		free(note);
		note = xasprintf("the file system of the step log '%s' is full: the log is cut "
				 "and the step's result cannot be trusted", log_path);
		st = STEP_BROKEN;
	}
	if (log_fd >= 0) {
		if (note)
			step_log_to(log_fd, "%s", note);
		step_log_to(log_fd, "step %d '%s': %s after %.1f s", row->stepno, row->testid,
			    status_name(step_status_of(st)), now_monotonic() - start);
		close(log_fd);
	}
	/* A job another process took over keeps the statuses it wrote. */
	if (run->owned && !run->lost) {
		int owned = still_owned(run, flight, job);

		if (owned < 0)
			db_failed(run, "the end of a step");
		run->lost = owned == 0;
	}
	if (run->lost) {
		free(note);
		note = xstrdup("not recorded: another process took the job over");
	} else if (run->db_broken) {
		st = STEP_BROKEN;
	} else if (db_step_finish(inst->db, flight, job, row->stepno, step_status_of(st),
				  note) < 0) {
		db_failed(run, "the end of a step");
		st = STEP_BROKEN;
	}
	ev.type = RUN_STEP_FINISHED;
	ev.status = step_status_of(st);
	ev.seconds = now_monotonic() - start;
	ev.note = note;
	ev.log_lines = log_path ? count_lines(log_path) : -1;
	emit(run, &ev);
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
run_steps(struct run *run, long flight, const char *job, int only_always)
{
	struct instance *inst = run->inst;
	struct db_step *steps;
	int n = 0, i, worst = STEP_PASS;

	steps = db_job_steps(inst->db, flight, job, &n);
	if (!steps)
		return STEP_BROKEN;
	for (i = 0; i < n && !run->db_broken && !run->lost; i++) {
		int st, k;

		poll_interrupts(run);
		run->always_pending = 0;
		for (k = i; k < n; k++)
			run->always_pending |= steps[k].always && steps[k].status == STATUS_QUEUED;
		if (only_always) {
			/* What the dead owner did not reach will not run now. */
			if (!steps[i].always && steps[i].status == STATUS_QUEUED)
				db_step_finish(inst->db, flight, job, steps[i].stepno, STATUS_SKIPPED,
					       NULL);
			if (!steps[i].always || steps[i].status == STATUS_PASS)
				continue;
		} else if (steps[i].status != STATUS_QUEUED) {
			continue;
		}
		if (!only_always && (worst != STEP_PASS || run_interrupted) && !steps[i].always) {
			if (db_step_finish(inst->db, flight, job, steps[i].stepno, STATUS_SKIPPED,
					   NULL) < 0)
				db_failed(run, "a skipped step");
			continue;
		}
		/* A second interrupt stops the always steps too. */
		if (run->interrupts >= 2) {
			if (db_step_finish(inst->db, flight, job, steps[i].stepno, STATUS_SKIPPED,
					   "interrupted twice") < 0)
				db_failed(run, "a skipped step");
			continue;
		}
		st = run_step(run, flight, job, &steps[i]);
		if (worst == STEP_PASS)
			worst = st;
	}
	run->always_pending = 0;
	db_steps_free(steps, n);
	return worst;
}

/*
 * Runs the steps of a job self has claimed and records its end; *status
 * (may be NULL) gets the job's status. Returns 1.
 */
static int
run_claimed(struct run *run, long flight, const char *job, enum status *status)
{
	struct instance *inst = run->inst;
	struct run_event ev = { .type = RUN_JOB_STARTED, .flight = flight, .job = job };
	char *note = NULL;
	int st, rc;

	run->changed = 1;
	emit(run, &ev);
	run->owned = 1;
	run->lost = 0;
	run->job_limit = inst->cfg ? (int)config_int(inst->cfg, "scheduler.job_timeout") : 0;
	run->job_deadline = run->job_limit > 0 ? now_monotonic() + run->job_limit : 0;
	st = run_steps(run, flight, job, 0);
	run->job_deadline = 0;
	run->owned = 0;
	ev.status = step_status_of(st);
	if (run_interrupted && st == STEP_BROKEN) {
		ev.status = STATUS_ABORTED;
		note = xasprintf("interrupted by signal %d", (int)run_interrupted);
	}
	if (run->db_broken && !note)
		note = xasprintf("the run stopped: it could not record %s", run->db_failure);
	/* Compare-and-set: a job another process took over keeps its status. */
	rc = run->lost ? DB_NOT_OWNER :
		db_job_finish_owned(inst->db, flight, job, &run->self, ev.status, note);
	if (rc == DB_NOT_OWNER) {
		ev.type = RUN_JOB_LOST;
		ev.note = "another process took the job over while this one ran it; the "
			"status it wrote stays, and this run stops the job";
		emit(run, &ev);
		free(note);
		run->lost = 0;
		if (status)
			*status = STATUS_BROKEN;
		return 1;
	}
	if (rc < 0)
		db_failed(run, "the end of a job");
	ev.type = RUN_JOB_FINISHED;
	ev.note = note;
	emit(run, &ev);
	free(note);
	if (status)
		*status = ev.status;
	return 1;
}

static int
run_job(struct run *run, long flight, const char *job)
{
	int claimed = db_job_claim_owned(run->inst->db, flight, job, &run->self, STATUS_RUNNING);

	if (claimed <= 0) {
		if (claimed < 0)
			db_failed(run, "the claim of a job");
		return 0;
	}
	return run_claimed(run, flight, job, NULL);
}

static enum run_outcome
worse(enum run_outcome a, enum status status)
{
	enum run_outcome b = RUN_PASS;

	switch (status) {
	case STATUS_BROKEN:
	case STATUS_ABORTED:
		b = RUN_BROKEN;
		break;
	case STATUS_FAIL:
	case STATUS_BLOCKED:
		b = RUN_FAILED;
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

/* The host a job ran on, or NULL (none, or not in the pool any more). */
static char *
job_host(struct instance *inst, long flight, const char *job)
{
	char *flags = NULL, *host = NULL;
	int needs_host = 0, attempt = 0;

	if (!inst->cfg || db_job_host_needs(inst->db, flight, job, &needs_host, &flags, &attempt,
					    &host) < 0)
		return NULL;
	free(flags);
	if (host && !config_host(inst->cfg, host)) {
		log_warnx("flight %ld job '%s': host '%s' is not in the pool any more: its "
			  "cleanup uses toolstack.uri", flight, job, host);
		free(host);
		host = NULL;
	}
	return host;
}

/* The toolstack settings before config_use_host, to put back. */
struct saved_toolstack {
	char *backend, *uri, *type;
};

static struct saved_toolstack *
use_host(struct instance *inst, const char *host)
{
	struct saved_toolstack *s = xcalloc(1, sizeof(*s));

	s->backend = xstrdup(config_str(inst->cfg, "toolstack.backend"));
	s->uri = xstrdup(config_str(inst->cfg, "toolstack.uri"));
	s->type = xstrdup(config_str(inst->cfg, "toolstack.domain_type"));
	config_use_host(inst->cfg, host);
	return s;
}

static void
restore_host(struct instance *inst, struct saved_toolstack *s)
{
	if (!s)
		return;
	config_set(inst->cfg, "toolstack.backend", s->backend);
	config_set(inst->cfg, "toolstack.uri", s->uri);
	config_set(inst->cfg, "toolstack.domain_type", s->type);
	free(s->backend);
	free(s->uri);
	free(s->type);
	free(s);
}

static int
recover_cleanups(struct run *run)
{
	struct instance *inst = run->inst;
	unsigned long long me = run->self.pid_start;
	struct saved_toolstack *saved;
	struct db_owner *jobs;
	char *host;
	int n = 0, i;

	jobs = db_jobs_needing_cleanup(inst->db, &n);
	if (!jobs)
		return -1;
	for (i = 0; i < n && !run->db_broken && run->interrupts < 2; i++) {
		struct run_event ev = {
			.type = RUN_JOB_CLEANUP, .flight = jobs[i].flight, .job = jobs[i].job,
		};

		if (jobs[i].pid && recover_owner_liveness(&jobs[i], &run->self) != RECOVER_DEAD)
			continue;
		if (db_job_claim_cleanup(inst->db, jobs[i].flight, jobs[i].job, jobs[i].pid,
					 (long)getpid(), me) <= 0)
			continue;
		run->changed = 1;
		emit(run, &ev);
		/* The job's guest is on its host: the cleanup speaks to that toolstack. */
		host = job_host(inst, jobs[i].flight, jobs[i].job);
		saved = host ? use_host(inst, host) : NULL;
		run_steps(run, jobs[i].flight, jobs[i].job, 1);
		restore_host(inst, saved);
		if (!run->db_broken &&
		    db_job_cleanup_done(inst->db, jobs[i].flight, jobs[i].job) < 0)
			db_failed(run, "the end of a job's cleanup");
		/* Its guest is gone now: its host's slot is free, and it may run again. */
		if (!run->db_broken) {
			if (db_lease_release(inst->db, jobs[i].flight, jobs[i].job) < 0)
				db_failed(run, "the end of a host lease");
			else if (recover_retry(inst, jobs[i].flight, jobs[i].job) == 0 &&
				 run_flight_finish_if_done(inst, jobs[i].flight) < 0)
				db_failed(run, "the end of a flight");
		}
		free(host);
	}
	db_owners_free(jobs, n);
	return 0;
}

int
run_recover_cleanups(struct instance *inst, const struct run_listener *listener)
{
	struct run run = {
		.inst = inst, .listener = listener, .started = now_monotonic(), .sigfd = -1,
	};
	int rc;

	if (db_owner_self(&run.self) < 0)
		return -1;
	rc = recover_cleanups(&run);
	if (db_reacquire(&run) < 0 || run.db_broken)
		rc = -1;
	free(run.db_failure);
	return rc;
}

/*
 * Blocks a job that is still queued and skips all its steps, in one
 * transaction: 1 when it did, 0 when another process took the job first.
 */
static int
block_job(struct instance *inst, long flight, const char *job, const char *note)
{
	struct db_job *jobs;
	struct db_step *steps = NULL;
	int n = 0, nsteps = 0, i, queued = 0;

	if (db_begin(inst->db) < 0)
		return -1;
	jobs = db_flight_jobs(inst->db, flight, &n);
	if (!jobs)
		goto fail;
	for (i = 0; i < n; i++)
		if (!strcmp(jobs[i].job, job))
			queued = jobs[i].status == STATUS_QUEUED;
	db_jobs_free(jobs, n);
	if (!queued) {
		db_rollback(inst->db);
		return 0;
	}
	if (db_job_settle(inst->db, flight, job, STATUS_BLOCKED, note) < 0)
		goto fail;
	steps = db_job_steps(inst->db, flight, job, &nsteps);
	if (!steps)
		goto fail;
	for (i = 0; i < nsteps; i++)
		if (steps[i].status == STATUS_QUEUED &&
		    db_step_finish(inst->db, flight, job, steps[i].stepno, STATUS_SKIPPED, NULL) < 0)
			goto fail;
	db_steps_free(steps, nsteps);
	if (db_commit(inst->db) < 0)
		return -1;
	return 1;
fail:
	db_steps_free(steps, nsteps);
	db_rollback(inst->db);
	return -1;
}

/*
 * Nothing more can start: a selected job still queued waits on a job this
 * run may not start (one --jobs left out, which has not passed). Says so,
 * and counts it, so the run cannot read as a success.
 */
static void
report_unrunnable(struct run *run, long flight, const struct sched_job *sj, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct run_event ev = {
			.type = RUN_JOB_UNRUNNABLE, .flight = flight, .job = sj[i].name,
		};
		int dep;

		if (!sj[i].selected || sj[i].status != STATUS_QUEUED)
			continue;
		dep = sched_unmet_need(sj, n, i);
		if (dep >= 0) {
			ev.need = sj[dep].name;
			ev.need_status = sj[dep].status;
		}
		run->unrunnable++;
		emit(run, &ev);
	}
}

/* One scheduling decision, acted on; -1 on error, 1 when nothing is left. */
static int
run_next(struct run *run, long flight, const char *glob)
{
	struct instance *inst = run->inst;
	struct sched_job *sj;
	struct sched_decision d;
	struct db_job *jobs;
	int n = 0, i, rc = 0;

	jobs = db_flight_jobs(inst->db, flight, &n);
	if (!jobs)
		return -1;
	sj = xcalloc((size_t)n + 1, sizeof(*sj));
	for (i = 0; i < n; i++) {
		sj[i].name = jobs[i].job;
		sj[i].status = jobs[i].status;
		sj[i].needs = jobs[i].needs;
		sj[i].nneeds = jobs[i].nneeds;
		sj[i].selected = !glob || glob_match(glob, jobs[i].job);
	}
	d = sched_next(sj, n);
	switch (d.action) {
	case SCHED_BLOCK: {
		char *note = xasprintf("job '%s' did not pass",
				       d.because >= 0 ? jobs[d.because].job : "?");
		struct run_event ev = {
			.type = RUN_JOB_FINISHED, .flight = flight, .job = jobs[d.job].job,
			.status = STATUS_BLOCKED, .note = note,
		};

		rc = block_job(inst, flight, jobs[d.job].job, note);
		if (rc < 0) {
			db_failed(run, "a blocked job");
			rc = 0;
		} else if (rc > 0) {
			run->changed = 1;
			emit(run, &ev);
		}
		free(note);
		break;
	}
	case SCHED_RUN:
		rc = run_job(run, flight, jobs[d.job].job);
		break;
	case SCHED_WAIT: {
		struct run_event ev = { .type = RUN_WAITING, .flight = flight };

		emit(run, &ev);
		break;
	}
	case SCHED_DONE:
		report_unrunnable(run, flight, sj, n);
		break;
	}
	free(sj);
	db_jobs_free(jobs, n);
	if (rc < 0)
		return -1;
	return d.action == SCHED_DONE || d.action == SCHED_WAIT;
}

/*
 * The worst status of the selected jobs, as an outcome; *done when every
 * job of the flight has a final status.
 */
static enum run_outcome
flight_outcome(struct instance *inst, long flight, const char *glob, enum status *worst,
	       int *done)
{
	enum run_outcome outcome = RUN_PASS;
	struct db_job *jobs;
	int n = 0, i;

	*worst = STATUS_PASS;
	*done = 1;
	jobs = db_flight_jobs(inst->db, flight, &n);
	if (!jobs)
		return RUN_ERROR;
	for (i = 0; i < n; i++) {
		enum run_outcome o;

		if (!status_is_final(jobs[i].status))
			*done = 0;
		if (glob && !glob_match(glob, jobs[i].job))
			continue;
		o = worse(outcome, jobs[i].status);
		if (o > outcome)
			*worst = jobs[i].status;
		outcome = o;
	}
	db_jobs_free(jobs, n);
	return outcome;
}

/*
 * Selected jobs of the flight that another process runs: each is told, and
 * the run does not pass (it did not do them). Returns how many, or -1.
 */
static int
report_elsewhere(struct run *run, long flight, const char *glob)
{
	struct db_owner *owners;
	int n = 0, i, count = 0;

	owners = db_running_jobs(run->inst->db, &n);
	if (!owners)
		return -1;
	for (i = 0; i < n; i++) {
		const struct db_owner *o = &owners[i];
		struct run_event ev = {
			.type = RUN_JOB_ELSEWHERE, .flight = flight, .job = o->job,
			.owner_pid = o->pid, .owner_host = o->host,
		};

		if (o->flight != flight || (glob && !glob_match(glob, o->job)))
			continue;
		emit(run, &ev);
		count++;
	}
	db_owners_free(owners, n);
	return count;
}

/* 1 when some job of the flight matches glob, 0 if none, -1 on error. */
static int
any_job_matches(struct instance *inst, long flight, const char *glob)
{
	struct db_job *jobs;
	int n = 0, i, found = 0;

	jobs = db_flight_jobs(inst->db, flight, &n);
	if (!jobs)
		return -1;
	for (i = 0; i < n; i++)
		found |= glob_match(glob, jobs[i].job);
	db_jobs_free(jobs, n);
	return found;
}

/* 1 when the flight has a finish time already. */
static int
flight_has_finished(struct instance *inst, long flight)
{
	json_t *f = db_flight_json(inst->db, flight);
	int has = f && json_is_integer(json_object_get(f, "finished"));

	json_decref(f);
	return has;
}

enum run_outcome
run_flight(struct instance *inst, long flight, const char *glob,
	   const struct run_listener *listener)
{
	struct run run = { .inst = inst, .listener = listener, .started = now_monotonic() };
	struct run_event ev = { .type = RUN_FLIGHT_STARTED, .flight = flight };
	enum run_outcome outcome;
	int exists = db_flight_exists(inst->db, flight), rc, done, elsewhere = 0;

	if (exists <= 0) {
		if (exists == 0)
			errorx("no flight %ld", flight);
		return RUN_ERROR;
	}
	if (glob) {
		rc = any_job_matches(inst, flight, glob);
		if (rc <= 0) {
			if (rc == 0)
				errorx("no job of flight %ld matches '%s'", flight, glob);
			return RUN_ERROR;
		}
	}
	if (db_owner_self(&run.self) < 0)
		return RUN_ERROR;
	run_interrupted = 0;
	/*
	 * Interrupts stay blocked for the whole run and are read from a
	 * signalfd: one that comes between a look and a wait is not lost.
	 */
	run.sigfd = supervise_signals_open();
	if (run.sigfd < 0)
		return RUN_ERROR;
	supervise_init();
	emit(&run, &ev);
	recover_cleanups(&run);
	if (!run.db_broken && db_flight_mark_started(inst->db, flight) < 0)
		db_failed(&run, "the start of the flight");

	rc = 0;
	for (;;) {
		poll_interrupts(&run);
		if (run_interrupted || rc != 0 || run.db_broken)
			break;
		rc = run_next(&run, flight, glob);
	}
	if (run.db_broken) {
		/* The job stays "running" until the next run recovers it. */
		char *note = xasprintf("cannot record %s in the database: the run stops as "
				       "broken (the next 'pvci flight run' recovers what it "
				       "left running)", run.db_failure);

		ev.type = RUN_STOPPED;
		ev.note = note;
		emit(&run, &ev);
		free(note);
		supervise_signals_close(run.sigfd);
		free(run.db_failure);
		return inst->db ? RUN_BROKEN : RUN_ERROR;
	}
	outcome = rc < 0 ? RUN_ERROR : flight_outcome(inst, flight, glob, &ev.status, &done);
	if (outcome != RUN_ERROR)
		elsewhere = report_elsewhere(&run, flight, glob);
	supervise_signals_close(run.sigfd);
	if (outcome == RUN_ERROR || elsewhere < 0)
		return RUN_ERROR;
	/* Jobs another process runs: this run did not do them, so it does not pass. */
	if ((run.unrunnable || elsewhere > 0) && outcome < RUN_FAILED)
		outcome = RUN_FAILED;
	if (run_interrupted)
		outcome = RUN_BROKEN;
	/* A run that changed nothing keeps the time the flight finished. */
	if (done && (run.changed || !flight_has_finished(inst, flight)) &&
	    db_flight_mark_finished(inst->db, flight) < 0)
		outcome = RUN_BROKEN;
	ev.type = RUN_FLIGHT_FINISHED;
	emit(&run, &ev);
	return outcome;
}

enum run_outcome
run_job_claimed(struct instance *inst, long flight, const char *job,
		const struct run_listener *listener, enum status *status)
{
	struct run run = { .inst = inst, .listener = listener, .started = now_monotonic() };
	enum run_outcome outcome;

	*status = STATUS_BROKEN;
	if (db_owner_self(&run.self) < 0)
		return RUN_ERROR;
	run_interrupted = 0;
	run.sigfd = supervise_signals_open();
	if (run.sigfd < 0)
		return RUN_ERROR;
	supervise_init();
	if (db_flight_mark_started(inst->db, flight) < 0)
		db_failed(&run, "the start of the flight");
	if (!run.db_broken)
		run_claimed(&run, flight, job, status);
	supervise_signals_close(run.sigfd);
	if (run.db_broken) {
		free(run.db_failure);
		return inst->db ? RUN_BROKEN : RUN_ERROR;
	}
	outcome = worse(RUN_PASS, *status);
	return run_interrupted && outcome < RUN_BROKEN ? RUN_BROKEN : outcome;
}

int
run_block_job(struct instance *inst, long flight, const char *job, const char *note)
{
	return block_job(inst, flight, job, note);
}

int
run_flight_finish_if_done(struct instance *inst, long flight)
{
	struct db_job *jobs;
	int n = 0, i, done = 1;

	jobs = db_flight_jobs(inst->db, flight, &n);
	if (!jobs)
		return -1;
	for (i = 0; i < n; i++)
		done &= status_is_final(jobs[i].status);
	db_jobs_free(jobs, n);
	if (!done)
		return 0;
	return db_flight_mark_finished(inst->db, flight) < 0 ? -1 : 1;
}
