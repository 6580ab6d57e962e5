/* Names, numbers, paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_paths_and_buffers),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
