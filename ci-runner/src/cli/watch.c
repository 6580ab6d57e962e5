#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "db.h"
#include "instance.h"
#include "log.h"
#include "progress.h"
#include "show.h"
#include "util.h"
#include "watch.h"

/* How often the database is read: a person's pace, cheap for SQLite. */
#define WATCH_POLL_MS 500

static void
emit(const struct run_event *ev)
{
	progress_listener.fn(ev, progress_listener.opaque);
}

/* Seconds since the flight started (as "flight run" counts from its start). */
static double
elapsed(const struct db_watch *w, long at)
{
	long origin = w->started ? w->started : w->created;

	return at > origin ? (double)(at - origin) : 0.0;
}

static int
job_final(enum status s)
{
	return s == STATUS_PASS || s == STATUS_FAIL || s == STATUS_BROKEN ||
	       s == STATUS_BLOCKED || s == STATUS_ABORTED;
}

static int
step_final(enum status s)
{
	return s == STATUS_PASS || s == STATUS_FAIL || s == STATUS_BROKEN;
}

/*
 * The events between two readings (prev NULL: everything so far). Steps
 * that were skipped never ran, and "flight run" says nothing of them.
 */
static void
emit_changes(const struct db_watch *prev, const struct db_watch *cur)
{
	long now = now_seconds();
	int i, s = 0;

	for (i = 0; i < cur->njobs; i++) {
		const struct db_watch_job *job = &cur->jobs[i];
		const struct db_watch_job *pjob = prev && i < prev->njobs ? &prev->jobs[i] : NULL;

		for (; s < cur->nsteps && !strcmp(cur->steps[s].job, job->job); s++) {
			const struct db_watch_step *st = &cur->steps[s];
			const struct db_watch_step *pst = prev && s < prev->nsteps ? &prev->steps[s]
										    : NULL;
			int was_started = pst && (pst->status == STATUS_RUNNING || step_final(pst->status));
			int was_final = pst && step_final(pst->status);
			struct run_event ev;

			memset(&ev, 0, sizeof(ev));
			ev.flight = cur->flight;
			ev.job = st->job;
			ev.stepno = st->stepno;
			ev.testid = st->testid;
			if (!was_started && (st->status == STATUS_RUNNING || step_final(st->status))) {
				ev.type = RUN_STEP_STARTED;
				ev.elapsed = elapsed(cur, st->started ? st->started : now);
				emit(&ev);
			}
			if (!was_final && step_final(st->status)) {
				ev.type = RUN_STEP_FINISHED;
				ev.elapsed = elapsed(cur, st->finished ? st->finished : now);
				ev.status = st->status;
				ev.seconds = st->finished > st->started ? (double)(st->finished - st->started)
									: 0.0;
				ev.note = st->note;
				emit(&ev);
			}
		}
		if (job_final(job->status) && !(pjob && job_final(pjob->status))) {
			struct run_event ev;

			memset(&ev, 0, sizeof(ev));
			ev.type = RUN_JOB_FINISHED;
			ev.flight = cur->flight;
			ev.job = job->job;
			ev.status = job->status;
			ev.note = job->note;
			ev.elapsed = elapsed(cur, job->finished ? job->finished : now);
			emit(&ev);
		}
	}
}

/* The exit status of "flight run" for the jobs' statuses; -1 while one is not final. */
static int
outcome(const struct db_watch *w)
{
	int i, rc = EXIT_PASS;

	for (i = 0; i < w->njobs; i++) {
		enum status s = w->jobs[i].status;

		if (!job_final(s))
			return -1;
		if ((s == STATUS_BROKEN || s == STATUS_ABORTED) && rc < EXIT_BROKEN)
			rc = EXIT_BROKEN;
		else if ((s == STATUS_FAIL || s == STATUS_BLOCKED) && rc < EXIT_FAILED)
			rc = EXIT_FAILED;
	}
	return rc;
}

int
watch_flight(struct instance *inst, long flight, double timeout)
{
	struct timespec pause = { WATCH_POLL_MS / 1000, (WATCH_POLL_MS % 1000) * 1000000L };
	double start = now_monotonic();
	struct db_watch *prev = NULL, *cur;
	int rc;

	for (;;) {
		cur = db_watch_read(inst->db, flight);
		if (!cur) {
			db_watch_free(prev);
			return EXIT_ERROR;
		}
		emit_changes(prev, cur);
		db_watch_free(prev);
		prev = cur;
		rc = outcome(cur);
		if (rc >= 0)
			break;
		if (timeout > 0 && now_monotonic() - start >= timeout) {
			db_watch_free(prev);
			errorx("flight %ld did not finish within %.0f s", flight, timeout);
			return EXIT_ERROR;
		}
		nanosleep(&pause, NULL);
	}
	db_watch_free(prev);
	show_flight_summary(inst, flight);
	return rc;
}
