/*
 * pvci publish to a file:// target: what is sent, what the manifest
 * makes skipped, a manifest that is not pvci's, and the targets and
 * credentials refused before anything is sent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "db.h"
#include "publish.h"
#include "util.h"

struct fixture {
	char dir[64];
	char *site, *url, *staging;
	struct db *db;
	struct publish_opts o;
};

static int
setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	char *path, *logs;

	snprintf(f->dir, sizeof(f->dir), "/tmp/pvci-test-publish.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	path = path_join(f->dir, "results.db");
	f->db = db_open_mode(path, DB_CREATE);
	assert_non_null(f->db);
	free(path);
	assert_int_equal(db_flight_insert(f->db, "trunk", "real", "t"), 1);
	assert_int_equal(db_job_insert(f->db, 1, "build", 0), 0);
	assert_int_equal(db_job_insert(f->db, 1, "test", 1), 0);
	logs = xasprintf("%s/logs/1/build", f->dir);
	assert_int_equal(mkdir_p(logs, 0755), 0);
	path = path_join(logs, "01.a.log");
	assert_int_equal(write_file_atomic(path, "log\n", 4, 0644), 0);
	free(path);
	free(logs);
	f->site = path_join(f->dir, "site");
	f->url = xasprintf("file://%s", f->site);
	f->staging = path_join(f->dir, "staging");
	f->o.home = f->dir;
	f->o.url = f->url;
	f->o.staging = f->staging;
	f->o.tries = 1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	db_close(f->db);
	remove_tree(f->dir);
	free(f->site);
	free(f->url);
	free(f->staging);
	free(f);
	return 0;
}

static void
test_second_publish_sends_nothing(void **state)
{
	struct fixture *f = *state;
	struct publish_stats st;
	char *m, *text;
	json_t *j;
	int n;

	assert_int_equal(publish_flight(f->db, 1, &f->o, &st), 0);
	n = st.uploaded;
	/* flight, 2 jobs, 2 histories, trends, regressions, a log, index, badge */
	assert_int_equal(n, 10);
	assert_int_equal(st.unchanged, 0);
	assert_int_equal(publish_flight(f->db, 1, &f->o, &st), 0);
	assert_int_equal(st.uploaded, 0);
	assert_int_equal(st.unchanged, n);

	/* One hash that differs: that file alone is sent again. */
	m = path_join(f->site, ".pvci-manifest");
	j = json_load_file(m, 0, NULL);
	assert_non_null(j);
	assert_non_null(json_object_get(json_object_get(j, "files"), "logs/1/build/01.a.log"));
	json_object_set_new(json_object_get(j, "files"), "logs/1/build/01.a.log", json_string("0"));
	assert_int_equal(json_dump_file(j, m, 0), 0);
	json_decref(j);
	assert_int_equal(publish_flight(f->db, 1, &f->o, &st), 0);
	assert_int_equal(st.uploaded, 1);

	/* A manifest that is not pvci's: everything is sent, nothing refused. */
	assert_int_equal(write_file_atomic(m, "[1]", 3, 0644), 0);
	assert_int_equal(publish_flight(f->db, 1, &f->o, &st), 0);
	assert_int_equal(st.uploaded, n);
	text = read_file(m, 1 << 20, NULL);
	assert_non_null(strstr(text, "\"files\""));
	free(text);
	free(m);
}

static void
test_refused_before_sending(void **state)
{
	struct fixture *f = *state;
	struct publish_stats st;
	char *creds = path_join(f->dir, "cred.json");
	char *index = path_join(f->site, "index.html");

	f->o.url = "https://user:pw@127.0.0.1:1/x";
	assert_int_equal(publish_flight(f->db, 1, &f->o, &st), -1);
	f->o.url = "sftp://127.0.0.1:1/x";
	assert_int_equal(publish_flight(f->db, 1, &f->o, &st), -1);
	f->o.url = "ftp://127.0.0.1/x";
	assert_int_equal(publish_flight(f->db, 1, &f->o, &st), -1);
	f->o.url = "file://relative";
	assert_int_equal(publish_flight(f->db, 1, &f->o, &st), -1);
	assert_int_equal(write_file_atomic(creds, "{\"password\": \"x\"}", 17, 0644), 0);
	f->o.url = "https://127.0.0.1:1/x";
	f->o.credentials_file = creds;
	assert_int_equal(publish_flight(f->db, 1, &f->o, &st), -1);
	assert_int_equal(publish_flight(f->db, 2, &f->o, &st), -1);	/* no flight 2 */
	assert_int_equal(st.uploaded, 0);
	assert_false(file_exists(index));
	free(creds);
	free(index);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_second_publish_sends_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_before_sending, setup, teardown),
	};
	const char *src = getenv("PVCI_SRCDIR");

	setenv("PVCI_DATADIR", src && *src ? src : ".", 0);
	return cmocka_run_group_tests_name("publish", tests, NULL, NULL);
}
