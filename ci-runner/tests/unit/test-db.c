/*
 * The results database: owners and their compare-and-set, liveness, open
 * modes, migrations by several processes at once, errors in reading loops,
 * artifacts by exact name, writes that find the database locked.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "db.h"
#include "recover.h"
#include "util.h"

/* Undefined behaviour (qsort of NULL, ...) fails the test in sanitizer builds. */
const char *__ubsan_default_options(void);
const char *
__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1";
}

struct fixture {
	char dir[64];
	char *path;
	struct db *a, *b;	/* two connections, as two processes would have */
};

/* stderr goes to a file while capturing; capture_end returns what was written. */
static int saved_stderr = -1;
static char capture_path[64];

static void
capture_begin(void)
{
	int fd;

	fflush(stderr);
	snprintf(capture_path, sizeof(capture_path), "/tmp/pvci-test-db-err.XXXXXX");
	fd = mkstemp(capture_path);
	assert_true(fd >= 0);
	saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
}

static char *
capture_end(void)
{
	char *text;

	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	text = read_file(capture_path, 1 << 20, NULL);
	unlink(capture_path);
	assert_non_null(text);
	return text;
}

static void
raw_exec(const char *path, const char *sql)
{
	sqlite3 *s;
	char *err = NULL;

	assert_int_equal(sqlite3_open(path, &s), SQLITE_OK);
	sqlite3_busy_timeout(s, 10000);
	if (sqlite3_exec(s, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err);
	sqlite3_close(s);
}

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/pvci-test-db.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->path = path_join(f->dir, "results.db");
	f->a = db_open_mode(f->path, DB_CREATE);
	assert_non_null(f->a);
	f->b = db_open_mode(f->path, DB_WRITE);
	assert_non_null(f->b);
	assert_int_equal(db_begin(f->a), 0);
	assert_int_equal(db_flight_insert(f->a, "main", "adhoc", "t"), 1);
	assert_int_equal(db_job_insert(f->a, 1, "one", 0), 0);
	assert_int_equal(db_job_insert(f->a, 1, "two", 1), 0);
	assert_int_equal(db_job_insert(f->a, 1, "three", 2), 0);
	assert_int_equal(db_dep_insert(f->a, 1, "three", "one"), 0);
	assert_int_equal(db_dep_insert(f->a, 1, "three", "two"), 0);
	assert_int_equal(db_step_insert(f->a, 1, "one", 1, "run", "run", 0, 60), 0);
	assert_int_equal(db_runvar_set(f->a, 1, "one", "x", "1", 0), 0);
	assert_int_equal(db_commit(f->a), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd[] = { (char *)"rm", (char *)"-rf", f->dir, NULL };

	db_close(f->a);
	db_close(f->b);
	if (fork() == 0) {
		execvp(cmd[0], cmd);
		_exit(127);
	}
	wait(NULL);
	free(f->path);
	free(f);
	return 0;
}

static char *
job_status(struct db *db, const char *job)
{
	json_t *j = db_job_json(db, 1, job);
	char *s;

	assert_non_null(j);
	s = xstrdup(json_string_value(json_object_get(j, "status")));
	json_decref(j);
	return s;
}

/*
 * A runner (connection a) whose job recovery (connection b) took over as
 * orphaned cannot overwrite its status: finishing says DB_NOT_OWNER.
 */
static void
test_finish_is_compare_and_set(void **state)
{
	struct fixture *f = *state;
	struct db_owner me, *owners;
	char *status, *err;
	int n = 0;

	assert_int_equal(db_owner_self(&me), 0);
	assert_true(me.host[0] && me.boot_id[0] && me.pidns && me.pid_start);
	assert_int_equal(db_job_claim_owned(f->a, 1, "one", &me, STATUS_PREPARING), 1);
	assert_int_equal(db_job_claim_owned(f->b, 1, "one", &me, STATUS_RUNNING), 0);

	owners = db_running_jobs(f->b, &n);
	assert_non_null(owners);
	assert_int_equal(n, 1);
	assert_string_equal(owners[0].job, "one");
	assert_int_equal(owners[0].pid, me.pid);
	assert_true(owners[0].pid_start == me.pid_start);
	assert_string_equal(owners[0].host, me.host);
	assert_string_equal(owners[0].boot_id, me.boot_id);
	assert_true(owners[0].pidns == me.pidns);
	assert_int_equal(db_job_mark_orphan(f->b, &owners[0], "owner gone"), 1);
	/* Only once: the owner no longer holds it. */
	assert_int_equal(db_job_mark_orphan(f->b, &owners[0], "owner gone"), 0);
	db_owners_free(owners, n);

	capture_begin();
	n = db_job_finish_owned(f->a, 1, "one", &me, STATUS_PASS, NULL);
	err = capture_end();
	assert_int_equal(n, DB_NOT_OWNER);
	assert_non_null(strstr(err, "no longer owns it"));
	free(err);
	status = job_status(f->b, "one");
	assert_string_equal(status, "broken");
	free(status);

	/* Its own job, still held: finished. */
	assert_int_equal(db_job_claim_owned(f->a, 1, "two", &me, STATUS_RUNNING), 1);
	assert_int_equal(db_job_finish_owned(f->a, 1, "two", &me, STATUS_PASS, NULL), 0);
	status = job_status(f->b, "two");
	assert_string_equal(status, "pass");
	free(status);
}

/* Liveness from host, boot id, PID namespace, pid and start time. */
static void
test_liveness(void **state)
{
	struct db_owner me, o;

	(void)state;
	assert_int_equal(db_owner_self(&me), 0);
	o = me;
	assert_int_equal(recover_owner_liveness(&o, &me), RECOVER_ALIVE);
	o.pid_start++;
	assert_int_equal(recover_owner_liveness(&o, &me), RECOVER_DEAD);
	/* Another PID namespace on this boot: the pid says nothing here. */
	o.pidns = me.pidns + 1;
	assert_int_equal(recover_owner_liveness(&o, &me), RECOVER_ALIVE);
	o = me;
	snprintf(o.boot_id, sizeof(o.boot_id), "00000000-0000-0000-0000-000000000000");
	assert_int_equal(recover_owner_liveness(&o, &me), RECOVER_DEAD);
	o = me;
	snprintf(o.host, sizeof(o.host), "%s", strcmp(me.host, "elsewhere") ? "elsewhere" : "other");
	assert_int_equal(recover_owner_liveness(&o, &me), RECOVER_UNKNOWN);
}

struct opener {
	const char *path;
	pid_t tid;
	struct db *db;
};

static void *
open_migrate(void *arg)
{
	struct opener *o = arg;

	__atomic_store_n(&o->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
	o->db = db_open_mode(o->path, DB_MIGRATE);
	return NULL;
}

/* 1 when thread tid sleeps (SQLite's busy handler waiting for a lock). */
static int
thread_sleeps(pid_t tid)
{
	char path[64], *text;
	long nr = -1;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/syscall", (long)tid);
	text = read_file(path, 4096, NULL);
	if (text)
		nr = strtol(text, NULL, 10);
	free(text);
	return nr == SYS_clock_nanosleep || nr == SYS_nanosleep;
}

struct writer {
	struct db *db;
	pid_t tid;
	int rc;
};

static void *
write_step(void *arg)
{
	struct writer *w = arg;

	__atomic_store_n(&w->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
	w->rc = db_step_finish(w->db, 1, "one", 1, STATUS_PASS, NULL);
	return NULL;
}

/* Another connection holds the write lock: status writes fail, reported. */
static void
test_locked_writes_fail(void **state)
{
	struct fixture *f = *state;
	char *err;
	int rc1, rc2, rc3;

	assert_int_equal(db_begin(f->a), 0);
	db_set_busy_timeout(f->b, 50);
	capture_begin();
	rc1 = db_step_start(f->b, 1, "one", 1);
	rc2 = db_step_finish(f->b, 1, "one", 1, STATUS_PASS, NULL);
	rc3 = db_job_settle(f->b, 1, "two", STATUS_BLOCKED, "x");
	err = capture_end();
	db_rollback(f->a);
	assert_int_equal(rc1, -1);
	assert_int_equal(rc2, -1);
	assert_int_equal(rc3, -1);
	assert_non_null(strstr(err, "database is locked"));
	assert_non_null(strstr(err, f->path));
	free(err);
	/* Once the lock is gone the same writes go through. */
	db_set_busy_timeout(f->b, DB_BUSY_TIMEOUT_MS);
	assert_int_equal(db_step_start(f->b, 1, "one", 1), 0);
}

/* A status write waits for a lock another connection holds for a while. */
static void
test_locked_writes_wait(void **state)
{
	struct fixture *f = *state;
	struct writer w = { .db = f->b };
	pthread_t t;
	char *status;
	json_t *j;

	assert_int_equal(db_begin(f->a), 0);
	assert_int_equal(pthread_create(&t, NULL, write_step, &w), 0);
	while (!__atomic_load_n(&w.tid, __ATOMIC_SEQ_CST) || !thread_sleeps(w.tid))
		sched_yield();
	/* It waits in SQLite's busy handler: let it in. */
	assert_int_equal(db_commit(f->a), 0);
	pthread_join(t, NULL);
	assert_int_equal(w.rc, 0);
	j = db_job_json(f->a, 1, "one");
	assert_non_null(j);
	status = xstrdup(json_string_value(json_object_get(
		json_array_get(json_object_get(j, "steps"), 0), "status")));
	json_decref(j);
	assert_string_equal(status, "pass");
	free(status);
}

/*
 * An SQLite error while reading rows is an error, not the end of the rows:
 * a view in place of a table makes a row fail to compute.
 */
static void
test_read_errors_are_errors(void **state)
{
	struct fixture *f = *state;
	struct db_job *jobs;
	char *value = (char *)"x", *err;
	int n = 0, rc;

	raw_exec(f->path,
		 "ALTER TABLE job_deps RENAME TO real_deps;"
		 "CREATE VIEW job_deps AS SELECT flight, job, CASE WHEN needs = 'two' "
		 "THEN abs(-9223372036854775807 - 1) ELSE needs END AS needs FROM real_deps;"
		 "ALTER TABLE runvars RENAME TO real_runvars;"
		 "CREATE VIEW runvars AS SELECT flight, job, name, CASE WHEN name = 'x' "
		 "THEN abs(-9223372036854775807 - 1) ELSE value END AS value, synth "
		 "FROM real_runvars;");
	capture_begin();
	jobs = db_flight_jobs(f->b, 1, &n);
	rc = db_runvar_read(f->b, 1, "one", "x", &value);
	err = capture_end();
	assert_null(jobs);
	assert_int_equal(rc, -1);
	assert_null(value);
	assert_non_null(strstr(err, "integer overflow"));
	free(err);
	/* An unset runvar is not an error. */
	assert_int_equal(db_runvar_read(f->b, 1, "one", "unset", &value), 0);
	assert_null(value);
	capture_begin();
	assert_null(db_job_json(f->b, 1, "three"));
	assert_null(db_flight_json(f->b, 1));
	free(capture_end());
}

/* '_' and '%' in an artifact's name are not wildcards. */
static void
test_artifact_exact_name(void **state)
{
	struct fixture *f = *state;
	char *p;

	assert_int_equal(db_artifact_add(f->a, 1, "one", "artifacts/1/one/a_b.txt", "log", 1,
					 "0"), 0);
	assert_int_equal(db_artifact_add(f->a, 1, "one", "artifacts/1/one/axb.txt", "log", 1,
					 "0"), 0);
	assert_int_equal(db_artifact_add(f->a, 1, "one", "artifacts/1/one/100%.log", "log", 1,
					 "0"), 0);
	assert_int_equal(db_artifact_add(f->a, 1, "one", "artifacts/1/one/100abc.log", "log",
					 1, "0"), 0);
	p = db_artifact_find(f->b, 1, "one", "log", "a_b.txt");
	assert_string_equal(p, "artifacts/1/one/a_b.txt");
	free(p);
	p = db_artifact_find(f->b, 1, "one", "log", "100%.log");
	assert_string_equal(p, "artifacts/1/one/100%.log");
	free(p);
	assert_null(db_artifact_find(f->b, 1, "one", "log", "%.log"));
	assert_null(db_artifact_find(f->b, 1, "one", "log", "_xb.txt"));
	p = db_artifact_find(f->b, 1, "one", "log", "artifacts/1/one/axb.txt");
	assert_string_equal(p, "artifacts/1/one/axb.txt");
	free(p);
}

/* Only DB_CREATE makes a database; a missing or emptied one is an error. */
static void
test_only_create_creates(void **state)
{
	struct fixture *f = *state;
	char *path = path_join(f->dir, "other.db"), *err;
	struct db *db;
	FILE *fp;

	capture_begin();
	assert_null(db_open_mode(path, DB_WRITE));
	assert_null(db_open_mode(path, DB_MIGRATE));
	assert_null(db_open_mode(path, DB_READ));
	err = capture_end();
	assert_non_null(strstr(err, "is missing: only 'pvci init' makes one"));
	free(err);
	assert_false(file_exists(path));

	fp = fopen(path, "w");
	fclose(fp);
	capture_begin();
	assert_null(db_open_mode(path, DB_MIGRATE));
	err = capture_end();
	assert_non_null(strstr(err, "is empty: only 'pvci init' makes one"));
	free(err);

	/* A database file with no pvci schema in it. */
	raw_exec(path, "CREATE TABLE t (x);");
	capture_begin();
	assert_null(db_open_mode(path, DB_WRITE));
	err = capture_end();
	assert_non_null(strstr(err, "holds no pvci schema"));
	free(err);

	unlink(path);
	db = db_open_mode(path, DB_CREATE);
	assert_non_null(db);
	db_close(db);
	db = db_open_mode(path, DB_READ);
	assert_non_null(db);
	db_close(db);
	free(path);
}

/*
 * Two processes open a database of an older schema at once, both after
 * seeing that it needs migrations: both succeed, the migrations run once.
 * Another connection holds the write lock until both wait for it.
 */
static void
test_concurrent_migrations(void **state)
{
	struct fixture *f = *state;
	char *path = path_join(f->dir, "old.db"), *schema, *sql, *err;
	struct opener o[2];
	pthread_t t[2];
	sqlite3 *lock;
	int i;

	schema = path_join(data_dir(), "results-db/schema.sql");
	sql = read_file(schema, 1 << 20, NULL);
	assert_non_null(sql);
	raw_exec(path, "PRAGMA journal_mode=WAL;");
	raw_exec(path, sql);
	raw_exec(path, "INSERT INTO schema_updates VALUES (1, 'schema.sql', 0);");
	free(sql);
	free(schema);

	/* Commands other than init and flight run refuse it, saying what to run. */
	capture_begin();
	assert_null(db_open_mode(path, DB_WRITE));
	assert_null(db_open_mode(path, DB_READ));
	err = capture_end();
	assert_non_null(strstr(err, "run 'pvci init' (or 'pvci flight run') to upgrade it"));
	free(err);

	assert_int_equal(sqlite3_open(path, &lock), SQLITE_OK);
	assert_int_equal(sqlite3_exec(lock, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	for (i = 0; i < 2; i++) {
		o[i].path = path;
		o[i].tid = 0;
		o[i].db = NULL;
		assert_int_equal(pthread_create(&t[i], NULL, open_migrate, &o[i]), 0);
	}
	for (i = 0; i < 2; i++)
		while (!__atomic_load_n(&o[i].tid, __ATOMIC_SEQ_CST) || !thread_sleeps(o[i].tid))
			sched_yield();
	assert_int_equal(sqlite3_exec(lock, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(lock);
	for (i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		assert_non_null(o[i].db);
		assert_int_equal(db_flight_exists(o[i].db, 1), 0);
		db_close(o[i].db);
	}
	o[0].db = db_open_mode(path, DB_READ);
	assert_non_null(o[0].db);
	db_close(o[0].db);
	free(path);
}

/* Migrations from an empty folder: nothing to sort, nothing to apply. */
static void
test_no_migrations(void **state)
{
	struct fixture *f = *state;
	char *data = path_join(f->dir, "data"), *rdb, *mig, *schema, *src;
	pid_t pid;
	int status;

	rdb = path_join(data, "results-db");
	mig = path_join(rdb, "migrations");
	assert_int_equal(mkdir_p(mig, 0755), 0);
	src = path_join(data_dir(), "results-db/schema.sql");
	schema = path_join(rdb, "schema.sql");
	assert_int_equal(copy_file(src, schema, 0644), 0);
	/* data_dir() keeps its first answer: ask in a new process (main below). */
	pid = fork();
	if (pid == 0) {
		char *path = path_join(f->dir, "nomig.db");

		setenv("PVCI_DATADIR", data, 1);
		execl("/proc/self/exe", "test-db", "--create", path, (char *)NULL);
		_exit(127);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	free(src);
	free(schema);
	free(mig);
	free(rdb);
	free(data);
}

/*
 * The push gate's records: events in order, blocked by the latest block or
 * unblock, the push target of a flight (or the branch's latest), tested
 * revisions replaced.
 */
static void
test_gate_records(void **state)
{
	struct fixture *f = *state;
	struct db_gate_event e = { .branch = (char *)"main", .at = 100, .who = (char *)"ann",
				   .action = (char *)"block", .reason = (char *)"keys" };
	struct db_gate_event *ev, last;
	struct db_push_target t;
	struct db_revision *revs;
	int n;

	assert_int_equal(db_gate_blocked(f->b, "main", &last), 0);
	assert_int_equal(db_gate_event_add(f->a, &e), 0);
	assert_int_equal(db_gate_blocked(f->b, "main", &last), 1);
	assert_string_equal(last.who, "ann");
	assert_string_equal(last.reason, "keys");
	db_gate_event_release(&last);
	assert_int_equal(db_gate_blocked(f->b, "other", &last), 0);
	e.action = (char *)"advance";
	e.tree = (char *)"t";
	e.revision = (char *)"abc";
	e.flight = 1;
	assert_int_equal(db_gate_event_add(f->a, &e), 0);
	assert_int_equal(db_gate_blocked(f->b, "main", &last), 1);
	db_gate_event_release(&last);
	e.action = (char *)"unblock";
	e.tree = e.revision = NULL;
	e.flight = 0;
	assert_int_equal(db_gate_event_add(f->a, &e), 0);
	assert_int_equal(db_gate_blocked(f->b, "main", &last), 0);
	assert_int_equal(db_gate_last_advance(f->b, "main"), 1);
	assert_int_equal(db_gate_flight_advanced(f->b, 1), 1);
	assert_int_equal(db_gate_flight_advanced(f->b, 2), 0);
	assert_int_equal(db_gate_events(f->b, "main", &ev, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(ev[1].action, "advance");
	assert_string_equal(ev[1].revision, "abc");
	assert_int_equal(ev[1].flight, 1);
	assert_null(ev[2].tree);
	assert_int_equal(ev[2].flight, 0);
	db_gate_events_free(ev, n);

	assert_int_equal(db_push_target(f->b, "main", 1, "t", &t), 0);
	assert_int_equal(db_runvar_set(f->a, 1, "one", "tree_t", "/src", 0), 0);
	assert_int_equal(db_runvar_set(f->a, 1, "one", "push_url_t", "/bare", 0), 0);
	assert_int_equal(db_push_target(f->b, "main", 1, "t", &t), 1);
	assert_string_equal(t.url, "/src");
	assert_string_equal(t.push_url, "/bare");
	assert_null(t.tested_ref);
	db_push_target_release(&t);
	assert_int_equal(db_runvar_set(f->a, 1, "one", "tested_ref_t", "refs/heads/x", 0), 0);
	assert_int_equal(db_push_target(f->b, "main", 0, "t", &t), 1);
	assert_int_equal(t.flight, 1);
	assert_string_equal(t.tested_ref, "refs/heads/x");
	db_push_target_release(&t);
	assert_int_equal(db_push_target(f->b, "other", 0, "t", &t), 0);

	assert_int_equal(db_tested_revision_set(f->a, "main", "t", "abc", 5), 0);
	assert_int_equal(db_tested_revision_set(f->a, "main", "t", "def", 6), 0);
	assert_int_equal(db_tested_revisions(f->b, "main", &revs, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(revs[0].revision, "def");
	db_revisions_free(revs, n);
}

/*
 * Leases (0007): two processes claiming jobs on a one-slot host get one
 * lease between them; a disabled host refuses with its reason; a lease
 * whose owner died is freed unless its job waits for its cleanup; two
 * broken jobs in a row disable the host; a retry keeps the attempt.
 */
static void
test_host_leases(void **state)
{
	struct fixture *f = *state;
	struct db_lease_req req = { .host = "h1", .guests = 1, .capacity_mib = 1024,
				    .memory_mib = 512 };
	struct db_host_state *hs = NULL;
	struct db_lease *l = NULL;
	struct db_owner me;
	char *why = NULL, *status;
	json_t *a;
	int n = 0;

	assert_int_equal(db_owner_self(&me), 0);
	assert_int_equal(db_host_sync(f->a, "h1", "libvirt", "test:///default", "qemu"), 0);
	assert_int_equal(db_lease_claim(f->a, 1, "one", &req, &me, &why), 1);
	assert_null(why);
	assert_int_equal(db_lease_claim(f->b, 1, "two", &req, &me, &why), 0);
	assert_non_null(strstr(why, "host 'h1' is full: 1 of 1 guests"));
	free(why);
	status = job_status(f->b, "two");
	assert_string_equal(status, "queued");
	free(status);
	/* The claim is the job's too: running, owned, on h1. */
	status = job_status(f->b, "one");
	assert_string_equal(status, "running");
	free(status);

	/* A lease whose owner is another (dead) process, on a job not waiting for cleanup. */
	assert_int_equal(db_leases(f->b, &l, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(l[0].host, "h1");
	assert_int_equal(l[0].owner.pid, me.pid);
	/* Its owner still runs the job: not freed. */
	assert_int_equal(db_lease_free_dead(f->b, &l[0]), 0);
	assert_int_equal(db_job_finish_owned(f->a, 1, "one", &me, STATUS_BROKEN, "x"), 0);
	assert_int_equal(db_lease_free_dead(f->b, &l[0]), 1);
	db_leases_free(l, n);

	req.guests = 2;
	assert_int_equal(db_host_set_enabled(f->a, "h1", 0, "disk swap"), 0);
	assert_int_equal(db_lease_claim(f->b, 1, "two", &req, &me, &why), 0);
	assert_non_null(strstr(why, "host 'h1' is disabled: disk swap"));
	free(why);
	assert_int_equal(db_host_set_enabled(f->a, "h1", 1, NULL), 0);

	assert_int_equal(db_host_job_ended(f->a, "h1", 1, "one", STATUS_BROKEN, 2), 0);
	assert_int_equal(db_host_job_ended(f->a, "h1", 1, "x", STATUS_PASS, 2), 0);
	assert_int_equal(db_host_job_ended(f->a, "h1", 1, "two", STATUS_BROKEN, 2), 0);
	assert_int_equal(db_host_job_ended(f->a, "h1", 1, "three", STATUS_BROKEN, 2), 1);
	assert_int_equal(db_hosts_state(f->b, &hs, &n), 0);
	assert_int_equal(n, 1);
	assert_false(hs[0].enabled);
	assert_string_equal(hs[0].reason, "disabled automatically: 2 jobs in a row ended broken "
			    "(1/two 1/three)");
	db_hosts_state_free(hs, n);

	/* Job one broke on h1: queued again once, attempt 1 kept. */
	assert_int_equal(db_job_retry(f->a, 1, "one", 2, "h1"), 1);
	assert_int_equal(db_job_retry(f->a, 1, "one", 2, "h1"), 0);
	status = job_status(f->b, "one");
	assert_string_equal(status, "queued");
	free(status);
	a = db_job_attempts_json(f->b, 1, "one");
	assert_int_equal(json_array_size(a), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "status")),
			    "broken");
	assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "host")), "h1");
	json_decref(a);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_finish_is_compare_and_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_leases, setup, teardown),
		cmocka_unit_test(test_liveness),
		cmocka_unit_test_setup_teardown(test_locked_writes_fail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locked_writes_wait, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_errors_are_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_artifact_exact_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_only_create_creates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_migrations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_migrations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gate_records, setup, teardown),
	};
	const char *src = getenv("PVCI_SRCDIR");
	struct db *db;

	if (argc == 3 && !strcmp(argv[1], "--create")) {
		db = db_open_mode(argv[2], DB_CREATE);
		db_close(db);
		return db ? 0 : 1;
	}

	/* The schema and migrations of this source tree. */
	setenv("PVCI_DATADIR", src && *src ? src : ".", 0);
	return cmocka_run_group_tests_name("db", tests, NULL, NULL);
}
