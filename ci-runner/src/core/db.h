/*
 * The results database: the only module that speaks SQL. SQLite in WAL
 * mode with a busy timeout; prepared statements only; every change that
 * spans rows happens in one short transaction.
 *
 * Strings returned as char * belong to the caller; json_t * results are new
 * references the caller must json_decref.
 */
#ifndef PVCI_DB_H
#define PVCI_DB_H

#include <jansson.h>

#include "status.h"

struct db;

/* Opens (creating) the database and brings its schema up to date. */
struct db *db_open(const char *path);
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

/* Claims a queued job for process pid; 1 when claimed, 0 when not queued. */
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

char *db_runvar_get(struct db *db, long flight, const char *job, const char *name);
int db_measure_add(struct db *db, long flight, const char *job, int stepno,
		   const char *metric, double value, const char *unit);
int db_artifact_add(struct db *db, long flight, const char *job, const char *path,
		    const char *kind, long long size, const char *sha256);
/* The newest artifact of a kind (and file name, when given); relative path. */
char *db_artifact_find(struct db *db, long flight, const char *job, const char *kind,
		       const char *name);

/* Jobs left running or preparing (for crash recovery). */
struct db_owner {
	long flight;
	char *job;
	long pid;
	unsigned long long pid_start;
};
struct db_owner *db_running_jobs(struct db *db, int *count);
void db_owners_free(struct db_owner *owners, int count);
/*
 * Marks a job whose owner died as broken, in one transaction: its running
 * step broken with the note, the job broken with the note. Returns 1 if it
 * did, 0 if the job had already moved on.
 */
int db_job_mark_orphan(struct db *db, long flight, const char *job, long pid,
		       const char *note);

/*
 * Jobs whose owner died before their "always" steps (log capture, cleanup)
 * ran. db_job_claim_cleanup takes one for process pid (1 when taken: no
 * live process holds it); db_job_cleanup_done clears the mark.
 */
struct db_owner *db_jobs_needing_cleanup(struct db *db, int *count);
int db_job_claim_cleanup(struct db *db, long flight, const char *job, long old_pid,
			 long pid, unsigned long long pid_start);
int db_job_cleanup_done(struct db *db, long flight, const char *job);

/* Whole records, as JSON, for show/list/report. */
json_t *db_flight_json(struct db *db, long flight);	/* NULL if none */
json_t *db_job_json(struct db *db, long flight, const char *job);
json_t *db_flight_list_json(struct db *db, const char *branch, long limit);

/* Golden images. */
int db_image_register(struct db *db, const char *name, const char *path,
		      const char *format, long long size, const char *sha256,
		      const char *kind);
json_t *db_image_json(struct db *db, const char *name);	/* NULL if none */
json_t *db_image_list_json(struct db *db);

#endif
