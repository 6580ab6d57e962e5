/* Names, numbers, paths, files. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "util.h"

static void
test_names(void **state)
{
	static const char *const good[] = { "a", "build-x64-xenbus", "ws2022.1", "A_b-9" };
	static const char *const bad[] = { "", ".", "..", "-x", "a/b", "a b", "a;b", "é", "a\n" };
	char longname[NAME_MAX_LEN + 2];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(name_is_valid(good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(name_is_valid(bad[i]));
	assert_false(name_is_valid(NULL));
	memset(longname, 'a', sizeof(longname));
	longname[NAME_MAX_LEN + 1] = '\0';
	assert_false(name_is_valid(longname));
	longname[NAME_MAX_LEN] = '\0';
	assert_true(name_is_valid(longname));
}

static void
test_numbers(void **state)
{
	long n;

	(void)state;
	assert_int_equal(parse_long("42", &n), 0);
	assert_int_equal(n, 42);
	assert_int_equal(parse_long("", &n), -1);
	assert_int_equal(parse_long("4x", &n), -1);
	assert_int_equal(parse_long("99999999999999999999999", &n), -1);
}

static void
test_paths_and_buffers(void **state)
{
	struct strbuf sb;
	char *p;

	(void)state;
	p = path_join("/a/", "b");
	assert_string_equal(p, "/a/b");
	free(p);
	p = path_join("/a", "b");
	assert_string_equal(p, "/a/b");
	free(p);
	strbuf_init(&sb);
	for (int i = 0; i < 1000; i++)
		strbuf_addf(&sb, "%d,", i);
	assert_int_equal(strncmp(sb.buf, "0,1,2,", 6), 0);
	assert_int_equal(sb.len, strlen(sb.buf));
	strbuf_release(&sb);
	assert_true(glob_match("build-*", "build-x64"));
	assert_false(glob_match("build-*", "test-x64"));
}

/*
 * A symlink planted where write_file_atomic used to put its temporary file
 * (PATH.tmp.PID) is not followed: the file it points at keeps its content,
 * PATH becomes a regular file, and no temporary file is left behind.
 */
static void
test_write_file_atomic(void **state)
{
	char dir[] = "/tmp/pvci-test-util.XXXXXX";
	char *path, *victim, *trap, *text;
	struct stat sb;
	struct dirent *de;
	DIR *d;
	int entries = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	path = path_join(dir, "config.json");
	victim = path_join(dir, "victim");
	trap = xasprintf("%s.tmp.%ld", path, (long)getpid());
	assert_int_equal(write_file_atomic(victim, "precious\n", 9, 0644), 0);
	assert_int_equal(symlink(victim, trap), 0);

	assert_int_equal(write_file_atomic(path, "new\n", 4, 0644), 0);
	text = read_file(victim, 100, NULL);
	assert_string_equal(text, "precious\n");
	free(text);
	assert_int_equal(lstat(path, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	text = read_file(path, 100, NULL);
	assert_string_equal(text, "new\n");
	free(text);
	/* Again over an existing file: replaced, same mode. */
	assert_int_equal(write_file_atomic(path, "newer\n", 6, 0600), 0);
	text = read_file(path, 100, NULL);
	assert_string_equal(text, "newer\n");
	free(text);

	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			entries++;
	closedir(d);
	assert_int_equal(entries, 3);	/* config.json, victim, the planted link */

	unlink(trap);
	unlink(victim);
	unlink(path);
	rmdir(dir);
	free(trap);
	free(victim);
	free(path);
}

static void
test_redact(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "https://user:pass@example.org/repo.git", "https://user:***@example.org/repo.git" },
		{ "https://TOKEN@example.org/r", "https://***@example.org/r" },
		{ "http://u:p@h", "http://u:***@h" },
		{ "ssh://git@example.org/r.git", "ssh://git@example.org/r.git" },
		{ "git+https://a:b@h/x", "git+https://a:***@h/x" },
		{ "https://example.org/a@b", "https://example.org/a@b" },
		{ "https://u:p:q@h/x", "https://u:***@h/x" },
		{ "https://u:p@x@h/y", "https://u:***@h/y" },
		{ "/srv/git/repo", "/srv/git/repo" },
		{ "", "" },
		{ "run: git clone -- https://me:secret@h/r.git dir", "run: git clone -- https://me:***@h/r.git dir" },
		{ "two https://a:1@h and https://b:2@k/", "two https://a:***@h and https://b:***@k/" },
		{ "{\"tree_x\": \"https://u:pw@h\"}", "{\"tree_x\": \"https://u:***@h\"}" },
		{ "pkcs11:token=t;object=k?pin-value=1234", "pkcs11:token=t;object=k?pin-value=***" },
		{ "pkcs11:object=k?pin-value=1234&module-path=/m.so", "pkcs11:object=k?pin-value=***&module-path=/m.so" },
		{ "pkcs11:object=k;PIN-VALUE=99", "pkcs11:object=k;PIN-VALUE=***" },
		{ "pkcs11:object=k?pin-source=file:/p", "pkcs11:object=k?pin-source=file:/p" },
		{ "key pkcs11:o=k?pin-value=1 url https://a:b@h", "key pkcs11:o=k?pin-value=*** url https://a:***@h" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *r = redact_secrets(cases[i].in);

		if (strcmp(r, cases[i].out))
			fail_msg("redact '%s': got '%s', want '%s'", cases[i].in, r, cases[i].out);
		assert_int_equal(secrets_present(cases[i].in), strcmp(cases[i].in, cases[i].out) != 0);
		free(r);
	}
}

static void
test_path_absolute(void **state)
{
	char *cwd = getcwd(NULL, 0), *p, *want;

	(void)state;
	p = path_absolute("/a/b");
	assert_string_equal(p, "/a/b");
	free(p);
	p = path_absolute("x/y");
	want = path_join(cwd, "x/y");
	assert_string_equal(p, want);
	free(p);
	free(want);
	free(cwd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_paths_and_buffers),
		cmocka_unit_test(test_write_file_atomic),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_path_absolute),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
