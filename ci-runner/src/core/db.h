/*
 * The results database: the only module that speaks SQL. SQLite in WAL
 * mode with a busy timeout; prepared statements only; every change that
 * spans rows happens in one short transaction.
 *
 * Strings returned as char * belong to the caller; json_t * results are new
 * references the caller must json_decref.
 *
 * Errors: every function reports its error (database path and SQLite's
 * message) and returns -1 or NULL. A write that finds the database locked by
 * another process waits for it up to the busy timeout (DB_BUSY_TIMEOUT_MS)
 * and then fails like any other error, so the status writes (db_job_claim*,
 * db_job_finish*, db_job_settle, db_step_start, db_step_finish,
 * db_flight_mark_*, db_job_mark_orphan, db_job_cleanup_done) never fail
 * silently: a runner that gets -1 from one must stop the run as broken.
 * Reading loops tell an SQLite error from the end of the rows.
 */
#ifndef PVCI_DB_H
#define PVCI_DB_H

#include <jansson.h>

#include "status.h"

struct db;

/* The environment variable PVCI_DB_BUSY_TIMEOUT_MS overrides it (tests). */
#define DB_BUSY_TIMEOUT_MS 10000

/*
 * How a database is opened. Only DB_CREATE (pvci init) makes a database
 * where there is none or an empty file: a deleted or emptied results.db is
 * an error for every other mode, so flight numbers never restart at 1.
 * Only DB_MIGRATE and DB_CREATE upgrade an older schema (each migration in
 * its own BEGIN IMMEDIATE transaction, checked again inside it, so several
 * processes may open at once); the other modes refuse an older schema with
 * a message saying what to run.
 */
enum db_mode {
	DB_READ,	/* read-only: no write, no lock file created (show, list) */
	DB_WRITE,	/* read-write, schema already current */
	DB_MIGRATE,	/* read-write, applies missing migrations (flight run, daemon) */
	DB_CREATE,	/* creates an absent or empty database, then migrates (init) */
};
struct db *db_open_mode(const char *path, enum db_mode mode);
/* db_open_mode(path, DB_WRITE). */
struct db *db_open(const char *path);
/* The wait for another process's lock (tests shorten it). */
void db_set_busy_timeout(struct db *db, int ms);
void db_close(struct db *db);

int db_begin(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db);

/* Flight creation (call between db_begin and db_commit). */
long db_flight_insert(struct db *db, const char *branch, const char *blessing,
		      const char *recipe);
int db_job_insert(struct db *db, long flight, const char *job, int ordinal);
int db_dep_insert(struct db *db, long flight, const char *job, const char *needs);
int db_step_insert(struct db *db, long flight, const char *job, int stepno,
		   const char *step, const char *testid, int always, int timeout);
int db_runvar_set(struct db *db, long flight, const char *job, const char *name,
		  const char *value, int synth);

/* 1 if the flight exists, 0 if not, -1 on error. */
int db_flight_exists(struct db *db, long flight);
int db_flight_mark_started(struct db *db, long flight);
int db_flight_mark_finished(struct db *db, long flight);

/* What the scheduler needs of each job of a flight. */
struct db_job {
	char *job;
	enum status status;
	char **needs;
	int nneeds;
};
struct db_job *db_flight_jobs(struct db *db, long flight, int *count);
void db_jobs_free(struct db_job *jobs, int count);

/*
 * Who runs a job: host name, boot id, PID namespace, pid and that process's
 * start time (against pid reuse). Recorded when a job is claimed, compared
 * when it is finished or recovered. For jobs listed by db_running_jobs and
 * db_jobs_needing_cleanup, flight and job name the job; host and boot_id are
 * empty for a job claimed before they were recorded.
 */
struct db_owner {
	long flight;
	char *job;
	long pid;
	unsigned long long pid_start;
	char host[256];
	char boot_id[64];
	unsigned long long pidns;	/* inode of /proc/PID/ns/pid */
};
/* This process as an owner (flight 0, job NULL); -1 reported. */
int db_owner_self(struct db_owner *me);

/* What db_job_finish_owned returns when the job is no longer ours. */
#define DB_NOT_OWNER 1

/*
 * Claims a queued job for owner me, setting its status to state
 * (STATUS_PREPARING or STATUS_RUNNING): 1 when claimed, 0 when not queued, -1.
 */
int db_job_claim_owned(struct db *db, long flight, const char *job,
		       const struct db_owner *me, enum status state);
/*
 * Finishes a job as a compare-and-set on its owner: the status is written
 * only while me still owns the job (preparing or running). 0 when written,
 * DB_NOT_OWNER (reported) when another process took it over (recovery judged
 * its owner dead) so this one must not overwrite its status, -1 on error.
 */
int db_job_finish_owned(struct db *db, long flight, const char *job,
			const struct db_owner *me, enum status status, const char *note);
/* The same for this process (pid with start time pid_start): as above. */
int db_job_claim(struct db *db, long flight, const char *job, long pid,
		 unsigned long long pid_start);
int db_job_finish(struct db *db, long flight, const char *job, enum status status,
		  const char *note);
/* Sets a queued job to status (blocked, aborted) with a note. */
int db_job_settle(struct db *db, long flight, const char *job, enum status status,
		  const char *note);

struct db_step {
	int stepno;
	char *step;
	char *testid;
	int always;
	int timeout;
	enum status status;
};
struct db_step *db_job_steps(struct db *db, long flight, const char *job, int *count);
void db_steps_free(struct db_step *steps, int count);
int db_step_start(struct db *db, long flight, const char *job, int stepno);
int db_step_finish(struct db *db, long flight, const char *job, int stepno,
		   enum status status, const char *note);

/* A runvar's value: 1 and *value (caller frees), 0 when unset, -1 on error. */
int db_runvar_read(struct db *db, long flight, const char *job, const char *name,
		   char **value);
/* The value, or NULL when unset or on error (reported): prefer db_runvar_read. */
char *db_runvar_get(struct db *db, long flight, const char *job, const char *name);
int db_measure_add(struct db *db, long flight, const char *job, int stepno,
		   const char *metric, double value, const char *unit);
int db_artifact_add(struct db *db, long flight, const char *job, const char *path,
		    const char *kind, long long size, const char *sha256);
/*
 * The newest artifact of a kind (and file name, when given: the whole path
 * or its last component, compared exactly); relative path. NULL when none
 * or on error (reported).
 */
char *db_artifact_find(struct db *db, long flight, const char *job, const char *kind,
		       const char *name);

/* Jobs left running or preparing (for crash recovery). */
struct db_owner *db_running_jobs(struct db *db, int *count);
void db_owners_free(struct db_owner *owners, int count);
/*
 * Marks a job whose owner died as broken, in one transaction: its running
 * step broken with the note, the job broken with the note. Only while the
 * same owner (every field of owner) still holds it. Returns 1 if it did, 0
 * if the job had already moved on.
 */
int db_job_mark_orphan(struct db *db, const struct db_owner *owner, const char *note);

/*
 * Jobs whose owner died before their "always" steps (log capture, cleanup)
 * ran. db_job_claim_cleanup takes one for process pid (1 when taken: no
 * live process holds it); db_job_cleanup_done clears the mark.
 */
struct db_owner *db_jobs_needing_cleanup(struct db *db, int *count);
int db_job_claim_cleanup(struct db *db, long flight, const char *job, long old_pid,
			 long pid, unsigned long long pid_start);
int db_job_cleanup_done(struct db *db, long flight, const char *job);

/*
 * Whole records, as JSON, for show/list/report. NULL if none or on error;
 * an error is reported.
 */
/* A flight or job as JSON; NULL (reported, "no flight N" included) otherwise. */
json_t *db_flight_json(struct db *db, long flight);
json_t *db_job_json(struct db *db, long flight, const char *job);
json_t *db_flight_list_json(struct db *db, const char *branch, long limit);

/* Golden images. */
int db_image_register(struct db *db, const char *name, const char *path,
		      const char *format, long long size, const char *sha256,
		      const char *kind);
json_t *db_image_json(struct db *db, const char *name);	/* NULL if none or error */
json_t *db_image_list_json(struct db *db);

/*
 * Regression analysis (pvci report, pvci regressions). A flight's
 * revisions are its jobs' runvars revision_TREE; only `real` flights of the
 * same branch count as history.
 */
struct db_flight_info {
	long flight;
	char *branch;
	char *blessing;
	long created;
	long started;		/* 0 when not started */
	long finished;		/* 0 when not finished */
	long retry_of;		/* the flight a real-retry flight retries, else 0 */
};
/* 0, or -1 (reported; "no flight N" included). */
int db_flight_info(struct db *db, long flight, struct db_flight_info *out);
void db_flight_info_release(struct db_flight_info *f);

struct db_revision {
	char *tree;
	char *revision;
};
/* The distinct (tree, revision) pairs of a flight, by tree; 0 or -1. */
int db_flight_revisions(struct db *db, long flight, struct db_revision **out, int *count);
void db_revisions_free(struct db_revision *r, int count);

/* A step of a flight with its job's status. */
struct db_step_result {
	char *job;
	char *testid;
	int stepno;
	enum status job_status;
	enum status status;
	char *note;
};
/* Every step of a flight, in recipe order; 0 or -1. */
int db_flight_step_results(struct db *db, long flight, struct db_step_result **out,
			   int *count);
void db_step_results_free(struct db_step_result *r, int count);
/*
 * job's step testid in flight: 2 with *out filled, 1 when the flight has
 * the job but not the step (out->job_status filled), 0 when not the job; -1.
 */
int db_step_result_in(struct db *db, long flight, const char *job, const char *testid,
		      struct db_step_result *out);
/*
 * The latest real flight of branch before flight `before` in which job's
 * step testid has a result (pass, fail, broken), or passed: the flight, 0
 * when none, -1 on error.
 */
long db_step_last_result(struct db *db, const char *branch, long before, const char *job,
			 const char *testid);
long db_step_last_pass(struct db *db, const char *branch, long before, const char *job,
		       const char *testid);
/*
 * The latest other real (or real-retry) flight of branch in which the step
 * passed and whose job had the same revisions as in flight (at least one):
 * 0 none, -1.
 */
long db_step_pass_same_revisions(struct db *db, const char *branch, long flight,
				 const char *job, const char *testid);
/*
 * The latest real flight of branch before `before` whose revisions are the
 * branch's tested revisions (table tested_revisions): 0 when none are
 * recorded or no flight has them, -1.
 */
long db_tested_flight(struct db *db, const char *branch, long before);
/* The branch's tested revisions, by tree; 0 or -1. */
int db_tested_revisions(struct db *db, const char *branch, struct db_revision **out,
			int *count);

/*
 * The regressions table, per branch, job and step. Each call is idempotent,
 * so judging a flight twice changes nothing:
 * - db_regression_fail: flight failed the step; opens a regression when
 *   none is open and opens is set (last_pass: the flight it passed in),
 *   and records flight as failed in the open one;
 * - db_regression_pass: flight passed it: an open regression opened before
 *   it is fixed in flight.
 */
int db_regression_fail(struct db *db, const char *branch, const char *job,
		       const char *testid, long flight, int opens, long last_pass);
int db_regression_pass(struct db *db, const char *branch, const char *job,
		       const char *testid, long flight);
struct db_regression {
	char *branch;
	char *job;
	char *testid;
	long first_fail;
	long last_pass;		/* 0 when unknown */
	long fixed_in;		/* 0 while open */
	long opened;		/* the first failing flight's start (or creation) */
	long last_fail;
	int nflights;		/* flights it failed in */
};
/* Regressions, open ones only unless all; branch NULL for every branch. 0 or -1. */
int db_regressions_list(struct db *db, const char *branch, int all,
			struct db_regression **out, int *count);
/* The regression of the step that flight failed in: 1 found, 0 none, -1. */
int db_regression_of(struct db *db, const char *branch, const char *job,
		     const char *testid, long flight, struct db_regression *out);
void db_regressions_free(struct db_regression *r, int count);

/* The measurements of a flight, with the step that took them. */
struct db_measurement {
	char *job;
	int stepno;
	char *testid;
	enum status status;	/* of that step */
	char *metric;
	double value;
	char *unit;
};
int db_flight_measurements(struct db *db, long flight, struct db_measurement **out,
			   int *count);
void db_measurements_free(struct db_measurement *m, int count);
/*
 * The metric's values of job in the last k real flights of branch before
 * `before` where the step that measured it passed, newest first: values[]
 * and flights[] (k entries each); the number found, or -1.
 */
int db_metric_history(struct db *db, const char *branch, long before, const char *job,
		      const char *metric, int k, double *values, long *flights);

/*
 * What pvci flight diff compares: one flight's jobs, steps, runvars and
 * measurements, each array ordered by its key in byte order (as strcmp):
 * jobs by job, steps by job and testid, runvars by job and name,
 * measurements by job, testid, metric and value. NULL (reported, "no
 * flight N" included) on error.
 */
struct db_diff_job {
	char *job;
	enum status status;
};
struct db_diff_step {
	char *job;
	char *testid;
	enum status status;
};
struct db_diff_runvar {
	char *job;
	char *name;
	char *value;
	int synth;
};
struct db_diff_measure {
	char *job;
	char *testid;	/* the step that recorded it */
	char *metric;
	char *unit;
	double value;
};
struct db_diff_flight {
	long flight;
	char *branch;
	char *blessing;
	char *recipe;
	struct db_diff_job *jobs;
	int njobs;
	struct db_diff_step *steps;
	int nsteps;
	struct db_diff_runvar *runvars;
	int nrunvars;
	struct db_diff_measure *measures;
	int nmeasures;
};
struct db_diff_flight *db_diff_flight(struct db *db, long flight);
void db_diff_flight_free(struct db_diff_flight *f);

/*
 * The push gate (pvci gate). Events record who did what to a branch's
 * gate and why; the branch is blocked while its latest block or unblock
 * event is a block.
 */
struct db_gate_event {
	long id;
	char *branch;
	long at;		/* seconds since the epoch */
	char *who;
	char *action;		/* advance, hold, force, block, unblock, push-failed */
	char *tree;		/* may be NULL */
	char *revision;		/* may be NULL */
	long flight;		/* 0 when none */
	char *reason;
};
/* Appends an event (id ignored); 0 or -1. */
int db_gate_event_add(struct db *db, const struct db_gate_event *e);
/* The events of a branch, oldest first; 0 or -1. */
int db_gate_events(struct db *db, const char *branch, struct db_gate_event **out,
		   int *count);
void db_gate_events_free(struct db_gate_event *e, int count);
/* 1 when branch is blocked (*last: the block event), 0 when not, -1. */
int db_gate_blocked(struct db *db, const char *branch, struct db_gate_event *last);
void db_gate_event_release(struct db_gate_event *e);
/* The flight of the branch's latest advance event, 0 when none, -1. */
long db_gate_last_advance(struct db *db, const char *branch);
/* 1 when flight advanced its branch's gate (an advance event), 0 when not, -1. */
int db_gate_flight_advanced(struct db *db, long flight);
/* Records tree's tested revision of branch (replacing it); 0 or -1. */
int db_tested_revision_set(struct db *db, const char *branch, const char *tree,
			   const char *revision, long recorded);

/*
 * Where a tree's tested revision is pushed: the runvars tree_TREE,
 * push_url_TREE and tested_ref_TREE of flight, or with flight 0 of the
 * latest flight of branch that has a push_url_TREE. 1 found (strings the
 * caller frees with db_push_target_release), 0 none, -1.
 */
struct db_push_target {
	long flight;
	char *url;		/* the tree's URL, to fetch the revision from */
	char *push_url;
	char *tested_ref;	/* NULL when unset */
};
int db_push_target(struct db *db, const char *branch, long flight, const char *tree,
		   struct db_push_target *out);
void db_push_target_release(struct db_push_target *t);

/*
 * Retry flights. db_flight_retry_create makes, in one transaction, a
 * flight of blessing real-retry linked to from (retry_of) holding the jobs
 * named in jobs_json (a JSON array of names) and those they need, queued,
 * with their steps and the runvars set at creation: its number, or -1.
 */
long db_flight_retry_create(struct db *db, long from, const char *jobs_json);
/* The latest retry flight of flight: 0 none, -1. */
long db_flight_retry(struct db *db, long flight);
/*
 * How often the step failed in a real flight of branch (up to flight) and
 * passed in its retry: the step's flakiness count, or -1.
 */
long db_step_flaky_count(struct db *db, const char *branch, long flight, const char *job,
			 const char *testid);

/*
 * The flight of branch's latest gate advance before flight before, unless
 * a force came after it: the tested revisions as they were when before
 * was judged. 0 none, -1.
 */
long db_gate_advance_before(struct db *db, const char *branch, long before);

/*
 * The real flights of branch before flight before, newest first, at most
 * limit: numbers and creation times (arrays the caller frees). 0 or -1.
 */
int db_real_flights_before(struct db *db, const char *branch, long before, int limit,
			   long **flights, long **created, int *count);

/*
 * The service's triggers (migration 0008). A flight's origin: who asked
 * (the Unix user, an API token's name, "poll", "github:USER", ...), which
 * trigger (push, nightly, one-off) and, for push and nightly, the config's
 * TREE/BRANCH it was made for. Set inside the creating transaction.
 */
int db_flight_set_origin(struct db *db, long flight, const char *requester,
			 const char *triggered_by, const char *trigger_key);
struct db_flight_origin {
	char *requester;	/* each NULL when not recorded (flights before 0008) */
	char *triggered_by;
	char *trigger_key;
};
/* 0, or -1 (reported; "no flight N" included). */
int db_flight_origin(struct db *db, long flight, struct db_flight_origin *out);
void db_flight_origin_release(struct db_flight_origin *o);
/*
 * The newest flight of trigger and key when it is still wholly queued
 * (never started, every job queued): 0 when it is not (or none), -1.
 */
long db_trigger_queued_flight(struct db *db, const char *triggered_by, const char *key);
/* The newest flight of trigger and key with a job at tree's revision: 0 none, -1. */
long db_trigger_flight_at(struct db *db, const char *triggered_by, const char *key,
			  const char *tree, const char *revision);
/*
 * Coalescing: moves tree's revision (runvar revision_TREE of every job with
 * a tree_TREE) of flight to revision, in one transaction, only while the
 * flight is still wholly queued. 1 moved, 0 no longer queued, -1.
 */
int db_flight_move_revision(struct db *db, long flight, const char *tree,
			    const char *revision);
/*
 * The finished flights of trigger and key whose jobs all passed, newest
 * first, at most limit: *flights (caller frees). 0 or -1.
 */
int db_trigger_passed_flights(struct db *db, const char *triggered_by, const char *key,
			      int limit, long **flights, int *count);
/*
 * A schedule's last handled slot (and its note, caller frees; note may be
 * NULL): 1 with *last_fire, 0 never fired (0, NULL), -1.
 */
int db_trigger_last_fire(struct db *db, const char *name, long *last_fire, char **note);
/* Records slot as handled (flight 0: none created) with a note; 0 or -1. */
int db_trigger_fire_set(struct db *db, const char *name, long slot, long flight,
			const char *note);

/* pvci flight watch: a flight's jobs and steps as they stand. */
struct db_watch_job {
	char *job;
	enum status status;
	char *note;
	long finished;		/* 0 when not finished */
};
struct db_watch_step {
	char *job;
	int stepno;
	char *testid;
	enum status status;
	char *note;
	long started;		/* 0 when not started */
	long finished;		/* 0 when not finished */
};
struct db_watch {
	long flight;
	long created, started, finished;	/* 0 when not (yet) */
	struct db_watch_job *jobs;	/* in recipe order */
	int njobs;
	struct db_watch_step *steps;	/* by job (recipe order), then step number */
	int nsteps;
};
/* NULL (reported, "no flight N" included) on error. */
struct db_watch *db_watch_read(struct db *db, long flight);
void db_watch_free(struct db_watch *w);

/*
 * Pages and the JSON API (web/): read-only views, as arrays of row objects
 * keyed by column name; NULL on error (reported).
 */
/* Every branch: branch, flights (how many), latest (flight). */
json_t *db_branches_json(struct db *db);
/*
 * The job in the last `limit` flights of branch (host NULL) or on host
 * (branch NULL), newest first: flight, branch, blessing, job, status, host,
 * started, finished, failing_step (the first step that failed or broke),
 * revisions ("TREE=REV ...").
 */
json_t *db_job_history_json(struct db *db, const char *branch, const char *job,
			    const char *host, long limit);
/*
 * The measurements of branch's real flights, by job, metric and flight:
 * flight, job, step, status (of that step), metric, value, unit.
 */
json_t *db_metric_series_json(struct db *db, const char *branch);
/* The flights of branch before and after flight that have job (0: none); 0 or -1. */
int db_job_neighbours(struct db *db, const char *branch, long flight, const char *job,
		      long *prev, long *next);

/*
 * A number that changes whenever another connection has committed a change
 * to the database since this one last looked (PRAGMA data_version): what
 * the pages' cache is keyed on. -1 on error.
 */
long db_data_version(struct db *db);


/*
 * The jobs tied to the package catalog whose SHA-256 is sha256: the jobs
 * that made it (an artifact of kind "catalog", tested 0) and the jobs that
 * installed it (runvar installed_catalog, tested 1), oldest flight first,
 * with their status and the flight's branch. 0 or -1; free with
 * db_catalog_uses_free.
 */
struct db_catalog_use {
	long flight;
	char *job;
	char *status;
	char *branch;
	int tested;
};
int db_catalog_uses(struct db *db, const char *sha256, struct db_catalog_use **out,
		    int *count);
void db_catalog_uses_free(struct db_catalog_use *u, int count);

#endif
