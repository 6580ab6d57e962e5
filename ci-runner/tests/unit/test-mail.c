/* The flight email: subjects case by case, headers, recipients, credentials. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "mail-send.h"
#include "mail.h"
#include "util.h"

struct subject_case {
	const char *verdict;
	int all_fail;
	int pushed;
	const char *subject;
};

static const struct subject_case subjects[] = {
	{ "regressions - FAIL", 0, 0, "[trunk test] 42: regressions - FAIL" },
	{ "all pass", 0, 0, "[trunk test] 42: all pass" },
	{ "all pass", 0, 1, "[trunk test] 42: all pass - PUSHED" },
	{ "tolerable FAIL", 0, 0, "[trunk test] 42: tolerable FAIL" },
	{ "tolerable FAIL", 0, 1, "[trunk test] 42: tolerable FAIL - PUSHED" },
	{ "regressions - FAIL", 1, 0, "[trunk test] 42: ALL FAIL" },
	{ "tolerable FAIL", 1, 0, "[trunk test] 42: ALL FAIL" },
	{ "trouble: broken", 0, 0, "[trunk test] 42: trouble: broken" },
	/* Broken everywhere is trouble, not a driver failing. */
	{ "trouble: broken", 1, 0, "[trunk test] 42: trouble: broken" },
	{ "unfinished", 0, 0, "[trunk test] 42: unfinished" },
};

static void
test_subjects(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++) {
		struct mail_message m = { .branch = "trunk", .flight = 42,
					  .verdict = subjects[i].verdict,
					  .all_fail = subjects[i].all_fail,
					  .pushed = subjects[i].pushed };
		char *s = mail_subject(&m);

		assert_string_equal(s, subjects[i].subject);
		free(s);
	}
}

static void
test_compose(void **state)
{
	static const char *const to[] = { "a@example.org", "b@example.org" };
	static const struct mail_failure fails[] = {
		{ "test", "b", "fail", "REGR. vs. 7" },
		/* A line end in a note must not start a header of its own. */
		{ "win", "boot", "broken", "broken\nBcc: evil@example.org" },
	};
	static const struct mail_rev this_revs[] = { { "drivers", "abc" }, { "xen", "def" } };
	static const struct mail_rev that_revs[] = { { "drivers", "123" } };
	struct mail_message m = {
		.branch = "trunk", .flight = 8, .verdict = "regressions - FAIL",
		.from = "pvci@example.org", .to = to, .nto = 2, .date = 0,
		.message_id = "pvci.8@example.org", .failures = fails, .nfailures = 2,
		.this_revs = this_revs, .nthis = 2, .that_revs = that_revs, .nthat = 1,
		.body = "flight 8 trunk real\r\n\nRegressions :-(",
	};
	char *msg;

	(void)state;
	msg = mail_compose(&m);
	assert_string_equal(msg,
		"From: pvci@example.org\n"
		"To: a@example.org,\n b@example.org\n"
		"Date: Thu, 01 Jan 1970 00:00:00 +0000\n"
		"Message-ID: <pvci.8@example.org>\n"
		"Subject: [trunk test] 8: regressions - FAIL\n"
		"MIME-Version: 1.0\n"
		"Content-Type: text/plain; charset=utf-8\n"
		"Content-Transfer-Encoding: 8bit\n"
		"X-Pvci-Failures: trunk:test:b:fail:REGR. vs. 7\n"
		"X-Pvci-Failures: trunk:win:boot:broken:broken Bcc: evil@example.org\n"
		"X-Pvci-Versions-This: drivers=abc xen=def\n"
		"X-Pvci-Versions-That: drivers=123\n"
		"\n"
		"flight 8 trunk real\n\nRegressions :-(\n");
	free(msg);
}

static void
test_date(void **state)
{
	char buf[40];

	(void)state;
	mail_date(1795635121L, buf);
	assert_string_equal(buf, "Wed, 25 Nov 2026 19:32:01 +0000");
}

struct rcpt_case {
	const char *setting;
	const char *branch;
	int rc;
	const char *want;	/* joined with ',' */
};

static const struct rcpt_case rcpts[] = {
	{ NULL, "trunk", 0, "" },
	{ "", "trunk", 0, "" },
	{ "a@x.org", "trunk", 0, "a@x.org" },
	{ " a@x.org , trunk=t@x.org,staging=s@x.org ,", "trunk", 0, "a@x.org,t@x.org" },
	{ "trunk=t@x.org, staging=s@x.org", "staging", 0, "s@x.org" },
	{ "trunk=t@x.org", "other", 0, "" },
	{ "not-an-address", "trunk", -1, NULL },
	{ "a@x.org\r\nRCPT TO:<b@y>", "trunk", -1, NULL },
	{ "<a@x.org>", "trunk", -1, NULL },
	{ "bad branch=a@x.org", "trunk", -1, NULL },
};

static void
test_recipients(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rcpts) / sizeof(rcpts[0]); i++) {
		struct strbuf sb;
		char **to = NULL;
		int n = 0, k, rc;

		rc = mail_recipients(rcpts[i].setting, rcpts[i].branch, &to, &n);
		assert_int_equal(rc, rcpts[i].rc);
		if (rc < 0)
			continue;
		strbuf_init(&sb);
		for (k = 0; k < n; k++)
			strbuf_addf(&sb, "%s%s", k ? "," : "", to[k]);
		assert_string_equal(sb.buf, rcpts[i].want);
		strbuf_release(&sb);
		mail_recipients_free(to, n);
	}
}

static void
test_credentials(void **state)
{
	char path[] = "/tmp/test-mail-XXXXXX";
	char *user = NULL, *password = NULL;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "me\nsecret\n", 10), 10);
	close(fd);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(mail_credentials_load(path, &user, &password), 0);
	assert_string_equal(user, "me");
	assert_string_equal(password, "secret");
	free(user);
	mail_secret_free(password);
	/* Group or others may read it: refused. */
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(mail_credentials_load(path, &user, &password), -1);
	assert_int_equal(chmod(path, 0604), 0);
	assert_int_equal(mail_credentials_load(path, &user, &password), -1);
	/* No password line. */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "me\n", 3), 3);
	close(fd);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(mail_credentials_load(path, &user, &password), -1);
	unlink(path);
}

static void
test_url_with_password(void **state)
{
	struct mail_settings s = { "smtp://me:secret@127.0.0.1:1", "a@x.org", 0, NULL, NULL };
	char *to[] = { (char *)"b@x.org" };

	(void)state;
	assert_int_equal(mail_send(&s, to, 1, "x\n"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subjects),
		cmocka_unit_test(test_compose),
		cmocka_unit_test(test_date),
		cmocka_unit_test(test_recipients),
		cmocka_unit_test(test_credentials),
		cmocka_unit_test(test_url_with_password),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
