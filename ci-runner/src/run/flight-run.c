#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
};

static volatile sig_atomic_t run_interrupted;

static void
on_signal(int sig)
{
	run_interrupted = sig;
}

static void
emit(const struct run *run, struct run_event *ev)
{
	if (!run->listener || !run->listener->fn)
		return;
	ev->elapsed = now_monotonic() - run->started;
	run->listener->fn(ev, run->listener->opaque);
}

static enum status
step_status_of(int st)
{
	return st == STEP_PASS ? STATUS_PASS : st == STEP_FAIL ? STATUS_FAIL : STATUS_BROKEN;
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

/* Runs one step to its end; returns its STEP_* status. */
static int
run_step(struct run *run, long flight, const char *job, const struct db_step *row)
{
	struct instance *inst = run->inst;
	const struct step_def *def = step_lookup(row->step);
	double start = now_monotonic(), deadline = start + row->timeout;
	struct run_event ev = {
		.type = RUN_STEP_STARTED, .flight = flight, .job = job, .stepno = row->stepno,
		.testid = row->testid,
	};
	char *log_path = NULL, *note = NULL;
	struct supervise_result res;
	int log_fd, st = STEP_BROKEN;

	if (db_step_start(inst->db, flight, job, row->stepno) < 0)
		return STEP_BROKEN;
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

		supervise_run(step_child_main, &child, log_fd, deadline,
			      row->always ? NULL : &run_interrupted, &res);
	}
	switch (res.end) {
	case SUPERVISE_NOT_STARTED:
		note = xasprintf("cannot fork: %s", strerror(res.status));
		st = STEP_BROKEN;
		break;
	case SUPERVISE_INTERRUPTED:
		note = xasprintf("interrupted by signal %d", (int)run_interrupted);
		st = STEP_BROKEN;
		break;
	case SUPERVISE_TIMEOUT:
		note = xasprintf("step '%s' exceeded its time limit of %d s", row->testid,
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
	if (log_fd >= 0) {
		if (note)
			step_log_to(log_fd, "%s", note);
		step_log_to(log_fd, "step %d '%s': %s after %.1f s", row->stepno, row->testid,
			    status_name(step_status_of(st)), now_monotonic() - start);
		close(log_fd);
	}
	if (db_step_finish(inst->db, flight, job, row->stepno, step_status_of(st), note) < 0)
		st = STEP_BROKEN;
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
	for (i = 0; i < n; i++) {
		int st;

		if (only_always) {
			if (!steps[i].always || steps[i].status == STATUS_PASS)
				continue;
		} else if (steps[i].status != STATUS_QUEUED) {
			continue;
		}
		if (!only_always && (worst != STEP_PASS || run_interrupted) && !steps[i].always) {
			db_step_finish(inst->db, flight, job, steps[i].stepno, STATUS_SKIPPED, NULL);
			continue;
		}
		st = run_step(run, flight, job, &steps[i]);
		if (worst == STEP_PASS)
			worst = st;
	}
	db_steps_free(steps, n);
	return worst;
}

static int
run_job(struct run *run, long flight, const char *job)
{
	struct instance *inst = run->inst;
	unsigned long long me = proc_start_time(getpid());
	struct run_event ev = { .type = RUN_JOB_STARTED, .flight = flight, .job = job };
	char *note = NULL;
	int claimed, st;

	claimed = db_job_claim(inst->db, flight, job, (long)getpid(), me);
	if (claimed <= 0)
		return claimed < 0 ? -1 : 0;
	emit(run, &ev);
	st = run_steps(run, flight, job, 0);
	ev.status = step_status_of(st);
	if (run_interrupted && st == STEP_BROKEN) {
		ev.status = STATUS_ABORTED;
		note = xasprintf("interrupted by signal %d", (int)run_interrupted);
	}
	db_job_finish(inst->db, flight, job, ev.status, note);
	ev.type = RUN_JOB_FINISHED;
	ev.note = note;
	emit(run, &ev);
	free(note);
	return 1;
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

static int
recover_cleanups(struct run *run)
{
	struct instance *inst = run->inst;
	unsigned long long me = proc_start_time(getpid());
	struct db_owner *jobs;
	int n = 0, i;

	jobs = db_jobs_needing_cleanup(inst->db, &n);
	if (!jobs)
		return -1;
	for (i = 0; i < n; i++) {
		struct run_event ev = {
			.type = RUN_JOB_CLEANUP, .flight = jobs[i].flight, .job = jobs[i].job,
		};

		if (jobs[i].pid && recover_owner_alive(jobs[i].pid, jobs[i].pid_start))
			continue;
		if (db_job_claim_cleanup(inst->db, jobs[i].flight, jobs[i].job, jobs[i].pid,
					 (long)getpid(), me) <= 0)
			continue;
		emit(run, &ev);
		run_steps(run, jobs[i].flight, jobs[i].job, 1);
		db_job_cleanup_done(inst->db, jobs[i].flight, jobs[i].job);
	}
	db_owners_free(jobs, n);
	return 0;
}

int
run_recover_cleanups(struct instance *inst, const struct run_listener *listener)
{
	struct run run = { .inst = inst, .listener = listener, .started = now_monotonic() };

	return recover_cleanups(&run);
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

		db_job_settle(inst->db, flight, jobs[d.job].job, STATUS_BLOCKED, note);
		emit(run, &ev);
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
		break;
	}
	free(sj);
	db_jobs_free(jobs, n);
	if (rc < 0)
		return -1;
	return d.action == SCHED_DONE || d.action == SCHED_WAIT;
}

/* The worst status of the selected jobs, as an outcome. */
static enum run_outcome
flight_outcome(struct instance *inst, long flight, const char *glob, enum status *worst)
{
	enum run_outcome outcome = RUN_PASS;
	struct db_job *jobs;
	int n = 0, i;

	*worst = STATUS_PASS;
	jobs = db_flight_jobs(inst->db, flight, &n);
	if (!jobs)
		return RUN_ERROR;
	for (i = 0; i < n; i++) {
		enum run_outcome o;

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

enum run_outcome
run_flight(struct instance *inst, long flight, const char *glob,
	   const struct run_listener *listener)
{
	struct run run = { .inst = inst, .listener = listener, .started = now_monotonic() };
	struct run_event ev = { .type = RUN_FLIGHT_STARTED, .flight = flight };
	enum run_outcome outcome;
	struct sigaction sa = { .sa_handler = on_signal };
	int exists = db_flight_exists(inst->db, flight), rc;

	if (exists <= 0) {
		if (exists == 0)
			errorx("no flight %ld", flight);
		return RUN_ERROR;
	}
	run_interrupted = 0;
	/* No SA_RESTART: an interrupt must wake the wait for a step. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	supervise_init();
	emit(&run, &ev);
	recover_cleanups(&run);
	db_flight_mark_started(inst->db, flight);

	rc = 0;
	while (!run_interrupted && rc == 0)
		rc = run_next(&run, flight, glob);
	outcome = rc < 0 ? RUN_ERROR : flight_outcome(inst, flight, glob, &ev.status);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	if (outcome == RUN_ERROR)
		return RUN_ERROR;
	if (run_interrupted)
		outcome = RUN_BROKEN;
	db_flight_mark_finished(inst->db, flight);
	ev.type = RUN_FLIGHT_FINISHED;
	emit(&run, &ev);
	return outcome;
}
