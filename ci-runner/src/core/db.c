#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db.h"
#include "layout.h"
#include "log.h"
#include "proc.h"
#include "util.h"

struct db {
	sqlite3 *sql;
	char *path;
};

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

/*
 * Steps a reading statement: 1 with a row, 0 at the end, -1 (reported) on
 * an error, which must never read as the end of the rows.
 */
static int
step_row(struct db *db, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	db_err(db, "cannot read");
	return -1;
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

/* 1 when the query returns a row, 0 when none, -1 (reported). */
static int
exists_row(struct db *db, sqlite3_stmt *st)
{
	int rc;

	if (!st)
		return -1;
	rc = step_row(db, st);
	sqlite3_finalize(st);
	return rc;
}

static int
has_schema(struct db *db)
{
	return exists_row(db, prep(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' "
				   "AND name = 'schema_updates'"));
}

static int
schema_version_applied(struct db *db, long version)
{
	return exists_row(db, query(db, "SELECT 1 FROM schema_updates WHERE version = ?",
				    "i", version));
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The migrations pvci knows: versions (ascending) and file names. */
struct migrations {
	char *dir;
	char **names;
	long *versions;
	int n;
};

static void
migrations_release(struct migrations *m)
{
	int i;

	for (i = 0; i < m->n; i++)
		free(m->names[i]);
	free(m->names);
	free(m->versions);
	free(m->dir);
}

static int
migrations_list(struct migrations *m)
{
	char *dir = path_join(data_dir(), "results-db");
	struct dirent *de;
	DIR *d;
	int i;

	memset(m, 0, sizeof(*m));
	m->dir = path_join(dir, "migrations");
	free(dir);
	d = opendir(m->dir);
	if (!d) {
		error("cannot read migrations in '%s'", m->dir);
		migrations_release(m);
		return -1;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len < 5 || strcmp(de->d_name + len - 4, ".sql"))
			continue;
		m->names = xrealloc(m->names, sizeof(*m->names) * (size_t)(m->n + 1));
		m->names[m->n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (m->n)
		qsort(m->names, (size_t)m->n, sizeof(*m->names), cmp_names);
	m->versions = xcalloc((size_t)m->n + 1, sizeof(*m->versions));
	for (i = 0; i < m->n; i++) {
		char num[16];

		snprintf(num, sizeof(num), "%.*s", (int)strspn(m->names[i], "0123456789"),
			 m->names[i]);
		if (parse_long(num, &m->versions[i]) < 0 || m->versions[i] < 2 ||
		    (i && m->versions[i] == m->versions[i - 1])) {
			errorx("migration '%s' does not start with a number above 1 of its own",
			       m->names[i]);
			migrations_release(m);
			return -1;
		}
	}
	return 0;
}

/* 0 when no row breaks a foreign key after schema update name, else -1 (reported). */
static int
foreign_keys_sound(struct db *db, const char *name)
{
	sqlite3_stmt *st = prep(db, "PRAGMA foreign_key_check");
	int rc;

	if (!st)
		return -1;
	rc = step_row(db, st);
	if (rc > 0)
		errorx("schema update '%s' leaves a row of table '%s' without its '%s'", name,
		       (const char *)sqlite3_column_text(st, 0),
		       (const char *)sqlite3_column_text(st, 2));
	sqlite3_finalize(st);
	return rc == 0 ? 0 : -1;
}

/*
 * Runs script (recording it as version) unless that version is already
 * there. The check is repeated inside the BEGIN IMMEDIATE transaction:
 * another process may have applied it since we looked, and must not make
 * this one fail.
 */
static int
apply_once(struct db *db, long version, const char *name, const char *script)
{
	int applied;

	int rc;

	/*
	 * Foreign keys off while a migration runs (a no-op inside a
	 * transaction, so before it): SQLite's procedure for rebuilding a
	 * table that others refer to. foreign_key_check vouches for the
	 * result before the commit.
	 */
	if (sqlite3_exec(db->sql, "PRAGMA foreign_keys=OFF;", NULL, NULL, NULL) != SQLITE_OK) {
		db_err(db, "cannot disable foreign keys for a schema update");
		return -1;
	}
	if (db_begin(db) < 0)
		goto out;
	applied = version == 1 ? has_schema(db) : schema_version_applied(db, version);
	if (applied < 0)
		goto fail;
	if (!applied && (run_script(db, script) < 0 ||
			 foreign_keys_sound(db, name) < 0 ||
			 exec_stmt(db, "INSERT INTO schema_updates VALUES (?, ?, ?)", "isi",
				   version, name, now_seconds()) < 0))
		goto fail;
	rc = db_commit(db);
	goto out_rc;
fail:
	db_rollback(db);
out:
	rc = -1;
out_rc:
	if (sqlite3_exec(db->sql, "PRAGMA foreign_keys=ON;", NULL, NULL, NULL) != SQLITE_OK) {
		db_err(db, "cannot enable foreign keys");
		rc = -1;
	}
	return rc;
}

/*
 * Checks the schema against the migrations pvci knows and, with migrate,
 * applies the missing ones. Without, an older schema is an error saying
 * what to run.
 */
static int
db_check_schema(struct db *db, int migrate)
{
	struct migrations m;
	int i, rc = 0, applied;
	sqlite3_stmt *st;
	long newest = 0;

	if (migrations_list(&m) < 0)
		return -1;
	for (i = 0; i < m.n && rc == 0; i++) {
		char *file;

		applied = schema_version_applied(db, m.versions[i]);
		if (applied < 0) {
			rc = -1;
		} else if (!applied && !migrate) {
			rc = errorx("database '%s' lacks schema update '%s': run 'pvci init' "
				    "(or 'pvci flight run') to upgrade it", db->path, m.names[i]);
		} else if (!applied) {
			file = path_join(m.dir, m.names[i]);
			rc = apply_once(db, m.versions[i], m.names[i], file);
			free(file);
		}
	}
	if (rc == 0) {
		st = prep(db, "SELECT max(version) FROM schema_updates");
		if (!st || step_row(db, st) <= 0)
			rc = -1;
		else
			newest = (long)sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	if (rc == 0 && newest > (m.n ? m.versions[m.n - 1] : 1))
		rc = errorx("database '%s' has schema version %ld, newer than this pvci knows "
			    "(%ld): use a newer pvci", db->path, newest,
			    m.n ? m.versions[m.n - 1] : 1L);
	migrations_release(&m);
	return rc;
}

/* The size of path, -1 when absent, -2 (reported) on another error. */
static long long
file_size(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) == 0)
		return (long long)sb.st_size;
	if (errno == ENOENT)
		return -1;
	error("cannot read '%s'", path);
	return -2;
}

/* DB_BUSY_TIMEOUT_MS, or PVCI_DB_BUSY_TIMEOUT_MS (tests make it short). */
static int
busy_timeout_ms(void)
{
	const char *env = getenv("PVCI_DB_BUSY_TIMEOUT_MS");
	char *end;
	long ms;

	if (!env || !*env)
		return DB_BUSY_TIMEOUT_MS;
	errno = 0;
	ms = strtol(env, &end, 10);
	if (errno || *end || ms < 0 || ms > 3600 * 1000) {
		log_warnx("PVCI_DB_BUSY_TIMEOUT_MS '%s' is not a number of milliseconds "
			  "(0 to 3600000): using %d", env, DB_BUSY_TIMEOUT_MS);
		return DB_BUSY_TIMEOUT_MS;
	}
	return (int)ms;
}

/*
 * A read-only connection to a WAL database needs its -wal and -shm files,
 * and cannot make them where it may not write. Writers keep them (see
 * SQLITE_FCNTL_PERSIST_WAL below); a database last closed by an older pvci
 * may lack them. -1 (reported) when reading cannot work.
 */
static int
wal_unreadable(const char *path)
{
	char *wal = xasprintf("%s-wal", path), *shm = xasprintf("%s-shm", path);
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	int rc = 0;

	if (slash)
		*slash = '\0';
	if ((!file_exists(wal) || !file_exists(shm)) && access(slash ? dir : ".", W_OK) < 0)
		rc = errorx("database '%s' lacks its -wal and -shm files, which this user "
			    "may not create: run 'pvci init' once as the instance's owner", path);
	free(wal);
	free(shm);
	free(dir);
	return rc;
}

struct db *
db_open_mode(const char *path, enum db_mode mode)
{
	struct db *db = xcalloc(1, sizeof(*db));
	long long size = file_size(path);
	int flags = SQLITE_OPEN_FULLMUTEX, persist = 1, has;

	db->path = xstrdup(path);
	if (size == -2)
		goto fail;
	if (size <= 0 && mode != DB_CREATE) {
		errorx("database '%s' is %s: only 'pvci init' makes one, and it refuses "
		       "where flights have logs (restore the database from a backup)", path,
		       size < 0 ? "missing" : "empty");
		goto fail;
	}
	if (mode == DB_READ && wal_unreadable(path) < 0)
		goto fail;
	if (mode == DB_READ)
		flags |= SQLITE_OPEN_READONLY;
	else
		flags |= SQLITE_OPEN_READWRITE | (mode == DB_CREATE ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &db->sql, flags, NULL) != SQLITE_OK) {
		db_err(db, "cannot open");
		goto fail;
	}
	sqlite3_extended_result_codes(db->sql, 1);
	/* SQLite falls back to reading only; a command that writes must not. */
	if (mode != DB_READ && sqlite3_db_readonly(db->sql, "main") == 1) {
		errorx("database '%s' cannot be written by this user (uid %ld): this command "
		       "writes to it", path, (long)geteuid());
		goto fail;
	}
	sqlite3_busy_timeout(db->sql, busy_timeout_ms());
	if (mode != DB_READ) {
		/*
		 * The -wal and -shm files stay when the last writer closes: a
		 * reader that may not write the instance's folder (flight show
		 * as another user) cannot create them, and SQLite needs them to
		 * read a WAL database.
		 */
		sqlite3_file_control(db->sql, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
		if (sqlite3_exec(db->sql, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
				 NULL, NULL, NULL) != SQLITE_OK) {
			db_err(db, "cannot set WAL mode");
			goto fail;
		}
	}
	if (sqlite3_exec(db->sql, "PRAGMA foreign_keys=ON;", NULL, NULL, NULL) != SQLITE_OK) {
		db_err(db, "cannot enable foreign keys");
		goto fail;
	}
	has = has_schema(db);
	if (has < 0)
		goto fail;
	if (!has && mode != DB_CREATE) {
		errorx("database '%s' holds no pvci schema (emptied?): only 'pvci init' "
		       "makes one", path);
		goto fail;
	}
	if (!has) {
		char *schema = path_join(data_dir(), "results-db/schema.sql");
		int rc = apply_once(db, 1, "schema.sql", schema);

		free(schema);
		if (rc < 0)
			goto fail;
	}
	if (db_check_schema(db, mode == DB_MIGRATE || mode == DB_CREATE) < 0)
		goto fail;
	return db;
fail:
	db_close(db);
	return NULL;
}

struct db *
db_open(const char *path)
{
	return db_open_mode(path, DB_WRITE);
}

void
db_set_busy_timeout(struct db *db, int ms)
{
	sqlite3_busy_timeout(db->sql, ms);
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
	return exists_row(db, query(db, "SELECT 1 FROM flights WHERE flight = ?", "i", flight));
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
		/* A short list would let the job start before what it needs. */
		while ((rc = step_row(db, dst)) > 0) {
			jobs[i].needs = xrealloc(jobs[i].needs,
						 sizeof(char *) * (size_t)(jobs[i].nneeds + 1));
			jobs[i].needs[jobs[i].nneeds++] = col_text(dst, 0);
		}
		sqlite3_finalize(dst);
		if (rc < 0) {
			db_jobs_free(jobs, n);
			return NULL;
		}
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

static int
read_boot_id(char *out, size_t size)
{
	char *text = read_file("/proc/sys/kernel/random/boot_id", 256, NULL);

	if (!text)
		return -1;
	text[strcspn(text, "\n")] = '\0';
	snprintf(out, size, "%s", text);
	free(text);
	return 0;
}

int
db_owner_self(struct db_owner *me)
{
	struct stat sb;

	memset(me, 0, sizeof(*me));
	me->pid = (long)getpid();
	me->pid_start = proc_start_time(getpid());
	if (gethostname(me->host, sizeof(me->host) - 1) < 0)
		return error("cannot read the host name");
	if (read_boot_id(me->boot_id, sizeof(me->boot_id)) < 0)
		return -1;
	if (stat("/proc/self/ns/pid", &sb) < 0)
		return error("cannot read '/proc/self/ns/pid'");
	me->pidns = (unsigned long long)sb.st_ino;
	if (!me->pid_start)
		return errorx("cannot read the start time of process %ld", me->pid);
	return 0;
}

int
db_job_claim_owned(struct db *db, long flight, const char *job, const struct db_owner *me,
		   enum status state)
{
	int n = exec_stmt(db, "UPDATE jobs SET status = ?, owner_pid = ?, owner_start = ?, "
			  "owner_host = ?, owner_boot = ?, owner_pidns = ?, started = ? "
			  "WHERE flight = ? AND job = ? AND status = 'queued'", "siussuiis",
			  status_name(state), me->pid, me->pid_start, me->host, me->boot_id,
			  me->pidns, now_seconds(), flight, job);

	return n < 0 ? -1 : n > 0;
}

/* The owner columns compared with an owner (its fields bound in this order). */
#define OWNER_IS "owner_pid IS ? AND owner_start IS ? AND coalesce(owner_host, '') = ? " \
	"AND coalesce(owner_boot, '') = ? AND coalesce(owner_pidns, 0) = ?"

int
db_job_finish_owned(struct db *db, long flight, const char *job, const struct db_owner *me,
		    enum status status, const char *note)
{
	int n = exec_stmt(db, "UPDATE jobs SET status = ?, note = ?, finished = ?, "
			  "owner_pid = NULL, owner_start = NULL, owner_host = NULL, "
			  "owner_boot = NULL, owner_pidns = NULL WHERE flight = ? AND job = ? "
			  "AND status IN ('preparing','running') AND " OWNER_IS,
			  "ssiisiussu", status_name(status), note, now_seconds(), flight, job, me->pid,
			  me->pid_start, me->host, me->boot_id, me->pidns);

	if (n < 0)
		return -1;
	if (n == 0) {
		errorx("flight %ld job '%s': this process (pid %ld) no longer owns it "
		       "(recovery took it over); its status '%s' is not recorded",
		       flight, job, me->pid, status_name(status));
		return DB_NOT_OWNER;
	}
	return 0;
}

int
db_job_claim(struct db *db, long flight, const char *job, long pid,
	     unsigned long long pid_start)
{
	struct db_owner me;

	if (db_owner_self(&me) < 0)
		return -1;
	me.pid = pid;
	me.pid_start = pid_start;
	return db_job_claim_owned(db, flight, job, &me, STATUS_RUNNING);
}

int
db_job_finish(struct db *db, long flight, const char *job, enum status status,
	      const char *note)
{
	struct db_owner me;

	if (db_owner_self(&me) < 0)
		return -1;
	return db_job_finish_owned(db, flight, job, &me, status, note);
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

int
db_runvar_read(struct db *db, long flight, const char *job, const char *name, char **value)
{
	sqlite3_stmt *st = query(db, "SELECT value FROM runvars WHERE flight = ? AND job = ? "
				 "AND name = ?", "iss", flight, job, name);
	int rc;

	*value = NULL;
	if (!st)
		return -1;
	rc = step_row(db, st);
	if (rc > 0)
		*value = col_text(st, 0);
	sqlite3_finalize(st);
	return rc;
}

char *
db_runvar_get(struct db *db, long flight, const char *job, const char *name)
{
	char *value;

	db_runvar_read(db, flight, job, name, &value);
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

	/* Compared exactly: '_' and '%' in a name are not wildcards. */
	if (name)
		st = query(db, "SELECT path FROM artifacts WHERE flight = ? AND job = ? AND "
			   "kind = ? AND (path = ? OR substr(path, -length(?) - 1) = '/' || ?) "
			   "ORDER BY id DESC LIMIT 1", "isssss", flight, job, kind, name, name, name);
	else
		st = query(db, "SELECT path FROM artifacts WHERE flight = ? AND job = ? AND "
			   "kind = ? ORDER BY id DESC LIMIT 1", "iss", flight, job, kind);
	if (!st)
		return NULL;
	if (step_row(db, st) > 0)
		path = col_text(st, 0);
	sqlite3_finalize(st);
	return path;
}

#define OWNER_COLS "flight, job, owner_pid, owner_start, coalesce(owner_host, ''), " \
	"coalesce(owner_boot, ''), coalesce(owner_pidns, 0)"

static struct db_owner *
read_owners(struct db *db, const char *sql, int *count)
{
	struct db_owner *owners = xcalloc(1, sizeof(*owners));
	sqlite3_stmt *st;
	int n = 0, rc;

	st = prep(db, sql);
	if (!st) {
		free(owners);
		return NULL;
	}
	while ((rc = step_row(db, st)) > 0) {
		struct db_owner *o;

		owners = xrealloc(owners, sizeof(*owners) * (size_t)(n + 1));
		o = &owners[n++];
		memset(o, 0, sizeof(*o));
		o->flight = (long)sqlite3_column_int64(st, 0);
		o->job = col_text(st, 1);
		o->pid = (long)sqlite3_column_int64(st, 2);
		o->pid_start = (unsigned long long)sqlite3_column_int64(st, 3);
		snprintf(o->host, sizeof(o->host), "%s", (const char *)sqlite3_column_text(st, 4));
		snprintf(o->boot_id, sizeof(o->boot_id), "%s",
			 (const char *)sqlite3_column_text(st, 5));
		o->pidns = (unsigned long long)sqlite3_column_int64(st, 6);
	}
	sqlite3_finalize(st);
	if (rc < 0) {
		db_owners_free(owners, n);
		return NULL;
	}
	*count = n;
	return owners;
}

struct db_owner *
db_running_jobs(struct db *db, int *count)
{
	return read_owners(db, "SELECT " OWNER_COLS " FROM jobs "
			   "WHERE status IN ('running','preparing')", count);
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
db_job_mark_orphan(struct db *db, const struct db_owner *owner, const char *note)
{
	long flight = owner->flight;
	const char *job = owner->job;
	int n;

	if (db_begin(db) < 0)
		return -1;
	/* Only if the same dead owner still holds it: another process may have won. */
	n = exec_stmt(db, "UPDATE jobs SET status = 'broken', note = ?, finished = ?, "
		      "owner_pid = NULL, owner_start = NULL, owner_host = NULL, "
		      "owner_boot = NULL, owner_pidns = NULL, needs_cleanup = 1 "
		      "WHERE flight = ? AND job = ? "
		      "AND status IN ('running','preparing') AND " OWNER_IS,
		      "siisiussu", note, now_seconds(), flight, job, owner->pid,
		      owner->pid_start, owner->host, owner->boot_id, owner->pidns);
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
	return read_owners(db, "SELECT " OWNER_COLS " FROM jobs "
			   "WHERE needs_cleanup = 1 ORDER BY flight, ordinal", count);
}

int
db_job_claim_cleanup(struct db *db, long flight, const char *job, long old_pid, long pid,
		     unsigned long long pid_start)
{
	struct db_owner me;
	int n;

	if (db_owner_self(&me) < 0)
		return -1;
	n = exec_stmt(db, "UPDATE jobs SET owner_pid = ?, owner_start = ?, owner_host = ?, "
		      "owner_boot = ?, owner_pidns = ? WHERE flight = ? AND job = ? "
		      "AND needs_cleanup = 1 AND coalesce(owner_pid, 0) = ?",
		      "iussuisi", pid, pid_start, me.host, me.boot_id, me.pidns, flight, job,
		      old_pid);
	return n < 0 ? -1 : n > 0;
}

int
db_job_cleanup_done(struct db *db, long flight, const char *job)
{
	return exec_stmt(db, "UPDATE jobs SET needs_cleanup = 0, owner_pid = NULL, "
			 "owner_start = NULL, owner_host = NULL, owner_boot = NULL, "
			 "owner_pidns = NULL WHERE flight = ? AND job = ?", "is",
			 flight, job) < 0 ? -1 : 0;
}

/* The runvars of a job as an object (and the names set while running); NULL on error. */
static json_t *
runvars_json(struct db *db, long flight, const char *job, json_t **synth_out)
{
	sqlite3_stmt *st = query(db, "SELECT name, value, synth FROM runvars WHERE flight = ? "
				 "AND job = ? ORDER BY name", "is", flight, job);
	json_t *obj, *synth;
	int rc;

	if (!st)
		return NULL;
	obj = json_object();
	synth = json_array();
	while ((rc = step_row(db, st)) > 0) {
		json_object_set_new(obj, (const char *)sqlite3_column_text(st, 0),
				    json_string((const char *)sqlite3_column_text(st, 1)));
		if (sqlite3_column_int(st, 2))
			json_array_append_new(synth,
				json_string((const char *)sqlite3_column_text(st, 0)));
	}
	sqlite3_finalize(st);
	if (rc < 0) {
		json_decref(obj);
		json_decref(synth);
		return NULL;
	}
	*synth_out = synth;
	return obj;
}

/* Every row of st (finalized here) as an array of objects; NULL on error. */
static json_t *
rows_json(struct db *db, sqlite3_stmt *st)
{
	json_t *arr;
	int rc;

	if (!st)
		return NULL;
	arr = json_array();
	while ((rc = step_row(db, st)) > 0)
		json_array_append_new(arr, row_json(st));
	sqlite3_finalize(st);
	if (rc < 0) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

/* Sets obj[key] to v, or fails when v is NULL (an error already reported). */
static int
set_or_fail(json_t *obj, const char *key, json_t *v)
{
	if (!v)
		return -1;
	json_object_set_new(obj, key, v);
	return 0;
}

json_t *
db_job_json(struct db *db, long flight, const char *job)
{
	sqlite3_stmt *st;
	json_t *obj, *steps, *synth = NULL, *needs, *runvars;
	size_t i;
	int rc;

	st = query(db, "SELECT flight, job, status, host, note, started, finished, attempt, "
		   "needs_host, needs_flags FROM jobs WHERE flight = ? AND job = ?", "is",
		   flight, job);
	if (!st)
		return NULL;
	rc = step_row(db, st);
	obj = rc > 0 ? row_json(st) : NULL;
	sqlite3_finalize(st);
	if (rc == 0)
		errorx("flight %ld has no job '%s'", flight, job);
	if (!obj)
		return NULL;

	needs = json_array();
	st = query(db, "SELECT needs FROM job_deps WHERE flight = ? AND job = ? ORDER BY needs",
		   "is", flight, job);
	rc = st ? 0 : -1;
	while (st && (rc = step_row(db, st)) > 0)
		json_array_append_new(needs, json_string((const char *)sqlite3_column_text(st, 0)));
	sqlite3_finalize(st);
	if (rc < 0) {
		json_decref(needs);
		goto fail;
	}
	json_object_set_new(obj, "needs", needs);
	runvars = runvars_json(db, flight, job, &synth);
	if (set_or_fail(obj, "runvars", runvars) < 0)
		goto fail;
	json_object_set_new(obj, "runvars_synth", synth);
	if (set_or_fail(obj, "attempts", db_job_attempts_json(db, flight, job)) < 0)
		goto fail;

	steps = rows_json(db, query(db, "SELECT stepno, step, testid, status, always, timeout, "
				    "note, started, finished FROM steps WHERE flight = ? AND "
				    "job = ? ORDER BY stepno", "is", flight, job));
	if (set_or_fail(obj, "steps", steps) < 0)
		goto fail;
	for (i = 0; i < json_array_size(steps); i++) {
		json_t *s = json_array_get(steps, i);
		char *log = layout_step_log(NULL, flight, job,
					    (int)json_integer_value(json_object_get(s, "stepno")),
					    json_string_value(json_object_get(s, "testid")));

		json_object_set_new(s, "log", json_string(log));
		free(log);
	}
	if (set_or_fail(obj, "artifacts", rows_json(db, query(db,
		"SELECT path, kind, size, sha256 FROM artifacts WHERE flight = ? AND job = ? "
		"ORDER BY path", "is", flight, job))) < 0 ||
	    set_or_fail(obj, "measurements", rows_json(db, query(db,
		"SELECT m.stepno, s.testid AS step, m.metric, m.value, m.unit FROM measurements m "
		"JOIN steps s USING (flight, job, stepno) WHERE m.flight = ? AND m.job = ? "
		"ORDER BY m.id", "is", flight, job))) < 0)
		goto fail;
	return obj;
fail:
	json_decref(obj);
	return NULL;
}

json_t *
db_flight_json(struct db *db, long flight)
{
	sqlite3_stmt *st;
	json_t *obj, *jobs;
	int rc;

	st = query(db, "SELECT flight, branch, blessing, intended, recipe, created, started, "
		   "finished, retry_of, (SELECT max(r.flight) FROM flights r "
		   "WHERE r.retry_of = f.flight) AS retried_in, o.requester, o.triggered_by, "
		   "o.trigger_key FROM flights f LEFT JOIN flight_origin o USING (flight) "
		   "WHERE flight = ?",
		   "i", flight);
	if (!st)
		return NULL;
	rc = step_row(db, st);
	obj = rc > 0 ? row_json(st) : NULL;
	sqlite3_finalize(st);
	if (rc == 0)
		errorx("no flight %ld", flight);
	if (!obj)
		return NULL;

	jobs = json_array();
	json_object_set_new(obj, "jobs", jobs);
	st = query(db, "SELECT job FROM jobs WHERE flight = ? ORDER BY ordinal", "i", flight);
	if (!st)
		goto fail;
	while ((rc = step_row(db, st)) > 0) {
		json_t *job = db_job_json(db, flight, (const char *)sqlite3_column_text(st, 0));

		if (!job) {
			rc = -1;
			break;
		}
		json_array_append_new(jobs, job);
	}
	sqlite3_finalize(st);
	if (rc < 0)
		goto fail;
	return obj;
fail:
	json_decref(obj);
	return NULL;
}

json_t *
db_flight_list_json(struct db *db, const char *branch, long limit)
{
	sqlite3_stmt *st;
	json_t *arr, *f;
	size_t i;
	int rc = 0;

	st = query(db, "SELECT flight, branch, blessing, recipe, created, started, finished "
		   "FROM flights WHERE (? IS NULL OR branch = ?) ORDER BY flight DESC LIMIT ?",
		   "ssi", branch, branch, limit > 0 ? limit : -1L);
	arr = rows_json(db, st);
	if (!arr)
		return NULL;
	json_array_foreach(arr, i, f) {
		sqlite3_stmt *cst = query(db, "SELECT status, count(*) FROM jobs WHERE flight = ? "
					  "GROUP BY status ORDER BY status", "i",
					  (long)json_integer_value(json_object_get(f, "flight")));
		json_t *counts = json_object();

		json_object_set_new(f, "jobs", counts);
		if (!cst) {
			rc = -1;
			break;
		}
		while ((rc = step_row(db, cst)) > 0)
			json_object_set_new(counts, (const char *)sqlite3_column_text(cst, 0),
					    json_integer(sqlite3_column_int(cst, 1)));
		sqlite3_finalize(cst);
		if (rc < 0)
			break;
	}
	if (rc < 0) {
		json_decref(arr);
		return NULL;
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
	if (step_row(db, st) > 0)
		obj = row_json(st);
	sqlite3_finalize(st);
	return obj;
}

json_t *
db_image_list_json(struct db *db)
{
	return rows_json(db, query(db, "SELECT * FROM images ORDER BY name", ""));
}

/* Regression analysis (pvci report, pvci regressions). */

static long
col_long(sqlite3_stmt *st, int col)
{
	return (long)sqlite3_column_int64(st, col);
}

int
db_flight_info(struct db *db, long flight, struct db_flight_info *out)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	st = query(db, "SELECT flight, branch, blessing, created, coalesce(started, 0), "
		   "coalesce(finished, 0), coalesce(retry_of, 0) FROM flights WHERE flight = ?",
		   "i", flight);
	if (!st)
		return -1;
	rc = step_row(db, st);
	if (rc > 0) {
		out->flight = col_long(st, 0);
		out->branch = col_text(st, 1);
		out->blessing = col_text(st, 2);
		out->created = col_long(st, 3);
		out->started = col_long(st, 4);
		out->finished = col_long(st, 5);
		out->retry_of = col_long(st, 6);
	}
	sqlite3_finalize(st);
	if (rc == 0)
		return errorx("no flight %ld", flight);
	return rc < 0 ? -1 : 0;
}

void
db_flight_info_release(struct db_flight_info *f)
{
	if (!f)
		return;
	free(f->branch);
	free(f->blessing);
	memset(f, 0, sizeof(*f));
}

/* Reads (tree, revision) rows of st (finalized here). */
static int
read_revisions(struct db *db, sqlite3_stmt *st, struct db_revision **out, int *count)
{
	struct db_revision *r = NULL;
	int n = 0, rc;

	*out = NULL;
	*count = 0;
	if (!st)
		return -1;
	while ((rc = step_row(db, st)) > 0) {
		r = xrealloc(r, sizeof(*r) * (size_t)(n + 1));
		r[n].tree = col_text(st, 0);
		r[n].revision = col_text(st, 1);
		n++;
	}
	sqlite3_finalize(st);
	if (rc < 0) {
		db_revisions_free(r, n);
		return -1;
	}
	*out = r;
	*count = n;
	return 0;
}

int
db_flight_revisions(struct db *db, long flight, struct db_revision **out, int *count)
{
	return read_revisions(db, query(db,
		"SELECT DISTINCT substr(name, 10), value FROM runvars WHERE flight = ? "
		"AND name GLOB 'revision_?*' ORDER BY 1, 2", "i", flight), out, count);
}

int
db_tested_revisions(struct db *db, const char *branch, struct db_revision **out, int *count)
{
	return read_revisions(db, query(db, "SELECT tree, revision FROM tested_revisions "
		"WHERE branch = ? ORDER BY tree", "s", branch), out, count);
}

void
db_revisions_free(struct db_revision *r, int count)
{
	int i;

	for (i = 0; r && i < count; i++) {
		free(r[i].tree);
		free(r[i].revision);
	}
	free(r);
}

/* Fills r from columns job, testid, stepno, job status, status, note. */
static int
read_step_result(struct db *db, sqlite3_stmt *st, struct db_step_result *r)
{
	memset(r, 0, sizeof(*r));
	r->job = col_text(st, 0);
	r->testid = col_text(st, 1);
	r->stepno = sqlite3_column_int(st, 2);
	r->note = col_text(st, 5);
	if (col_status(db, st, 3, &r->job_status) < 0)
		return -1;
	if (sqlite3_column_type(st, 4) != SQLITE_NULL && col_status(db, st, 4, &r->status) < 0)
		return -1;
	return 0;
}

int
db_flight_step_results(struct db *db, long flight, struct db_step_result **out, int *count)
{
	struct db_step_result *r = NULL;
	sqlite3_stmt *st;
	int n = 0, rc;

	*out = NULL;
	*count = 0;
	st = query(db, "SELECT s.job, s.testid, s.stepno, j.status, s.status, s.note "
		   "FROM steps s JOIN jobs j USING (flight, job) WHERE s.flight = ? "
		   "ORDER BY j.ordinal, s.stepno", "i", flight);
	if (!st)
		return -1;
	while ((rc = step_row(db, st)) > 0) {
		r = xrealloc(r, sizeof(*r) * (size_t)(n + 1));
		if (read_step_result(db, st, &r[n++]) < 0) {
			rc = -1;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc < 0) {
		db_step_results_free(r, n);
		return -1;
	}
	*out = r;
	*count = n;
	return 0;
}

void
db_step_results_free(struct db_step_result *r, int count)
{
	int i;

	for (i = 0; r && i < count; i++) {
		free(r[i].job);
		free(r[i].testid);
		free(r[i].note);
	}
	free(r);
}

int
db_step_result_in(struct db *db, long flight, const char *job, const char *testid,
		  struct db_step_result *out)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	st = query(db, "SELECT j.job, s.testid, coalesce(s.stepno, 0), j.status, s.status, "
		   "s.note FROM jobs j LEFT JOIN steps s ON s.flight = j.flight AND "
		   "s.job = j.job AND s.testid = ?3 WHERE j.flight = ?1 AND j.job = ?2",
		   "iss", flight, job, testid);
	if (!st)
		return -1;
	rc = step_row(db, st);
	if (rc > 0) {
		if (read_step_result(db, st, out) < 0)
			rc = -1;
		else
			rc = out->testid ? 2 : 1;
	}
	sqlite3_finalize(st);
	if (rc < 0) {
		free(out->job);
		free(out->testid);
		free(out->note);
		memset(out, 0, sizeof(*out));
	}
	return rc;
}

/* The first column of the first row as a number: 0 without rows, -1 on error. */
static long
first_long(struct db *db, sqlite3_stmt *st)
{
	long v = 0;
	int rc;

	if (!st)
		return -1;
	rc = step_row(db, st);
	if (rc > 0)
		v = col_long(st, 0);
	sqlite3_finalize(st);
	return rc < 0 ? -1 : v;
}

long
db_step_last_result(struct db *db, const char *branch, long before, const char *job,
		    const char *testid)
{
	return first_long(db, query(db,
		"SELECT s.flight FROM steps s JOIN flights f ON f.flight = s.flight "
		"WHERE s.job = ? AND s.testid = ? AND s.flight < ? "
		"AND s.status IN ('pass','fail','broken') AND f.branch = ? AND f.blessing = 'real' "
		"ORDER BY s.flight DESC LIMIT 1", "ssis", job, testid, before, branch));
}

long
db_step_last_pass(struct db *db, const char *branch, long before, const char *job,
		  const char *testid)
{
	return first_long(db, query(db,
		"SELECT s.flight FROM steps s JOIN flights f ON f.flight = s.flight "
		"WHERE s.job = ? AND s.testid = ? AND s.status = 'pass' AND s.flight < ? "
		"AND f.branch = ? AND f.blessing = 'real' "
		"ORDER BY s.flight DESC LIMIT 1", "ssis", job, testid, before, branch));
}

long
db_step_pass_same_revisions(struct db *db, const char *branch, long flight, const char *job,
			    const char *testid)
{
	/*
	 * Candidates come from the index on runvars (name, value): the flights
	 * whose job has this flight's first revision; then no revision runvar
	 * of either job may lack its twin in the other. CROSS JOIN keeps that
	 * order: left to itself, SQLite walks every pass of the step instead.
	 */
	return first_long(db, query(db,
		"SELECT s.flight FROM runvars r0 "
		"CROSS JOIN runvars c ON c.name = r0.name AND c.value = r0.value AND c.job = ?1 "
		"CROSS JOIN steps s ON s.flight = c.flight AND s.job = ?1 AND s.testid = ?2 "
		"CROSS JOIN flights f ON f.flight = s.flight "
		"WHERE r0.flight = ?3 AND r0.job = ?1 AND r0.name = (SELECT min(name) FROM runvars "
		"  WHERE flight = ?3 AND job = ?1 AND name GLOB 'revision_?*') "
		"AND s.status = 'pass' AND s.flight <> ?3 AND f.branch = ?4 "
		"AND f.blessing IN ('real', 'real-retry') "
		"AND NOT EXISTS (SELECT 1 FROM runvars a WHERE a.flight = s.flight AND a.job = ?1 "
		"  AND a.name GLOB 'revision_?*' AND NOT EXISTS (SELECT 1 FROM runvars b "
		"  WHERE b.flight = ?3 AND b.job = ?1 AND b.name = a.name AND b.value = a.value)) "
		"AND NOT EXISTS (SELECT 1 FROM runvars b WHERE b.flight = ?3 AND b.job = ?1 "
		"  AND b.name GLOB 'revision_?*' AND NOT EXISTS (SELECT 1 FROM runvars a "
		"  WHERE a.flight = s.flight AND a.job = ?1 AND a.name = b.name AND a.value = b.value)) "
		"ORDER BY s.flight DESC LIMIT 1", "ssis", job, testid, flight, branch));
}

long
db_tested_flight(struct db *db, const char *branch, long before)
{
	/*
	 * Candidates: the distinct flights with the tested revision of one
	 * tree (index on runvars (name, value)); only then, once a flight
	 * rather than once a job, the check that its revisions are exactly
	 * the tested ones.
	 */
	return first_long(db, query(db,
		"SELECT f.flight FROM (SELECT DISTINCT c.flight AS flight FROM tested_revisions t "
		"  CROSS JOIN runvars c ON c.name = 'revision_' || t.tree AND c.value = t.revision "
		"  WHERE t.branch = ?1 AND t.tree = (SELECT min(tree) FROM tested_revisions "
		"  WHERE branch = ?1) AND c.flight < ?2) cand "
		"CROSS JOIN flights f ON f.flight = cand.flight "
		"WHERE f.branch = ?1 AND f.blessing = 'real' "
		"AND NOT EXISTS (SELECT 1 FROM tested_revisions t2 WHERE t2.branch = ?1 "
		"  AND NOT EXISTS (SELECT 1 FROM runvars r WHERE r.flight = f.flight "
		"  AND r.name = 'revision_' || t2.tree AND r.value = t2.revision)) "
		"AND NOT EXISTS (SELECT 1 FROM runvars r WHERE r.flight = f.flight "
		"  AND r.name GLOB 'revision_?*' AND NOT EXISTS (SELECT 1 FROM tested_revisions t3 "
		"  WHERE t3.branch = ?1 AND 'revision_' || t3.tree = r.name AND t3.revision = r.value)) "
		"ORDER BY f.flight DESC LIMIT 1", "si", branch, before));
}

/* The regression of the step a failure in flight belongs to: its id, 0, -1. */
static long
regression_id(struct db *db, const char *branch, const char *job, const char *testid,
	      long flight)
{
	return first_long(db, query(db,
		"SELECT id FROM regressions WHERE branch = ? AND job = ? AND testid = ? "
		"AND first_fail <= ? AND (fixed_in IS NULL OR fixed_in > ?) "
		"ORDER BY first_fail DESC LIMIT 1", "sssii", branch, job, testid, flight, flight));
}

int
db_regression_fail(struct db *db, const char *branch, const char *job, const char *testid,
		   long flight, int opens, long last_pass)
{
	long id = regression_id(db, branch, job, testid, flight);

	if (id < 0)
		return -1;
	if (!id && opens) {
		if (exec_stmt(db, "INSERT OR IGNORE INTO regressions (branch, job, testid, "
			      "first_fail, last_pass, opened) VALUES (?, ?, ?, ?, nullif(?, 0), "
			      "(SELECT coalesce(started, created) FROM flights WHERE flight = ?))",
			      "sssiii", branch, job, testid, flight, last_pass, flight) < 0)
			return -1;
		id = regression_id(db, branch, job, testid, flight);
		if (id < 0)
			return -1;
	}
	if (!id)
		return 0;
	return exec_stmt(db, "INSERT OR IGNORE INTO regression_flights (regression, flight) "
			 "VALUES (?, ?)", "ii", id, flight) < 0 ? -1 : 0;
}

int
db_regression_pass(struct db *db, const char *branch, const char *job, const char *testid,
		   long flight)
{
	return exec_stmt(db, "UPDATE regressions SET fixed_in = ? WHERE branch = ? AND job = ? "
			 "AND testid = ? AND fixed_in IS NULL AND first_fail < ?",
			 "isssi", flight, branch, job, testid, flight) < 0 ? -1 : 0;
}

#define REGRESSION_COLS "r.branch, r.job, r.testid, r.first_fail, coalesce(r.last_pass, 0), " \
	"coalesce(r.fixed_in, 0), r.opened, (SELECT max(flight) FROM regression_flights " \
	"WHERE regression = r.id), (SELECT count(*) FROM regression_flights WHERE regression = r.id)"

static int
read_regressions(struct db *db, sqlite3_stmt *st, struct db_regression **out, int *count)
{
	struct db_regression *r = NULL;
	int n = 0, rc;

	*out = NULL;
	*count = 0;
	if (!st)
		return -1;
	while ((rc = step_row(db, st)) > 0) {
		r = xrealloc(r, sizeof(*r) * (size_t)(n + 1));
		r[n].branch = col_text(st, 0);
		r[n].job = col_text(st, 1);
		r[n].testid = col_text(st, 2);
		r[n].first_fail = col_long(st, 3);
		r[n].last_pass = col_long(st, 4);
		r[n].fixed_in = col_long(st, 5);
		r[n].opened = col_long(st, 6);
		r[n].last_fail = col_long(st, 7);
		r[n].nflights = sqlite3_column_int(st, 8);
		n++;
	}
	sqlite3_finalize(st);
	if (rc < 0) {
		db_regressions_free(r, n);
		return -1;
	}
	*out = r;
	*count = n;
	return 0;
}

int
db_regressions_list(struct db *db, const char *branch, int all, struct db_regression **out,
		    int *count)
{
	return read_regressions(db, query(db, "SELECT " REGRESSION_COLS " FROM regressions r "
		"WHERE (?1 IS NULL OR r.branch = ?1) AND (?2 OR r.fixed_in IS NULL) "
		"ORDER BY r.branch, r.first_fail, r.job, r.testid", "si", branch, (long)all),
		out, count);
}

int
db_regression_of(struct db *db, const char *branch, const char *job, const char *testid,
		 long flight, struct db_regression *out)
{
	struct db_regression *r;
	int n;

	memset(out, 0, sizeof(*out));
	if (read_regressions(db, query(db, "SELECT " REGRESSION_COLS " FROM regressions r "
		"WHERE r.branch = ? AND r.job = ? AND r.testid = ? AND r.first_fail <= ? "
		"AND (r.fixed_in IS NULL OR r.fixed_in > ?) ORDER BY r.first_fail DESC LIMIT 1",
		"sssii", branch, job, testid, flight, flight), &r, &n) < 0)
		return -1;
	if (!n)
		return 0;
	*out = r[0];
	free(r);
	return 1;
}

void
db_regressions_free(struct db_regression *r, int count)
{
	int i;

	for (i = 0; r && i < count; i++) {
		free(r[i].branch);
		free(r[i].job);
		free(r[i].testid);
	}
	free(r);
}

int
db_flight_measurements(struct db *db, long flight, struct db_measurement **out, int *count)
{
	struct db_measurement *m = NULL;
	sqlite3_stmt *st;
	int n = 0, rc;

	*out = NULL;
	*count = 0;
	st = query(db, "SELECT m.job, m.stepno, s.testid, s.status, m.metric, m.value, m.unit "
		   "FROM measurements m JOIN steps s USING (flight, job, stepno) "
		   "JOIN jobs j USING (flight, job) WHERE m.flight = ? "
		   "ORDER BY j.ordinal, m.stepno, m.id", "i", flight);
	if (!st)
		return -1;
	while ((rc = step_row(db, st)) > 0) {
		m = xrealloc(m, sizeof(*m) * (size_t)(n + 1));
		memset(&m[n], 0, sizeof(*m));
		m[n].job = col_text(st, 0);
		m[n].stepno = sqlite3_column_int(st, 1);
		m[n].testid = col_text(st, 2);
		m[n].metric = col_text(st, 4);
		m[n].value = sqlite3_column_double(st, 5);
		m[n].unit = col_text(st, 6);
		if (col_status(db, st, 3, &m[n++].status) < 0) {
			rc = -1;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc < 0) {
		db_measurements_free(m, n);
		return -1;
	}
	*out = m;
	*count = n;
	return 0;
}

void
db_measurements_free(struct db_measurement *m, int count)
{
	int i;

	for (i = 0; m && i < count; i++) {
		free(m[i].job);
		free(m[i].testid);
		free(m[i].metric);
		free(m[i].unit);
	}
	free(m);
}

int
db_metric_history(struct db *db, const char *branch, long before, const char *job,
		  const char *metric, int k, double *values, long *flights)
{
	sqlite3_stmt *st;
	int n = 0, rc = 0;

	st = query(db, "SELECT m.value, m.flight FROM measurements m "
		   "JOIN steps s USING (flight, job, stepno) JOIN flights f ON f.flight = m.flight "
		   "WHERE m.job = ? AND m.metric = ? AND m.flight < ? AND s.status = 'pass' "
		   "AND f.branch = ? AND f.blessing = 'real' ORDER BY m.flight DESC, m.id DESC "
		   "LIMIT ?", "ssisi", job, metric, before, branch, (long)k);
	if (!st)
		return -1;
	while (n < k && (rc = step_row(db, st)) > 0) {
		values[n] = sqlite3_column_double(st, 0);
		flights[n++] = col_long(st, 1);
	}
	if (n < k && rc < 0) {
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return n;
}

/*
 * pvci flight diff: a flight's rows, each query by the flight's key (the
 * primary keys, and measurements_flight for measurements), ordered so the
 * comparison can walk two flights side by side.
 */
/*
 * Runs st to its end, giving each row to row(); finalizes st. -1 (reported)
 * on a read error or when row() fails, so an error never reads as the end.
 */
static int
each_row(struct db *db, sqlite3_stmt *st, int (*row)(struct db *, sqlite3_stmt *, void *),
	 void *arg)
{
	int rc;

	if (!st)
		return -1;
	while ((rc = step_row(db, st)) > 0)
		if (row(db, st, arg) < 0) {
			rc = -1;
			break;
		}
	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}

/*
 * Room for element n of an array holding n elements of size bytes. The
 * capacity is implied (8, 16, 32, ...), so it grows by doubling.
 */
static void *
grow(void *array, int n, size_t size)
{
	if (n == 0)
		return xrealloc(array, 8 * size);
	if (n < 8 || (n & (n - 1)))
		return array;
	return xrealloc(array, 2 * (size_t)n * size);
}

static int
diff_job_row(struct db *db, sqlite3_stmt *st, void *arg)
{
	struct db_diff_flight *f = arg;
	struct db_diff_job *j;

	f->jobs = grow(f->jobs, f->njobs, sizeof(*f->jobs));
	j = &f->jobs[f->njobs++];
	j->job = col_text(st, 0);
	return col_status(db, st, 1, &j->status);
}

static int
diff_step_row(struct db *db, sqlite3_stmt *st, void *arg)
{
	struct db_diff_flight *f = arg;
	struct db_diff_step *s;

	f->steps = grow(f->steps, f->nsteps, sizeof(*f->steps));
	s = &f->steps[f->nsteps++];
	s->job = col_text(st, 0);
	s->testid = col_text(st, 1);
	return col_status(db, st, 2, &s->status);
}

static int
diff_runvar_row(struct db *db, sqlite3_stmt *st, void *arg)
{
	struct db_diff_flight *f = arg;
	struct db_diff_runvar *r;

	(void)db;
	f->runvars = grow(f->runvars, f->nrunvars, sizeof(*f->runvars));
	r = &f->runvars[f->nrunvars++];
	r->job = col_text(st, 0);
	r->name = col_text(st, 1);
	r->value = col_text(st, 2);
	r->synth = sqlite3_column_int(st, 3);
	return 0;
}

static int
diff_measure_row(struct db *db, sqlite3_stmt *st, void *arg)
{
	struct db_diff_flight *f = arg;
	struct db_diff_measure *d;

	(void)db;
	f->measures = grow(f->measures, f->nmeasures, sizeof(*f->measures));
	d = &f->measures[f->nmeasures++];
	d->job = col_text(st, 0);
	d->testid = col_text(st, 1);
	d->metric = col_text(st, 2);
	d->unit = col_text(st, 3);
	d->value = sqlite3_column_double(st, 4);
	return 0;
}

/* A flight's rows, each ordered so that two flights can be walked side by side. */
static int
diff_read_rows(struct db *db, struct db_diff_flight *f)
{
	if (each_row(db, query(db, "SELECT job, status FROM jobs WHERE flight = ? ORDER BY job",
			       "i", f->flight), diff_job_row, f) < 0 ||
	    each_row(db, query(db, "SELECT job, testid, status FROM steps WHERE flight = ? "
			       "ORDER BY job, testid", "i", f->flight), diff_step_row, f) < 0 ||
	    each_row(db, query(db, "SELECT job, name, value, synth FROM runvars "
			       "WHERE flight = ? ORDER BY job, name", "i", f->flight),
		     diff_runvar_row, f) < 0)
		return -1;
	return each_row(db, query(db, "SELECT m.job, s.testid, m.metric, m.unit, m.value "
				  "FROM measurements m JOIN steps s ON s.flight = m.flight "
				  "AND s.job = m.job AND s.stepno = m.stepno WHERE m.flight = ? "
				  "ORDER BY m.job, s.testid, m.metric, m.value", "i", f->flight),
			diff_measure_row, f);
}

struct db_diff_flight *
db_diff_flight(struct db *db, long flight)
{
	struct db_diff_flight *f;
	sqlite3_stmt *st;
	int rc;

	/* One read transaction: every read sees the same state of the flight. */
	if (sqlite3_exec(db->sql, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		db_err(db, "cannot begin a transaction");
		return NULL;
	}
	st = query(db, "SELECT branch, blessing, recipe FROM flights WHERE flight = ?", "i", flight);
	rc = st ? step_row(db, st) : -1;
	if (rc <= 0) {
		sqlite3_finalize(st);
		db_rollback(db);
		if (rc == 0)
			errorx("no flight %ld", flight);
		return NULL;
	}
	f = xcalloc(1, sizeof(*f));
	f->flight = flight;
	f->branch = col_text(st, 0);
	f->blessing = col_text(st, 1);
	f->recipe = col_text(st, 2);
	sqlite3_finalize(st);
	rc = diff_read_rows(db, f) < 0;
	db_rollback(db);
	if (rc) {
		db_diff_flight_free(f);
		return NULL;
	}
	return f;
}

void
db_diff_flight_free(struct db_diff_flight *f)
{
	int i;

	if (!f)
		return;
	for (i = 0; i < f->njobs; i++)
		free(f->jobs[i].job);
	for (i = 0; i < f->nsteps; i++) {
		free(f->steps[i].job);
		free(f->steps[i].testid);
	}
	for (i = 0; i < f->nrunvars; i++) {
		free(f->runvars[i].job);
		free(f->runvars[i].name);
		free(f->runvars[i].value);
	}
	for (i = 0; i < f->nmeasures; i++) {
		free(f->measures[i].job);
		free(f->measures[i].testid);
		free(f->measures[i].metric);
		free(f->measures[i].unit);
	}
	free(f->jobs);
	free(f->steps);
	free(f->runvars);
	free(f->measures);
	free(f->branch);
	free(f->blessing);
	free(f->recipe);
	free(f);
}

/* The push gate (pvci gate). */

int
db_gate_event_add(struct db *db, const struct db_gate_event *e)
{
	return exec_stmt(db, "INSERT INTO gate_events (branch, at, who, action, tree, revision, "
			 "flight, reason) VALUES (?, ?, ?, ?, ?, ?, nullif(?, 0), ?)", "sissssis",
			 e->branch, e->at, e->who, e->action, e->tree, e->revision,
			 e->flight, e->reason) < 0 ? -1 : 0;
}

#define GATE_EVENT_COLUMNS \
	"id, branch, at, who, action, tree, revision, coalesce(flight, 0), reason"

static void
read_gate_event(sqlite3_stmt *st, struct db_gate_event *e)
{
	e->id = col_long(st, 0);
	e->branch = col_text(st, 1);
	e->at = col_long(st, 2);
	e->who = col_text(st, 3);
	e->action = col_text(st, 4);
	e->tree = col_text(st, 5);
	e->revision = col_text(st, 6);
	e->flight = col_long(st, 7);
	e->reason = col_text(st, 8);
}

int
db_gate_events(struct db *db, const char *branch, struct db_gate_event **out, int *count)
{
	sqlite3_stmt *st = query(db, "SELECT " GATE_EVENT_COLUMNS " FROM gate_events "
				 "WHERE branch = ? ORDER BY id", "s", branch);
	struct db_gate_event *e = NULL;
	int n = 0, rc;

	*out = NULL;
	*count = 0;
	if (!st)
		return -1;
	while ((rc = step_row(db, st)) > 0) {
		e = xrealloc(e, sizeof(*e) * (size_t)(n + 1));
		read_gate_event(st, &e[n++]);
	}
	sqlite3_finalize(st);
	if (rc < 0) {
		db_gate_events_free(e, n);
		return -1;
	}
	*out = e;
	*count = n;
	return 0;
}

void
db_gate_event_release(struct db_gate_event *e)
{
	if (!e)
		return;
	free(e->branch);
	free(e->who);
	free(e->action);
	free(e->tree);
	free(e->revision);
	free(e->reason);
	memset(e, 0, sizeof(*e));
}

void
db_gate_events_free(struct db_gate_event *e, int count)
{
	int i;

	for (i = 0; e && i < count; i++)
		db_gate_event_release(&e[i]);
	free(e);
}

int
db_gate_blocked(struct db *db, const char *branch, struct db_gate_event *last)
{
	sqlite3_stmt *st = query(db, "SELECT " GATE_EVENT_COLUMNS " FROM gate_events "
				 "WHERE branch = ? AND action IN ('block', 'unblock') "
				 "ORDER BY id DESC LIMIT 1", "s", branch);
	int rc, blocked = 0;

	memset(last, 0, sizeof(*last));
	if (!st)
		return -1;
	rc = step_row(db, st);
	if (rc > 0) {
		read_gate_event(st, last);
		blocked = !strcmp(last->action, "block");
		if (!blocked)
			db_gate_event_release(last);
	}
	sqlite3_finalize(st);
	return rc < 0 ? -1 : blocked;
}

long
db_gate_last_advance(struct db *db, const char *branch)
{
	return first_long(db, query(db, "SELECT coalesce(flight, 0) FROM gate_events "
		"WHERE branch = ? AND action = 'advance' ORDER BY id DESC LIMIT 1", "s", branch));
}

int
db_gate_flight_advanced(struct db *db, long flight)
{
	return (int)first_long(db, query(db, "SELECT count(*) > 0 FROM gate_events "
		"WHERE flight = ? AND action = 'advance'", "i", flight));
}

int
db_tested_revision_set(struct db *db, const char *branch, const char *tree,
		       const char *revision, long recorded)
{
	return exec_stmt(db, "INSERT OR REPLACE INTO tested_revisions (branch, tree, revision, "
			 "recorded) VALUES (?, ?, ?, ?)", "sssi", branch, tree, revision,
			 recorded) < 0 ? -1 : 0;
}

int
db_push_target(struct db *db, const char *branch, long flight, const char *tree,
	       struct db_push_target *out)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	st = query(db,
		"SELECT p.flight, (SELECT value FROM runvars u WHERE u.flight = p.flight "
		"  AND u.job = p.job AND u.name = 'tree_' || ?3), p.value, "
		"  (SELECT value FROM runvars r WHERE r.flight = p.flight AND r.job = p.job "
		"  AND r.name = 'tested_ref_' || ?3) "
		"FROM runvars p JOIN flights f ON f.flight = p.flight "
		"WHERE p.name = 'push_url_' || ?3 AND f.branch = ?1 AND (?2 = 0 OR p.flight = ?2) "
		"ORDER BY p.flight DESC LIMIT 1", "sis", branch, flight, tree);
	if (!st)
		return -1;
	rc = step_row(db, st);
	if (rc > 0) {
		out->flight = col_long(st, 0);
		out->url = col_text(st, 1);
		out->push_url = col_text(st, 2);
		out->tested_ref = col_text(st, 3);
	}
	sqlite3_finalize(st);
	return rc;
}

void
db_push_target_release(struct db_push_target *t)
{
	if (!t)
		return;
	free(t->url);
	free(t->push_url);
	free(t->tested_ref);
	memset(t, 0, sizeof(*t));
}

/*
 * The jobs of a retry flight: those named (a JSON array) and, recursively,
 * the jobs they need, in flight ?1.
 */
#define RETRY_JOBS \
	"WITH RECURSIVE want(job) AS (SELECT value FROM json_each(?2) " \
	"UNION SELECT d.needs FROM job_deps d JOIN want w ON d.flight = ?1 AND d.job = w.job) "

long
db_flight_retry_create(struct db *db, long from, const char *jobs_json)
{
	long flight;

	if (db_begin(db) < 0)
		return -1;
	if (exec_stmt(db, "INSERT INTO flights (branch, blessing, intended, recipe, created, "
		      "retry_of) SELECT branch, 'real-retry', 'real-retry', recipe, ?, flight "
		      "FROM flights WHERE flight = ?", "ii", now_seconds(), from) != 1)
		goto fail;
	flight = (long)sqlite3_last_insert_rowid(db->sql);
	if (exec_stmt(db, RETRY_JOBS "INSERT INTO jobs (flight, job, status, ordinal) "
		      "SELECT ?3, j.job, 'queued', j.ordinal FROM jobs j "
		      "WHERE j.flight = ?1 AND j.job IN (SELECT job FROM want)",
		      "isi", from, jobs_json, flight) <= 0 ||
	    exec_stmt(db, RETRY_JOBS "INSERT INTO job_deps (flight, job, needs) "
		      "SELECT ?3, d.job, d.needs FROM job_deps d "
		      "WHERE d.flight = ?1 AND d.job IN (SELECT job FROM want)",
		      "isi", from, jobs_json, flight) < 0 ||
	    exec_stmt(db, RETRY_JOBS "INSERT INTO steps (flight, job, stepno, step, testid, "
		      "always, timeout, status) SELECT ?3, s.job, s.stepno, s.step, s.testid, "
		      "s.always, s.timeout, 'queued' FROM steps s "
		      "WHERE s.flight = ?1 AND s.job IN (SELECT job FROM want)",
		      "isi", from, jobs_json, flight) < 0 ||
	    exec_stmt(db, RETRY_JOBS "INSERT INTO runvars (flight, job, name, value, synth) "
		      "SELECT ?3, r.job, r.name, r.value, 0 FROM runvars r "
		      "WHERE r.flight = ?1 AND r.synth = 0 AND r.job IN (SELECT job FROM want)",
		      "isi", from, jobs_json, flight) < 0)
		goto fail;
	if (db_commit(db) < 0)
		return -1;
	return flight;
fail:
	db_rollback(db);
	return -1;
}

long
db_flight_retry(struct db *db, long flight)
{
	return first_long(db, query(db, "SELECT max(flight) FROM flights WHERE retry_of = ?",
				    "i", flight));
}

long
db_step_flaky_count(struct db *db, const char *branch, long flight, const char *job,
		    const char *testid)
{
	/*
	 * From the few retry flights (partial index on retry_of; CROSS JOIN
	 * keeps that order), never from every pass of the step.
	 */
	return first_long(db, query(db,
		"SELECT count(*) FROM flights r "
		"CROSS JOIN steps s ON s.flight = r.flight AND s.job = ?3 AND s.testid = ?4 "
		"CROSS JOIN steps o ON o.flight = r.retry_of AND o.job = ?3 AND o.testid = ?4 "
		"WHERE r.retry_of IS NOT NULL AND r.retry_of <= ?2 AND +r.branch = ?1 "
		"AND r.blessing = 'real-retry' AND s.status = 'pass' AND o.status = 'fail'",
		"siss", branch, flight, job, testid));
}

long
db_gate_advance_before(struct db *db, const char *branch, long before)
{
	return first_long(db, query(db,
		"SELECT a.flight FROM gate_events a WHERE a.branch = ?1 AND a.action = 'advance' "
		"AND a.flight > 0 AND a.flight < ?2 AND NOT EXISTS (SELECT 1 FROM gate_events g "
		"  WHERE g.branch = ?1 AND g.action = 'force' AND g.id > a.id) "
		"ORDER BY a.id DESC LIMIT 1", "si", branch, before));
}

int
db_real_flights_before(struct db *db, const char *branch, long before, int limit,
		       long **flights, long **created, int *count)
{
	sqlite3_stmt *st;
	int rc = 0, n = 0;

	*flights = xcalloc((size_t)limit + 1, sizeof(**flights));
	*created = xcalloc((size_t)limit + 1, sizeof(**created));
	*count = 0;
	st = query(db, "SELECT flight, created FROM flights WHERE branch = ? AND blessing = 'real' "
		   "AND flight < ? ORDER BY flight DESC LIMIT ?", "sii", branch, before, (long)limit);
	if (!st)
		goto fail;
	while (n < limit && (rc = step_row(db, st)) > 0) {
		(*flights)[n] = col_long(st, 0);
		(*created)[n] = col_long(st, 1);
		n++;
	}
	sqlite3_finalize(st);
	if (rc < 0)
		goto fail;
	*count = n;
	return 0;
fail:
	free(*flights);
	free(*created);
	*flights = *created = NULL;
	return -1;
}

/*
 * The service's triggers (migration 0008): a flight's origin, the queued
 * flight a push is coalesced into, revisions already tested, schedules.
 */
int
db_flight_set_origin(struct db *db, long flight, const char *requester,
		     const char *triggered_by, const char *trigger_key)
{
	return exec_stmt(db, "INSERT OR REPLACE INTO flight_origin (flight, requester, "
			 "triggered_by, trigger_key) VALUES (?, ?, ?, ?)", "isss", flight, requester,
			 triggered_by, trigger_key) < 0 ? -1 : 0;
}

int
db_flight_origin(struct db *db, long flight, struct db_flight_origin *out)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	st = query(db, "SELECT o.requester, o.triggered_by, o.trigger_key FROM flights f "
		   "LEFT JOIN flight_origin o ON o.flight = f.flight WHERE f.flight = ?", "i", flight);
	if (!st)
		return -1;
	rc = step_row(db, st);
	if (rc > 0) {
		out->requester = col_text(st, 0);
		out->triggered_by = col_text(st, 1);
		out->trigger_key = col_text(st, 2);
	}
	sqlite3_finalize(st);
	if (rc == 0)
		return errorx("no flight %ld", flight);
	return rc < 0 ? -1 : 0;
}

void
db_flight_origin_release(struct db_flight_origin *o)
{
	if (!o)
		return;
	free(o->requester);
	free(o->triggered_by);
	free(o->trigger_key);
	memset(o, 0, sizeof(*o));
}

/* A flight none of whose jobs has left the queue, and that never started. */
#define FLIGHT_STILL_QUEUED(f) \
	"(SELECT started FROM flights WHERE flight = " f ") IS NULL AND NOT EXISTS " \
	"(SELECT 1 FROM jobs j WHERE j.flight = " f " AND j.status <> 'queued')"

long
db_trigger_queued_flight(struct db *db, const char *triggered_by, const char *key)
{
	/* Only the newest: the history of the branch is not scanned on every poll. */
	return first_long(db, query(db, "SELECT n.flight FROM (SELECT o.flight FROM "
		"flight_origin o WHERE o.triggered_by = ?1 AND o.trigger_key = ?2 "
		"ORDER BY o.flight DESC LIMIT 1) n WHERE " FLIGHT_STILL_QUEUED("n.flight"),
		"ss", triggered_by, key));
}

long
db_trigger_flight_at(struct db *db, const char *triggered_by, const char *key,
		     const char *tree, const char *revision)
{
	return first_long(db, query(db, "SELECT o.flight FROM flight_origin o JOIN runvars r "
		"ON r.flight = o.flight WHERE o.triggered_by = ? AND o.trigger_key = ? "
		"AND r.name = 'revision_' || ? AND r.value = ? ORDER BY o.flight DESC LIMIT 1",
		"ssss", triggered_by, key, tree, revision));
}

int
db_flight_move_revision(struct db *db, long flight, const char *tree, const char *revision)
{
	char *rv_name = xasprintf("revision_%s", tree), *tree_name = xasprintf("tree_%s", tree);
	long queued;
	int rc = -1;

	if (db_begin(db) < 0)
		goto out;
	/* Checked inside the transaction: a worker may have claimed a job since. */
	queued = first_long(db, query(db, "SELECT 1 WHERE " FLIGHT_STILL_QUEUED("?1"), "i",
				      flight));
	if (queued <= 0) {
		db_rollback(db);
		rc = queued < 0 ? -1 : 0;
		goto out;
	}
	/* Every job that uses the tree, including one whose revision was unresolved. */
	if (exec_stmt(db, "INSERT INTO runvars (flight, job, name, value, synth) "
		      "SELECT flight, job, ?, ?, 0 FROM runvars WHERE flight = ? AND name = ? "
		      "ON CONFLICT (flight, job, name) DO UPDATE SET value = excluded.value",
		      "ssis", rv_name, revision, flight, tree_name) < 0) {
		db_rollback(db);
		goto out;
	}
	rc = db_commit(db) < 0 ? -1 : 1;
out:
	free(rv_name);
	free(tree_name);
	return rc;
}

/* Collects flight numbers (column 0) into a grown array. */
struct long_list {
	long *v;
	int n;
};

static int
long_row(struct db *db, sqlite3_stmt *st, void *arg)
{
	struct long_list *l = arg;

	(void)db;
	l->v = grow(l->v, l->n, sizeof(*l->v));
	l->v[l->n++] = col_long(st, 0);
	return 0;
}

int
db_trigger_passed_flights(struct db *db, const char *triggered_by, const char *key,
			  int limit, long **flights, int *count)
{
	struct long_list l = { NULL, 0 };

	*flights = NULL;
	*count = 0;
	if (each_row(db, query(db, "SELECT f.flight FROM flight_origin o JOIN flights f "
		"ON f.flight = o.flight WHERE o.triggered_by = ? "
		"AND o.trigger_key = ? AND f.finished IS NOT NULL "
		"AND EXISTS (SELECT 1 FROM jobs j WHERE j.flight = f.flight) "
		"AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.flight = f.flight "
		"AND j.status <> 'pass') ORDER BY f.flight DESC LIMIT ?", "ssi",
		triggered_by, key, (long)limit), long_row, &l) < 0) {
		free(l.v);
		return -1;
	}
	*flights = l.v;
	*count = l.n;
	return 0;
}

int
db_trigger_last_fire(struct db *db, const char *name, long *last_fire, char **note)
{
	sqlite3_stmt *st = query(db, "SELECT last_fire, note FROM trigger_state WHERE name = ?",
				 "s", name);
	int rc;

	*last_fire = 0;
	if (note)
		*note = NULL;
	if (!st)
		return -1;
	rc = step_row(db, st);
	if (rc > 0)
		*last_fire = col_long(st, 0);
	if (rc > 0 && note)
		*note = col_text(st, 1);
	sqlite3_finalize(st);
	return rc;
}

int
db_trigger_fire_set(struct db *db, const char *name, long slot, long flight,
		    const char *note)
{
	return exec_stmt(db, "INSERT OR REPLACE INTO trigger_state (name, last_fire, flight, "
			 "note, recorded) VALUES (?, ?, nullif(?, 0), ?, ?)", "siisi", name,
			 slot, flight, note, now_seconds()) < 0 ? -1 : 0;
}

/* pvci flight watch: the rows it compares from one poll to the next. */
static int
watch_job_row(struct db *db, sqlite3_stmt *st, void *arg)
{
	struct db_watch *w = arg;
	struct db_watch_job *j;

	w->jobs = grow(w->jobs, w->njobs, sizeof(*w->jobs));
	j = &w->jobs[w->njobs++];
	memset(j, 0, sizeof(*j));
	j->job = col_text(st, 0);
	j->note = col_text(st, 2);
	j->finished = col_long(st, 3);
	return col_status(db, st, 1, &j->status);
}

static int
watch_step_row(struct db *db, sqlite3_stmt *st, void *arg)
{
	struct db_watch *w = arg;
	struct db_watch_step *s;

	w->steps = grow(w->steps, w->nsteps, sizeof(*w->steps));
	s = &w->steps[w->nsteps++];
	memset(s, 0, sizeof(*s));
	s->job = col_text(st, 0);
	s->stepno = sqlite3_column_int(st, 1);
	s->testid = col_text(st, 2);
	s->note = col_text(st, 4);
	s->started = col_long(st, 5);
	s->finished = col_long(st, 6);
	return col_status(db, st, 3, &s->status);
}

struct db_watch *
db_watch_read(struct db *db, long flight)
{
	struct db_watch *w = xcalloc(1, sizeof(*w));
	sqlite3_stmt *st;
	int rc;

	w->flight = flight;
	st = query(db, "SELECT coalesce(started, 0), coalesce(finished, 0), created "
		   "FROM flights WHERE flight = ?", "i", flight);
	if (!st)
		goto fail;
	rc = step_row(db, st);
	if (rc > 0) {
		w->started = col_long(st, 0);
		w->finished = col_long(st, 1);
		w->created = col_long(st, 2);
	}
	sqlite3_finalize(st);
	if (rc == 0)
		errorx("no flight %ld", flight);
	if (rc <= 0)
		goto fail;
	if (each_row(db, query(db, "SELECT job, status, note, coalesce(finished, 0) FROM jobs WHERE flight = ? "
			       "ORDER BY ordinal", "i", flight), watch_job_row, w) < 0 ||
	    each_row(db, query(db, "SELECT s.job, s.stepno, s.testid, s.status, s.note, "
			       "coalesce(s.started, 0), coalesce(s.finished, 0) FROM steps s "
			       "JOIN jobs j USING (flight, job) WHERE s.flight = ? "
			       "ORDER BY j.ordinal, s.stepno", "i", flight), watch_step_row, w) < 0)
		goto fail;
	return w;
fail:
	db_watch_free(w);
	return NULL;
}

void
db_watch_free(struct db_watch *w)
{
	int i;

	if (!w)
		return;
	for (i = 0; i < w->njobs; i++) {
		free(w->jobs[i].job);
		free(w->jobs[i].note);
	}
	for (i = 0; i < w->nsteps; i++) {
		free(w->steps[i].job);
		free(w->steps[i].testid);
		free(w->steps[i].note);
	}
	free(w->jobs);
	free(w->steps);
	free(w);
}

json_t *
db_branches_json(struct db *db)
{
	return rows_json(db, query(db, "SELECT branch, count(*) AS flights, max(flight) AS latest "
				   "FROM flights GROUP BY branch ORDER BY branch", ""));
}

json_t *
db_job_history_json(struct db *db, const char *branch, const char *job, const char *host,
		    long limit)
{
	return rows_json(db, query(db,
		"SELECT j.flight, f.branch, f.blessing, j.job, j.status, j.host, j.started, j.finished, "
		"(SELECT s.testid FROM steps s WHERE s.flight = j.flight AND s.job = j.job AND "
		" s.status IN ('fail','broken') ORDER BY s.stepno LIMIT 1) AS failing_step, "
		"(SELECT group_concat(substr(r.name, 10) || '=' || r.value, ' ') FROM "
		" (SELECT name, value FROM runvars WHERE flight = j.flight AND job = j.job AND "
		"  name GLOB 'revision_*' ORDER BY name) r) AS revisions "
		"FROM jobs j JOIN flights f USING (flight) "
		"WHERE (?1 IS NULL OR (f.branch = ?1 AND j.job = ?2)) AND (?3 IS NULL OR j.host = ?3) "
		"ORDER BY j.flight DESC LIMIT ?4", "sssi", branch, job, host, limit));
}

json_t *
db_metric_series_json(struct db *db, const char *branch)
{
	return rows_json(db, query(db,
		"SELECT m.flight, m.job, s.testid AS step, s.status, m.metric, m.value, m.unit "
		"FROM measurements m JOIN steps s USING (flight, job, stepno) "
		"JOIN flights f ON f.flight = m.flight "
		"WHERE f.branch = ? AND f.blessing = 'real' "
		"ORDER BY m.job, m.metric, m.flight, m.id", "s", branch));
}

int
db_job_neighbours(struct db *db, const char *branch, long flight, const char *job,
		  long *prev, long *next)
{
	sqlite3_stmt *st;
	int rc;

	*prev = *next = 0;
	st = query(db, "SELECT "
		   "(SELECT max(f.flight) FROM flights f JOIN jobs j USING (flight) "
		   " WHERE f.branch = ?1 AND j.job = ?2 AND f.flight < ?3), "
		   "(SELECT min(f.flight) FROM flights f JOIN jobs j USING (flight) "
		   " WHERE f.branch = ?1 AND j.job = ?2 AND f.flight > ?3)", "ssi",
		   branch, job, flight);
	if (!st)
		return -1;
	rc = step_row(db, st);
	if (rc > 0) {
		*prev = (long)sqlite3_column_int64(st, 0);
		*next = (long)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}

long
db_data_version(struct db *db)
{
	sqlite3_stmt *st = query(db, "PRAGMA data_version", "");
	long v = -1;

	if (!st)
		return -1;
	if (step_row(db, st) > 0)
		v = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int
db_catalog_uses(struct db *db, const char *sha256, struct db_catalog_use **out, int *count)
{
	sqlite3_stmt *st = query(db,
		"SELECT a.flight, a.job, j.status, f.branch, 0 FROM artifacts a "
		"JOIN jobs j ON j.flight = a.flight AND j.job = a.job "
		"JOIN flights f ON f.flight = a.flight "
		"WHERE a.sha256 = ? AND a.kind = 'catalog' "
		"UNION ALL "
		"SELECT r.flight, r.job, j.status, f.branch, 1 FROM runvars r "
		"JOIN jobs j ON j.flight = r.flight AND j.job = r.job "
		"JOIN flights f ON f.flight = r.flight "
		"WHERE r.name = 'installed_catalog' AND r.value = ? "
		"ORDER BY 1, 5, 2", "ss", sha256, sha256);
	struct db_catalog_use *u = NULL;
	int n = 0, rc;

	*out = NULL;
	*count = 0;
	if (!st)
		return -1;
	while ((rc = step_row(db, st)) > 0) {
		u = grow(u, n, sizeof(*u));
		u[n].flight = (long)sqlite3_column_int64(st, 0);
		u[n].job = col_text(st, 1);
		u[n].status = col_text(st, 2);
		u[n].branch = col_text(st, 3);
		u[n].tested = sqlite3_column_int(st, 4);
		n++;
	}
	sqlite3_finalize(st);
	if (rc < 0) {
		db_catalog_uses_free(u, n);
		return -1;
	}
	*out = u;
	*count = n;
	return 0;
}

void
db_catalog_uses_free(struct db_catalog_use *u, int count)
{
	int i;

	for (i = 0; i < count; i++) {
		free(u[i].job);
		free(u[i].status);
		free(u[i].branch);
	}
	free(u);
}

/* The host pool (migration 0007). */

int
db_host_sync(struct db *db, const char *name, const char *toolstack, const char *uri,
	     const char *domain_type)
{
	return exec_stmt(db, "INSERT INTO hosts (name, toolstack, uri, domain_type) "
			 "VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
			 "toolstack = excluded.toolstack, uri = excluded.uri, "
			 "domain_type = excluded.domain_type WHERE toolstack IS NOT excluded.toolstack "
			 "OR uri IS NOT excluded.uri OR domain_type IS NOT excluded.domain_type",
			 "ssss", name, toolstack, uri ? uri : "", domain_type) < 0 ? -1 : 0;
}

int
db_host_set_enabled(struct db *db, const char *name, int enabled, const char *reason)
{
	int n;

	if (enabled)
		n = exec_stmt(db, "UPDATE hosts SET enabled = 1, disabled_reason = NULL, "
			      "disabled_at = NULL, broken_streak = 0, broken_jobs = NULL "
			      "WHERE name = ?", "s", name);
	else
		n = exec_stmt(db, "UPDATE hosts SET enabled = 0, disabled_reason = ?, "
			      "disabled_at = ? WHERE name = ?", "sis", reason, now_seconds(), name);
	if (n == 0)
		return errorx("no host '%s' in the database", name);
	return n < 0 ? -1 : 0;
}

struct host_rows {
	struct db_host_state *h;
	int n;
};

static int
host_state_row(struct db *db, sqlite3_stmt *st, void *arg)
{
	struct host_rows *r = arg;
	struct db_host_state *h;

	(void)db;
	r->h = grow(r->h, r->n, sizeof(*r->h));
	h = &r->h[r->n++];
	h->name = col_text(st, 0);
	h->enabled = sqlite3_column_int(st, 1);
	h->reason = col_text(st, 2);
	h->disabled_at = (long)sqlite3_column_int64(st, 3);
	h->broken_streak = sqlite3_column_int(st, 4);
	h->broken_jobs = col_text(st, 5);
	return 0;
}

int
db_hosts_state(struct db *db, struct db_host_state **out, int *count)
{
	struct host_rows r = { NULL, 0 };

	if (each_row(db, query(db, "SELECT name, enabled, disabled_reason, "
			       "coalesce(disabled_at, 0), broken_streak, broken_jobs FROM hosts "
			       "ORDER BY name", ""), host_state_row, &r) < 0) {
		db_hosts_state_free(r.h, r.n);
		return -1;
	}
	*out = r.h;
	*count = r.n;
	return 0;
}

void
db_hosts_state_free(struct db_host_state *h, int count)
{
	int i;

	if (!h)
		return;
	for (i = 0; i < count; i++) {
		free(h[i].name);
		free(h[i].reason);
		free(h[i].broken_jobs);
	}
	free(h);
}

struct lease_rows {
	struct db_lease *l;
	int n;
};

static int
lease_row(struct db *db, sqlite3_stmt *st, void *arg)
{
	struct lease_rows *r = arg;
	struct db_lease *l;

	(void)db;
	r->l = grow(r->l, r->n, sizeof(*r->l));
	l = &r->l[r->n++];
	memset(l, 0, sizeof(*l));
	l->flight = (long)sqlite3_column_int64(st, 0);
	l->job = col_text(st, 1);
	l->host = col_text(st, 2);
	l->memory_mib = (long)sqlite3_column_int64(st, 3);
	l->since = (long)sqlite3_column_int64(st, 4);
	l->owner.flight = l->flight;
	l->owner.pid = (long)sqlite3_column_int64(st, 5);
	l->owner.pid_start = (unsigned long long)sqlite3_column_int64(st, 6);
	snprintf(l->owner.host, sizeof(l->owner.host), "%s",
		 (const char *)sqlite3_column_text(st, 7));
	snprintf(l->owner.boot_id, sizeof(l->owner.boot_id), "%s",
		 (const char *)sqlite3_column_text(st, 8));
	l->owner.pidns = (unsigned long long)sqlite3_column_int64(st, 9);
	return 0;
}

int
db_leases(struct db *db, struct db_lease **out, int *count)
{
	struct lease_rows r = { NULL, 0 };
	int i;

	if (each_row(db, query(db, "SELECT flight, job, host, memory_mib, since, owner_pid, "
			       "owner_start, owner_host, owner_boot, owner_pidns FROM host_leases "
			       "ORDER BY host, since, flight, job", ""), lease_row, &r) < 0) {
		db_leases_free(r.l, r.n);
		return -1;
	}
	/* owner.job points at the lease's own string (not freed twice). */
	for (i = 0; i < r.n; i++)
		r.l[i].owner.job = r.l[i].job;
	*out = r.l;
	*count = r.n;
	return 0;
}

void
db_leases_free(struct db_lease *l, int count)
{
	int i;

	if (!l)
		return;
	for (i = 0; i < count; i++) {
		free(l[i].job);
		free(l[i].host);
	}
	free(l);
}

/* One integer from a query; -1 (reported) on error. */
static int
query_long(struct db *db, sqlite3_stmt *st, long *out)
{
	int rc;

	if (!st)
		return -1;
	rc = step_row(db, st);
	*out = rc > 0 ? (long)sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}

/* Why a lease cannot be taken now (caller frees), NULL when it can; *err on error. */
static char *
lease_refusal(struct db *db, long flight, const char *job, const struct db_lease_req *req,
	      int *err)
{
	sqlite3_stmt *st;
	long used = 0, mem = 0;
	char *why = NULL;
	int rc;

	st = query(db, "SELECT status FROM jobs WHERE flight = ? AND job = ?", "is", flight, job);
	if (!st || (rc = step_row(db, st)) < 0) {
		sqlite3_finalize(st);
		*err = 1;
		return NULL;
	}
	if (rc == 0)
		why = xasprintf("flight %ld has no job '%s'", flight, job);
	else if (strcmp((const char *)sqlite3_column_text(st, 0), "queued"))
		why = xasprintf("flight %ld job '%s' is %s, not queued", flight, job,
				(const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (why || req->hostless)
		return why;
	st = query(db, "SELECT enabled, coalesce(disabled_reason, '') FROM hosts WHERE name = ?",
		   "s", req->host);
	if (!st || (rc = step_row(db, st)) < 0) {
		sqlite3_finalize(st);
		*err = 1;
		return NULL;
	}
	if (rc == 0)
		why = xasprintf("host '%s' is not in the pool", req->host);
	else if (!sqlite3_column_int(st, 0))
		why = xasprintf("host '%s' is disabled: %s", req->host,
				(const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	if (why)
		return why;
	if (query_long(db, query(db, "SELECT count(*) FROM host_leases WHERE host = ?", "s",
				 req->host), &used) < 0 ||
	    query_long(db, query(db, "SELECT coalesce(sum(memory_mib), 0) FROM host_leases "
				 "WHERE host = ?", "s", req->host), &mem) < 0) {
		*err = 1;
		return NULL;
	}
	if (used >= req->guests)
		return xasprintf("host '%s' is full: %ld of %ld guests", req->host, used,
				 req->guests);
	if (mem + req->memory_mib > req->capacity_mib)
		return xasprintf("host '%s' has %ld MiB of guest memory left, the job needs %ld",
				 req->host, req->capacity_mib - mem, req->memory_mib);
	return NULL;
}

int
db_lease_claim(struct db *db, long flight, const char *job, const struct db_lease_req *req,
	       const struct db_owner *me, char **why)
{
	int err = 0, n;

	*why = NULL;
	if (db_begin(db) < 0)
		return -1;
	*why = lease_refusal(db, flight, job, req, &err);
	if (err)
		goto fail;
	if (*why) {
		db_rollback(db);
		return 0;
	}
	if (!req->hostless &&
	    exec_stmt(db, "INSERT INTO host_leases (flight, job, host, memory_mib, owner_pid, "
		      "owner_start, owner_host, owner_boot, owner_pidns, since) "
		      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "issiiussui", flight, job,
		      req->host, req->memory_mib, me->pid, me->pid_start, me->host, me->boot_id,
		      me->pidns, now_seconds()) < 0)
		goto fail;
	n = exec_stmt(db, "UPDATE jobs SET status = 'running', owner_pid = ?, owner_start = ?, "
		      "owner_host = ?, owner_boot = ?, owner_pidns = ?, started = ?, host = ? "
		      "WHERE flight = ? AND job = ? AND status = 'queued'", "iussuisis",
		      me->pid, me->pid_start, me->host, me->boot_id, me->pidns, now_seconds(),
		      req->hostless ? NULL : req->host, flight, job);
	if (n <= 0)
		goto fail;
	return db_commit(db) < 0 ? -1 : 1;
fail:
	db_rollback(db);
	return -1;
}

int
db_lease_release(struct db *db, long flight, const char *job)
{
	return exec_stmt(db, "DELETE FROM host_leases WHERE flight = ? AND job = ?", "is",
			 flight, job) < 0 ? -1 : 0;
}

int
db_lease_free_dead(struct db *db, const struct db_lease *l)
{
	int n = exec_stmt(db, "DELETE FROM host_leases WHERE flight = ? AND job = ? "
			  "AND owner_pid = ? AND owner_start = ? AND owner_host = ? "
			  "AND owner_boot = ? AND owner_pidns = ? AND NOT EXISTS "
			  "(SELECT 1 FROM jobs j WHERE j.flight = host_leases.flight AND "
			  "j.job = host_leases.job AND (j.needs_cleanup = 1 OR "
			  "(j.status IN ('running','preparing') AND j.owner_pid = ? "
			  "AND j.owner_start = ?)))",
			  "isiussuiu", l->flight, l->job, l->owner.pid, l->owner.pid_start,
			  l->owner.host, l->owner.boot_id, l->owner.pidns, l->owner.pid,
			  l->owner.pid_start);

	return n < 0 ? -1 : n > 0;
}

int
db_host_job_ended(struct db *db, const char *host, long flight, const char *job,
		  enum status status, long disable_after)
{
	char *entry = xasprintf("%ld/%s", flight, job);
	long streak = 0;
	int rc = -1, n;

	if (status != STATUS_BROKEN && status != STATUS_PASS && status != STATUS_FAIL) {
		free(entry);
		return 0;
	}
	if (db_begin(db) < 0) {
		free(entry);
		return -1;
	}
	if (status != STATUS_BROKEN) {
		n = exec_stmt(db, "UPDATE hosts SET broken_streak = 0, broken_jobs = NULL "
			      "WHERE name = ?", "s", host);
		if (n < 0)
			goto fail;
		rc = 0;
		goto done;
	}
	if (exec_stmt(db, "UPDATE hosts SET broken_streak = broken_streak + 1, broken_jobs = "
		      "CASE WHEN broken_jobs IS NULL THEN ? ELSE broken_jobs || ' ' || ? END "
		      "WHERE name = ?", "sss", entry, entry, host) < 0 ||
	    query_long(db, query(db, "SELECT broken_streak FROM hosts WHERE name = ?", "s", host),
		       &streak) < 0)
		goto fail;
	rc = 0;
	if (disable_after > 0 && streak >= disable_after) {
		n = exec_stmt(db, "UPDATE hosts SET enabled = 0, disabled_at = ?, "
			      "disabled_reason = 'disabled automatically: ' || broken_streak || "
			      "' jobs in a row ended broken (' || broken_jobs || ')' "
			      "WHERE name = ? AND enabled = 1", "is", now_seconds(), host);
		if (n < 0)
			goto fail;
		rc = n > 0;
	}
done:
	free(entry);
	if (db_commit(db) < 0)
		return -1;
	return rc;
fail:
	free(entry);
	db_rollback(db);
	return -1;
}

struct pool_rows {
	struct db_pool_job *j;
	int n;
};

static int
pool_job_row(struct db *db, sqlite3_stmt *st, void *arg)
{
	struct pool_rows *r = arg;
	struct db_pool_job *j;

	r->j = grow(r->j, r->n, sizeof(*r->j));
	j = &r->j[r->n++];
	memset(j, 0, sizeof(*j));
	j->flight = (long)sqlite3_column_int64(st, 0);
	j->job = col_text(st, 1);
	j->blessing = col_text(st, 2);
	j->trigger = col_text(st, 3);
	j->created = (long)sqlite3_column_int64(st, 4);
	j->ordinal = sqlite3_column_int(st, 5);
	j->needs_host = sqlite3_column_int(st, 7);
	j->needs_flags = col_text(st, 8);
	j->attempt = sqlite3_column_int(st, 9);
	j->avoid_host = col_text(st, 10);
	j->host = col_text(st, 11);
	j->needs_cleanup = sqlite3_column_int(st, 12);
	return col_status(db, st, 6, &j->status);
}

static int
cmp_pool_job(const void *a, const void *b)
{
	const struct db_pool_job *x = a, *y = b;
	int c;

	if (x->flight != y->flight)
		return x->flight < y->flight ? -1 : 1;
	c = strcmp(x->job, y->job);
	return c;
}

static int
pool_dep_row(struct db *db, sqlite3_stmt *st, void *arg)
{
	struct pool_rows *r = arg;
	struct db_pool_job key = { .flight = (long)sqlite3_column_int64(st, 0) }, *j;

	(void)db;
	key.job = (char *)sqlite3_column_text(st, 1);
	j = bsearch(&key, r->j, (size_t)r->n, sizeof(*r->j), cmp_pool_job);
	if (!j)
		return 0;
	j->needs = grow(j->needs, j->nneeds, sizeof(*j->needs));
	j->needs[j->nneeds++] = col_text(st, 2);
	return 0;
}

/* The jobs of the flights with a job not final, as the pool's scheduler reads them. */
#define POOL_JOB_COLS "j.flight, j.job, f.blessing, %s, f.created, j.ordinal, j.status, " \
	"j.needs_host, j.needs_flags, j.attempt, j.avoid_host, j.host, j.needs_cleanup"
#define POOL_ACTIVE "j.flight IN (SELECT DISTINCT flight FROM jobs WHERE status IN " \
	"('queued','preparing','running') OR needs_cleanup = 1)"

int
db_pool_jobs(struct db *db, struct db_pool_job **out, int *count)
{
	struct pool_rows r = { NULL, 0 };
	char *sql;
	int origin, rc;

	/* The triggers' table (issue 8, 0008) says what made a flight, when it is there. */
	origin = exists_row(db, prep(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' "
				     "AND name = 'flight_origin'"));
	if (origin < 0)
		return -1;
	if (origin)
		sql = xasprintf("SELECT " POOL_JOB_COLS " FROM jobs j JOIN flights f USING (flight) "
				"LEFT JOIN flight_origin o ON o.flight = j.flight WHERE "
				POOL_ACTIVE " ORDER BY j.flight, j.job", "o.triggered_by");
	else
		sql = xasprintf("SELECT " POOL_JOB_COLS " FROM jobs j JOIN flights f USING (flight) "
				"WHERE " POOL_ACTIVE " ORDER BY j.flight, j.job", "NULL");
	rc = each_row(db, prep(db, sql), pool_job_row, &r);
	free(sql);
	/* Sorted by flight and job (byte order, as strcmp), for the search above. */
	if (rc == 0)
		rc = each_row(db, prep(db, "SELECT d.flight, d.job, d.needs FROM job_deps d WHERE "
				       "d.flight IN (SELECT DISTINCT j.flight FROM jobs j WHERE "
				       POOL_ACTIVE ") ORDER BY d.flight, d.job, d.needs"),
			      pool_dep_row, &r);
	if (rc < 0) {
		db_pool_jobs_free(r.j, r.n);
		return -1;
	}
	*out = r.j;
	*count = r.n;
	return 0;
}

void
db_pool_jobs_free(struct db_pool_job *j, int count)
{
	int i, k;

	if (!j)
		return;
	for (i = 0; i < count; i++) {
		free(j[i].job);
		free(j[i].blessing);
		free(j[i].trigger);
		free(j[i].needs_flags);
		free(j[i].avoid_host);
		free(j[i].host);
		for (k = 0; k < j[i].nneeds; k++)
			free(j[i].needs[k]);
		free(j[i].needs);
	}
	free(j);
}

int
db_job_set_host_needs(struct db *db, long flight, const char *job, int needs_host,
		      const char *needs_flags)
{
	return exec_stmt(db, "UPDATE jobs SET needs_host = ?, needs_flags = ? WHERE flight = ? "
			 "AND job = ?", "isis", (long)needs_host, needs_flags ? needs_flags : "",
			 flight, job) < 0 ? -1 : 0;
}

int
db_job_retry(struct db *db, long flight, const char *job, int max_attempts,
	     const char *avoid_host)
{
	int n;

	if (db_begin(db) < 0)
		return -1;
	n = exec_stmt(db, "INSERT INTO job_attempts (flight, job, attempt, status, host, note, "
		      "started, finished, steps) SELECT j.flight, j.job, j.attempt, j.status, "
		      "j.host, j.note, j.started, j.finished, (SELECT json_group_array("
		      "json_object('stepno', s.stepno, 'testid', s.testid, 'status', s.status, "
		      "'note', s.note, 'started', s.started, 'finished', s.finished)) FROM "
		      "(SELECT * FROM steps WHERE flight = j.flight AND job = j.job "
		      "ORDER BY stepno) s) FROM jobs j WHERE j.flight = ? AND j.job = ? AND "
		      "j.status = 'broken' AND j.attempt < ? AND j.needs_cleanup = 0",
		      "isi", flight, job, (long)max_attempts);
	if (n < 0)
		goto fail;
	if (n == 0) {
		db_rollback(db);
		return 0;
	}
	if (exec_stmt(db, "UPDATE jobs SET status = 'queued', note = NULL, started = NULL, "
		      "finished = NULL, host = NULL, attempt = attempt + 1, avoid_host = ? "
		      "WHERE flight = ? AND job = ?", "sis", avoid_host, flight, job) < 0 ||
	    exec_stmt(db, "UPDATE steps SET status = 'queued', note = NULL, started = NULL, "
		      "finished = NULL WHERE flight = ? AND job = ?", "is", flight, job) < 0)
		goto fail;
	return db_commit(db) < 0 ? -1 : 1;
fail:
	db_rollback(db);
	return -1;
}

json_t *
db_job_attempts_json(struct db *db, long flight, const char *job)
{
	json_t *arr = rows_json(db, query(db, "SELECT attempt, status, host, note, started, "
					  "finished, steps FROM job_attempts WHERE flight = ? "
					  "AND job = ? ORDER BY attempt", "is", flight, job));
	size_t i;

	/* steps is JSON text: give it as JSON. */
	for (i = 0; arr && i < json_array_size(arr); i++) {
		json_t *a = json_array_get(arr, i);
		const char *text = json_string_value(json_object_get(a, "steps"));
		json_t *steps = text ? json_loads(text, 0, NULL) : NULL;

		json_object_set_new(a, "steps", steps ? steps : json_array());
	}
	return arr;
}

int
db_job_host_needs(struct db *db, long flight, const char *job, int *needs_host,
		  char **needs_flags, int *attempt, char **host)
{
	sqlite3_stmt *st = query(db, "SELECT needs_host, needs_flags, attempt, host FROM jobs "
				 "WHERE flight = ? AND job = ?", "is", flight, job);
	int rc;

	*needs_flags = NULL;
	*host = NULL;
	if (!st)
		return -1;
	rc = step_row(db, st);
	if (rc > 0) {
		*needs_host = sqlite3_column_int(st, 0);
		*needs_flags = col_text(st, 1);
		*attempt = sqlite3_column_int(st, 2);
		*host = col_text(st, 3);
	} else if (rc == 0) {
		errorx("flight %ld has no job '%s'", flight, job);
	}
	sqlite3_finalize(st);
	return rc > 0 ? 0 : -1;
}

int
db_flight_verdict_claim_finished(struct db *db, long flight)
{
	int n = exec_stmt(db, "INSERT OR IGNORE INTO flight_verdicts (flight, claimed, by_pid) "
			  "SELECT flight, ?, ? FROM flights WHERE flight = ? AND finished IS NOT NULL",
			  "iii", now_seconds(), (long)getpid(), flight);

	return n < 0 ? -1 : n > 0;
}

int
db_flights_unjudged(struct db *db, long **flights, int *count)
{
	struct long_list l = { NULL, 0 };

	*flights = NULL;
	*count = 0;
	if (each_row(db, query(db, "SELECT f.flight FROM flights f WHERE f.finished IS NOT NULL "
			       "AND NOT EXISTS (SELECT 1 FROM flight_verdicts v "
			       "WHERE v.flight = f.flight) ORDER BY f.flight LIMIT 100", ""),
		     long_row, &l) < 0) {
		free(l.v);
		return -1;
	}
	*flights = l.v;
	*count = l.n;
	return 0;
}

json_t *
db_queue_json(struct db *db)
{
	return rows_json(db, query(db, "SELECT j.flight, f.blessing, f.branch, count(*) AS queued "
				   "FROM jobs j JOIN flights f USING (flight) WHERE j.status = 'queued' "
				   "GROUP BY j.flight ORDER BY j.flight", ""));
}

json_t *
db_running_json(struct db *db)
{
	return rows_json(db, query(db, "SELECT flight, job, status, host, owner_pid, started "
				   "FROM jobs WHERE status IN ('preparing', 'running') "
				   "ORDER BY flight, ordinal", ""));
}
