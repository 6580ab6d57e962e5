#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "db.h"
#include "log.h"
#include "util.h"

struct db {
	sqlite3 *sql;
	char *path;
};

#define DB_BUSY_TIMEOUT_MS 10000

static int
db_err(struct db *db, const char *what)
{
	return errorx("database '%s': %s: %s", db->path, what, sqlite3_errmsg(db->sql));
}

/* Prepares sql; NULL (reported) on error. */
static sqlite3_stmt *
prep(struct db *db, const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL) != SQLITE_OK) {
		db_err(db, "cannot prepare a statement");
		return NULL;
	}
	return st;
}

/*
 * Binds the arguments described by fmt: 's' text (NULL allowed), 'i' long,
 * 'I' long long, 'd' double, 'u' unsigned long long.
 */
static int
bindv(struct db *db, sqlite3_stmt *st, const char *fmt, va_list ap)
{
	int i, rc = SQLITE_OK;

	for (i = 0; fmt[i] && rc == SQLITE_OK; i++) {
		const char *s;

		switch (fmt[i]) {
		case 's':
			s = va_arg(ap, const char *);
			rc = s ? sqlite3_bind_text(st, i + 1, s, -1, SQLITE_TRANSIENT)
			       : sqlite3_bind_null(st, i + 1);
			break;
		case 'i':
			rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, long));
			break;
		case 'I':
			rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, long long));
			break;
		case 'u':
			rc = sqlite3_bind_int64(st, i + 1,
						(sqlite3_int64)va_arg(ap, unsigned long long));
			break;
		case 'd':
			rc = sqlite3_bind_double(st, i + 1, va_arg(ap, double));
			break;
		default:
			fatalx("internal: bad bind format '%c'", fmt[i]);
		}
	}
	return rc == SQLITE_OK ? 0 : db_err(db, "cannot bind a value");
}

/* Prepares and binds; NULL on error. */
static sqlite3_stmt *
query(struct db *db, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st = prep(db, sql);
	va_list ap;

	if (!st)
		return NULL;
	va_start(ap, fmt);
	if (bindv(db, st, fmt, ap) < 0) {
		va_end(ap);
		sqlite3_finalize(st);
		return NULL;
	}
	va_end(ap);
	return st;
}

/* Runs a statement returning no rows; the number of changed rows or -1. */
static int
exec_stmt(struct db *db, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st = prep(db, sql);
	va_list ap;
	int rc;

	if (!st)
		return -1;
	va_start(ap, fmt);
	if (bindv(db, st, fmt, ap) < 0) {
		va_end(ap);
		sqlite3_finalize(st);
		return -1;
	}
	va_end(ap);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_err(db, "cannot write");
	return sqlite3_changes(db->sql);
}

static char *
col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t ? xstrdup((const char *)t) : NULL;
}

/* A status column; -1 (reported) when it holds no status name. */
static int
col_status(struct db *db, sqlite3_stmt *st, int col, enum status *out)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	if (!t || status_from_name((const char *)t, out) < 0)
		return errorx("database '%s': '%s' is not a status", db->path,
			      t ? (const char *)t : "NULL");
	return 0;
}

static json_t *
col_json(sqlite3_stmt *st, int col)
{
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(st, col));
	case SQLITE_FLOAT:
		return json_real(sqlite3_column_double(st, col));
	case SQLITE_TEXT:
		return json_string((const char *)sqlite3_column_text(st, col));
	default:
		return json_null();
	}
}

/* One row of st as an object keyed by column names. */
static json_t *
row_json(sqlite3_stmt *st)
{
	json_t *obj = json_object();
	int i, n = sqlite3_column_count(st);

	for (i = 0; i < n; i++)
		json_object_set_new(obj, sqlite3_column_name(st, i), col_json(st, i));
	return obj;
}

int
db_begin(struct db *db)
{
	/* IMMEDIATE takes the write lock now, so the busy timeout covers it. */
	if (sqlite3_exec(db->sql, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_err(db, "cannot begin a transaction");
	return 0;
}

int
db_commit(struct db *db)
{
	if (sqlite3_exec(db->sql, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		db_err(db, "cannot commit");
		db_rollback(db);
		return -1;
	}
	return 0;
}

void
db_rollback(struct db *db)
{
	if (!sqlite3_get_autocommit(db->sql))
		sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
}

static int
run_script(struct db *db, const char *file)
{
	char *errmsg = NULL;
	char *text = read_file(file, 1 << 20, NULL);

	if (!text)
		return -1;
	if (sqlite3_exec(db->sql, text, NULL, NULL, &errmsg) != SQLITE_OK) {
		errorx("database '%s': '%s': %s", db->path, file, errmsg);
		sqlite3_free(errmsg);
		free(text);
		return -1;
	}
	free(text);
	return 0;
}

static int
schema_version_applied(struct db *db, long version)
{
	sqlite3_stmt *st = query(db, "SELECT 1 FROM schema_updates WHERE version = ?",
				 "i", version);
	int found;

	if (!st)
		return -1;
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Applies schema.sql to a new database, then every migration not yet applied. */
static int
db_migrate(struct db *db)
{
	char *dir = path_join(data_dir(), "results-db");
	char *mdir = path_join(dir, "migrations");
	char **names = NULL;
	int n = 0, i, rc = 0, has_table;
	struct dirent *de;
	sqlite3_stmt *st;
	DIR *d;

	st = prep(db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_updates'");
	if (!st)
		goto fail;
	has_table = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);

	if (!has_table) {
		char *schema = path_join(dir, "schema.sql");

		if (db_begin(db) < 0 || run_script(db, schema) < 0 ||
		    exec_stmt(db, "INSERT INTO schema_updates VALUES (1, 'schema.sql', ?)",
			      "i", now_seconds()) < 0 || db_commit(db) < 0) {
			db_rollback(db);
			free(schema);
			goto fail;
		}
		free(schema);
	}

	d = opendir(mdir);
	if (!d) {
		error("cannot read migrations in '%s'", mdir);
		goto fail;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len < 5 || strcmp(de->d_name + len - 4, ".sql"))
			continue;
		names = xrealloc(names, sizeof(*names) * (size_t)(n + 1));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof(*names), cmp_names);

	for (i = 0; i < n && rc == 0; i++) {
		long version;
		char num[16];
		char *file;
		int applied;

		snprintf(num, sizeof(num), "%.*s", (int)strspn(names[i], "0123456789"), names[i]);
		if (parse_long(num, &version) < 0 || version < 2) {
			rc = errorx("migration '%s' does not start with a number above 1", names[i]);
			break;
		}
		applied = schema_version_applied(db, version);
		if (applied < 0) {
			rc = -1;
			break;
		}
		if (applied)
			continue;
		file = path_join(mdir, names[i]);
		/* The migration and its record commit together or not at all. */
		if (db_begin(db) < 0 || run_script(db, file) < 0 ||
		    exec_stmt(db, "INSERT INTO schema_updates VALUES (?, ?, ?)", "isi",
			      version, names[i], now_seconds()) < 0 || db_commit(db) < 0) {
			db_rollback(db);
			rc = -1;
		}
		free(file);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(dir);
	free(mdir);
	return rc;
fail:
	free(dir);
	free(mdir);
	return -1;
}

struct db *
db_open(const char *path)
{
	struct db *db = xcalloc(1, sizeof(*db));

	db->path = xstrdup(path);
	if (sqlite3_open_v2(path, &db->sql, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		db_err(db, "cannot open");
		db_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db->sql, DB_BUSY_TIMEOUT_MS);
	if (sqlite3_exec(db->sql, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;"
			 "PRAGMA synchronous=NORMAL;", NULL, NULL, NULL) != SQLITE_OK) {
		db_err(db, "cannot set WAL mode");
		db_close(db);
		return NULL;
	}
	if (db_migrate(db) < 0) {
		db_close(db);
		return NULL;
	}
	return db;
}

void
db_close(struct db *db)
{
	if (!db)
		return;
	sqlite3_close(db->sql);
	free(db->path);
	free(db);
}

long
db_flight_insert(struct db *db, const char *branch, const char *blessing, const char *recipe)
{
	if (exec_stmt(db, "INSERT INTO flights (branch, blessing, intended, recipe, created) "
		      "VALUES (?, ?, ?, ?, ?)", "ssssi", branch, blessing, blessing, recipe,
		      now_seconds()) < 0)
		return -1;
	return (long)sqlite3_last_insert_rowid(db->sql);
}

int
db_job_insert(struct db *db, long flight, const char *job, int ordinal)
{
	return exec_stmt(db, "INSERT INTO jobs (flight, job, status, ordinal) "
			 "VALUES (?, ?, 'queued', ?)", "isi", flight, job, (long)ordinal) < 0 ? -1 : 0;
}

int
db_dep_insert(struct db *db, long flight, const char *job, const char *needs)
{
	return exec_stmt(db, "INSERT INTO job_deps VALUES (?, ?, ?)", "iss",
			 flight, job, needs) < 0 ? -1 : 0;
}

int
db_step_insert(struct db *db, long flight, const char *job, int stepno, const char *step,
	       const char *testid, int always, int timeout)
{
	return exec_stmt(db, "INSERT INTO steps (flight, job, stepno, step, testid, always, "
			 "timeout, status) VALUES (?, ?, ?, ?, ?, ?, ?, 'queued')", "isissii",
			 flight, job, (long)stepno, step, testid, (long)always,
			 (long)timeout) < 0 ? -1 : 0;
}

int
db_runvar_set(struct db *db, long flight, const char *job, const char *name,
	      const char *value, int synth)
{
	return exec_stmt(db, "INSERT INTO runvars VALUES (?, ?, ?, ?, ?) "
			 "ON CONFLICT (flight, job, name) DO UPDATE SET value = excluded.value, "
			 "synth = excluded.synth", "isssi", flight, job, name, value,
			 (long)synth) < 0 ? -1 : 0;
}

int
db_flight_exists(struct db *db, long flight)
{
	sqlite3_stmt *st = query(db, "SELECT 1 FROM flights WHERE flight = ?", "i", flight);
	int found;

	if (!st)
		return -1;
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

int
db_flight_mark_started(struct db *db, long flight)
{
	return exec_stmt(db, "UPDATE flights SET started = ? WHERE flight = ? AND started IS NULL",
			 "ii", now_seconds(), flight) < 0 ? -1 : 0;
}

int
db_flight_mark_finished(struct db *db, long flight)
{
	return exec_stmt(db, "UPDATE flights SET finished = ? WHERE flight = ?",
			 "ii", now_seconds(), flight) < 0 ? -1 : 0;
}

struct db_job *
db_flight_jobs(struct db *db, long flight, int *count)
{
	struct db_job *jobs = NULL;
	sqlite3_stmt *st, *dst;
	int n = 0, rc, i;

	st = query(db, "SELECT job, status FROM jobs WHERE flight = ? ORDER BY ordinal", "i",
		   flight);
	if (!st)
		return NULL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		jobs = xrealloc(jobs, sizeof(*jobs) * (size_t)(n + 1));
		memset(&jobs[n], 0, sizeof(jobs[n]));
		jobs[n].job = col_text(st, 0);
		n++;
		if (col_status(db, st, 1, &jobs[n - 1].status) < 0) {
			sqlite3_finalize(st);
			db_jobs_free(jobs, n);
			return NULL;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_err(db, "cannot read jobs");
		db_jobs_free(jobs, n);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		dst = query(db, "SELECT needs FROM job_deps WHERE flight = ? AND job = ? "
			    "ORDER BY needs", "is", flight, jobs[i].job);
		if (!dst) {
			db_jobs_free(jobs, n);
			return NULL;
		}
		while (sqlite3_step(dst) == SQLITE_ROW) {
			jobs[i].needs = xrealloc(jobs[i].needs,
						 sizeof(char *) * (size_t)(jobs[i].nneeds + 1));
			jobs[i].needs[jobs[i].nneeds++] = col_text(dst, 0);
		}
		sqlite3_finalize(dst);
	}
	*count = n;
	if (!jobs)
		jobs = xcalloc(1, sizeof(*jobs));
	return jobs;
}

void
db_jobs_free(struct db_job *jobs, int count)
{
	int i, j;

	if (!jobs)
		return;
	for (i = 0; i < count; i++) {
		free(jobs[i].job);
		for (j = 0; j < jobs[i].nneeds; j++)
			free(jobs[i].needs[j]);
		free(jobs[i].needs);
	}
	free(jobs);
}

int
db_job_claim(struct db *db, long flight, const char *job, long pid,
	     unsigned long long pid_start)
{
	int n = exec_stmt(db, "UPDATE jobs SET status = 'running', owner_pid = ?, "
			  "owner_start = ?, started = ? WHERE flight = ? AND job = ? "
			  "AND status = 'queued'", "iuiis", pid, pid_start, now_seconds(),
			  flight, job);

	return n < 0 ? -1 : n > 0;
}

int
db_job_finish(struct db *db, long flight, const char *job, enum status status,
	      const char *note)
{
	return exec_stmt(db, "UPDATE jobs SET status = ?, note = ?, finished = ?, "
			 "owner_pid = NULL, owner_start = NULL WHERE flight = ? AND job = ?",
			 "ssiis", status_name(status), note, now_seconds(), flight, job) < 0 ? -1 : 0;
}

int
db_job_settle(struct db *db, long flight, const char *job, enum status status,
	      const char *note)
{
	return exec_stmt(db, "UPDATE jobs SET status = ?, note = ?, finished = ? "
			 "WHERE flight = ? AND job = ? AND status = 'queued'",
			 "ssiis", status_name(status), note, now_seconds(), flight, job) < 0 ? -1 : 0;
}

struct db_step *
db_job_steps(struct db *db, long flight, const char *job, int *count)
{
	struct db_step *steps = xcalloc(1, sizeof(*steps));
	sqlite3_stmt *st;
	int n = 0, rc;

	st = query(db, "SELECT stepno, step, testid, always, timeout, status FROM steps "
		   "WHERE flight = ? AND job = ? ORDER BY stepno", "is", flight, job);
	if (!st) {
		free(steps);
		return NULL;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		steps = xrealloc(steps, sizeof(*steps) * (size_t)(n + 1));
		steps[n].stepno = sqlite3_column_int(st, 0);
		steps[n].step = col_text(st, 1);
		steps[n].testid = col_text(st, 2);
		steps[n].always = sqlite3_column_int(st, 3);
		steps[n].timeout = sqlite3_column_int(st, 4);
		n++;
		if (col_status(db, st, 5, &steps[n - 1].status) < 0) {
			sqlite3_finalize(st);
			db_steps_free(steps, n);
			return NULL;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_err(db, "cannot read steps");
		db_steps_free(steps, n);
		return NULL;
	}
	*count = n;
	return steps;
}

void
db_steps_free(struct db_step *steps, int count)
{
	int i;

	if (!steps)
		return;
	for (i = 0; i < count; i++) {
		free(steps[i].step);
		free(steps[i].testid);
	}
	free(steps);
}

int
db_step_start(struct db *db, long flight, const char *job, int stepno)
{
	return exec_stmt(db, "UPDATE steps SET status = 'running', started = ?, finished = NULL, "
			 "note = NULL WHERE flight = ? AND job = ? AND stepno = ?", "iisi",
			 now_seconds(), flight, job, (long)stepno) < 0 ? -1 : 0;
}

int
db_step_finish(struct db *db, long flight, const char *job, int stepno, enum status status,
	       const char *note)
{
	return exec_stmt(db, "UPDATE steps SET status = ?, note = ?, finished = "
			 "CASE WHEN ? = 'skipped' THEN NULL ELSE ? END "
			 "WHERE flight = ? AND job = ? AND stepno = ?", "sssiisi", status_name(status),
			 note, status_name(status), now_seconds(), flight, job, (long)stepno) < 0 ? -1 : 0;
}

char *
db_runvar_get(struct db *db, long flight, const char *job, const char *name)
{
	sqlite3_stmt *st = query(db, "SELECT value FROM runvars WHERE flight = ? AND job = ? "
				 "AND name = ?", "iss", flight, job, name);
	char *value = NULL;

	if (!st)
		return NULL;
	if (sqlite3_step(st) == SQLITE_ROW)
		value = col_text(st, 0);
	sqlite3_finalize(st);
	return value;
}

int
db_measure_add(struct db *db, long flight, const char *job, int stepno, const char *metric,
	       double value, const char *unit)
{
	return exec_stmt(db, "INSERT INTO measurements (flight, job, stepno, metric, value, "
			 "unit, recorded) VALUES (?, ?, ?, ?, ?, ?, ?)", "isisdsi", flight, job,
			 (long)stepno, metric, value, unit, now_seconds()) < 0 ? -1 : 0;
}

int
db_artifact_add(struct db *db, long flight, const char *job, const char *path,
		const char *kind, long long size, const char *sha256)
{
	return exec_stmt(db, "INSERT INTO artifacts (flight, job, path, kind, size, sha256, "
			 "recorded) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (flight, job, path) "
			 "DO UPDATE SET kind = excluded.kind, size = excluded.size, "
			 "sha256 = excluded.sha256, recorded = excluded.recorded", "isssIsi",
			 flight, job, path, kind, size, sha256, now_seconds()) < 0 ? -1 : 0;
}

char *
db_artifact_find(struct db *db, long flight, const char *job, const char *kind,
		 const char *name)
{
	sqlite3_stmt *st;
	char *path = NULL;

	if (name)
		st = query(db, "SELECT path FROM artifacts WHERE flight = ? AND job = ? AND "
			   "kind = ? AND (path = ? OR path LIKE '%/' || ?) ORDER BY id DESC LIMIT 1",
			   "issss", flight, job, kind, name, name);
	else
		st = query(db, "SELECT path FROM artifacts WHERE flight = ? AND job = ? AND "
			   "kind = ? ORDER BY id DESC LIMIT 1", "iss", flight, job, kind);
	if (!st)
		return NULL;
	if (sqlite3_step(st) == SQLITE_ROW)
		path = col_text(st, 0);
	sqlite3_finalize(st);
	return path;
}

struct db_owner *
db_running_jobs(struct db *db, int *count)
{
	struct db_owner *owners = xcalloc(1, sizeof(*owners));
	sqlite3_stmt *st;
	int n = 0;

	st = prep(db, "SELECT flight, job, owner_pid, owner_start FROM jobs "
		  "WHERE status IN ('running','preparing')");
	if (!st) {
		free(owners);
		return NULL;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		owners = xrealloc(owners, sizeof(*owners) * (size_t)(n + 1));
		owners[n].flight = (long)sqlite3_column_int64(st, 0);
		owners[n].job = col_text(st, 1);
		owners[n].pid = (long)sqlite3_column_int64(st, 2);
		owners[n].pid_start = (unsigned long long)sqlite3_column_int64(st, 3);
		n++;
	}
	sqlite3_finalize(st);
	*count = n;
	return owners;
}

void
db_owners_free(struct db_owner *owners, int count)
{
	int i;

	if (!owners)
		return;
	for (i = 0; i < count; i++)
		free(owners[i].job);
	free(owners);
}

int
db_job_mark_orphan(struct db *db, long flight, const char *job, long pid, const char *note)
{
	int n;

	if (db_begin(db) < 0)
		return -1;
	/* Only if the same dead owner still holds it: another process may have won. */
	n = exec_stmt(db, "UPDATE jobs SET status = 'broken', note = ?, finished = ?, "
		      "owner_pid = NULL, owner_start = NULL, needs_cleanup = 1 "
		      "WHERE flight = ? AND job = ? "
		      "AND status IN ('running','preparing') AND owner_pid IS ?",
		      "siisi", note, now_seconds(), flight, job, pid);
	if (n < 0)
		goto fail;
	if (n > 0 && exec_stmt(db, "UPDATE steps SET status = 'broken', note = ?, finished = ? "
			       "WHERE flight = ? AND job = ? AND status = 'running'", "siis",
			       note, now_seconds(), flight, job) < 0)
		goto fail;
	if (db_commit(db) < 0)
		return -1;
	return n > 0;
fail:
	db_rollback(db);
	return -1;
}

struct db_owner *
db_jobs_needing_cleanup(struct db *db, int *count)
{
	struct db_owner *owners = xcalloc(1, sizeof(*owners));
	sqlite3_stmt *st;
	int n = 0;

	st = prep(db, "SELECT flight, job, owner_pid, owner_start FROM jobs "
		  "WHERE needs_cleanup = 1 ORDER BY flight, ordinal");
	if (!st) {
		free(owners);
		return NULL;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		owners = xrealloc(owners, sizeof(*owners) * (size_t)(n + 1));
		owners[n].flight = (long)sqlite3_column_int64(st, 0);
		owners[n].job = col_text(st, 1);
		owners[n].pid = (long)sqlite3_column_int64(st, 2);
		owners[n].pid_start = (unsigned long long)sqlite3_column_int64(st, 3);
		n++;
	}
	sqlite3_finalize(st);
	*count = n;
	return owners;
}

int
db_job_claim_cleanup(struct db *db, long flight, const char *job, long old_pid, long pid,
		     unsigned long long pid_start)
{
	int n = exec_stmt(db, "UPDATE jobs SET owner_pid = ?, owner_start = ? WHERE flight = ? "
			  "AND job = ? AND needs_cleanup = 1 AND coalesce(owner_pid, 0) = ?",
			  "iuisi", pid, pid_start, flight, job, old_pid);

	return n < 0 ? -1 : n > 0;
}

int
db_job_cleanup_done(struct db *db, long flight, const char *job)
{
	return exec_stmt(db, "UPDATE jobs SET needs_cleanup = 0, owner_pid = NULL, "
			 "owner_start = NULL WHERE flight = ? AND job = ?", "is",
			 flight, job) < 0 ? -1 : 0;
}

static json_t *
runvars_json(struct db *db, long flight, const char *job, json_t **synth_out)
{
	sqlite3_stmt *st = query(db, "SELECT name, value, synth FROM runvars WHERE flight = ? "
				 "AND job = ? ORDER BY name", "is", flight, job);
	json_t *obj = json_object(), *synth = json_array();

	if (st) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			json_object_set_new(obj, (const char *)sqlite3_column_text(st, 0),
					    json_string((const char *)sqlite3_column_text(st, 1)));
			if (sqlite3_column_int(st, 2))
				json_array_append_new(synth,
					json_string((const char *)sqlite3_column_text(st, 0)));
		}
		sqlite3_finalize(st);
	}
	if (synth_out)
		*synth_out = synth;
	else
		json_decref(synth);
	return obj;
}

static json_t *
rows_json(struct db *db, sqlite3_stmt *st)
{
	json_t *arr = json_array();

	(void)db;
	if (!st)
		return arr;
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(arr, row_json(st));
	sqlite3_finalize(st);
	return arr;
}

json_t *
db_job_json(struct db *db, long flight, const char *job)
{
	sqlite3_stmt *st;
	json_t *obj, *steps, *synth, *needs;
	size_t i;

	st = query(db, "SELECT flight, job, status, host, note, started, finished FROM jobs "
		   "WHERE flight = ? AND job = ?", "is", flight, job);
	if (!st)
		return NULL;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return NULL;
	}
	obj = row_json(st);
	sqlite3_finalize(st);

	needs = json_array();
	st = query(db, "SELECT needs FROM job_deps WHERE flight = ? AND job = ? ORDER BY needs",
		   "is", flight, job);
	while (st && sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(needs, json_string((const char *)sqlite3_column_text(st, 0)));
	sqlite3_finalize(st);
	json_object_set_new(obj, "needs", needs);
	json_object_set_new(obj, "runvars", runvars_json(db, flight, job, &synth));
	json_object_set_new(obj, "runvars_synth", synth);

	steps = rows_json(db, query(db, "SELECT stepno, step, testid, status, always, timeout, "
				    "note, started, finished FROM steps WHERE flight = ? AND "
				    "job = ? ORDER BY stepno", "is", flight, job));
	for (i = 0; i < json_array_size(steps); i++) {
		json_t *s = json_array_get(steps, i);
		char *log = xasprintf("logs/%ld/%s/%02d.%s.log", flight, job,
				      (int)json_integer_value(json_object_get(s, "stepno")),
				      json_string_value(json_object_get(s, "testid")));

		json_object_set_new(s, "log", json_string(log));
		free(log);
	}
	json_object_set_new(obj, "steps", steps);
	json_object_set_new(obj, "artifacts", rows_json(db, query(db,
		"SELECT path, kind, size, sha256 FROM artifacts WHERE flight = ? AND job = ? "
		"ORDER BY path", "is", flight, job)));
	json_object_set_new(obj, "measurements", rows_json(db, query(db,
		"SELECT m.stepno, s.testid AS step, m.metric, m.value, m.unit FROM measurements m "
		"JOIN steps s USING (flight, job, stepno) WHERE m.flight = ? AND m.job = ? "
		"ORDER BY m.id", "is", flight, job)));
	return obj;
}

json_t *
db_flight_json(struct db *db, long flight)
{
	sqlite3_stmt *st;
	json_t *obj, *jobs = json_array();
	int rc;

	st = query(db, "SELECT flight, branch, blessing, intended, recipe, created, started, "
		   "finished FROM flights WHERE flight = ?", "i", flight);
	if (!st) {
		json_decref(jobs);
		return NULL;
	}
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		json_decref(jobs);
		return NULL;
	}
	obj = row_json(st);
	sqlite3_finalize(st);

	st = query(db, "SELECT job FROM jobs WHERE flight = ? ORDER BY ordinal", "i", flight);
	while (st && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *job = db_job_json(db, flight, (const char *)sqlite3_column_text(st, 0));

		if (job)
			json_array_append_new(jobs, job);
	}
	sqlite3_finalize(st);
	json_object_set_new(obj, "jobs", jobs);
	return obj;
}

json_t *
db_flight_list_json(struct db *db, const char *branch, long limit)
{
	sqlite3_stmt *st;
	json_t *arr, *f;
	size_t i;

	st = query(db, "SELECT flight, branch, blessing, recipe, created, started, finished "
		   "FROM flights WHERE (? IS NULL OR branch = ?) ORDER BY flight DESC LIMIT ?",
		   "ssi", branch, branch, limit > 0 ? limit : -1L);
	arr = rows_json(db, st);
	json_array_foreach(arr, i, f) {
		sqlite3_stmt *cst = query(db, "SELECT status, count(*) FROM jobs WHERE flight = ? "
					  "GROUP BY status ORDER BY status", "i",
					  (long)json_integer_value(json_object_get(f, "flight")));
		json_t *counts = json_object();

		while (cst && sqlite3_step(cst) == SQLITE_ROW)
			json_object_set_new(counts, (const char *)sqlite3_column_text(cst, 0),
					    json_integer(sqlite3_column_int(cst, 1)));
		sqlite3_finalize(cst);
		json_object_set_new(f, "jobs", counts);
	}
	return arr;
}

int
db_image_register(struct db *db, const char *name, const char *path, const char *format,
		  long long size, const char *sha256, const char *kind)
{
	return exec_stmt(db, "INSERT INTO images VALUES (?, ?, ?, ?, ?, ?, ?) "
			 "ON CONFLICT (name) DO UPDATE SET path = excluded.path, "
			 "format = excluded.format, size = excluded.size, sha256 = excluded.sha256, "
			 "kind = excluded.kind, registered = excluded.registered", "sssIssi",
			 name, path, format, size, sha256, kind, now_seconds()) < 0 ? -1 : 0;
}

json_t *
db_image_json(struct db *db, const char *name)
{
	sqlite3_stmt *st = query(db, "SELECT * FROM images WHERE name = ?", "s", name);
	json_t *obj = NULL;

	if (!st)
		return NULL;
	if (sqlite3_step(st) == SQLITE_ROW)
		obj = row_json(st);
	sqlite3_finalize(st);
	return obj;
}

json_t *
db_image_list_json(struct db *db)
{
	return rows_json(db, query(db, "SELECT * FROM images ORDER BY name", ""));
}
