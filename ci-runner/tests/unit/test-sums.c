/* Unit tests of SHA256SUMS parsing, writing and CMS signing (sums.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "keys.h"
#include "sums.h"
#include "util.h"

#define H64 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static void
test_names(void **state)
{
	static const struct { const char *name; int ok; } cases[] = {
		{ "xenbus.sys", 1 }, { "sub/dir/x.inf", 1 }, { "a..b", 1 },
		{ "", 0 }, { "/etc/passwd", 0 }, { "../x", 0 }, { "a/../b", 0 },
		{ "./x", 0 }, { "a//b", 0 }, { "a/", 0 }, { "a\\b", 0 }, { "a\nb", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(sums_name_is_valid(cases[i].name), cases[i].ok);
}

static void
test_parse_good(void **state)
{
	const char *text = H64 "  a.sys\n" H64 " *b.inf\n";
	struct sums s;

	(void)state;
	assert_int_equal(sums_parse(&s, text, strlen(text), "t"), 0);
	assert_int_equal(s.count, 2);
	assert_string_equal(s.entries[1].name, "b.inf");
	assert_non_null(sums_find(&s, "a.sys"));
	assert_string_equal(sums_find(&s, "a.sys")->hex, H64);
	assert_null(sums_find(&s, "c"));
	sums_release(&s);
}

static void
test_parse_bad(void **state)
{
	static const char *const bad[] = {
		H64 " a.sys\n",				/* one space */
		"E3B0" H64 "  a.sys\n",			/* too long / upper case */
		H64 "  \n",				/* no name */
		H64 "  a\n" H64 "  a\n",		/* twice */
		H64 "  ../a\n",				/* escapes */
		"garbage\n",
		H64 "  a\n\n",				/* empty line */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sums s;

		assert_int_equal(sums_parse(&s, bad[i], strlen(bad[i]), "t"), -1);
		assert_int_equal(s.count, 0);
	}
}

static void
test_write_sign_verify(void **state)
{
	char dir[] = "/tmp/pvci-test-sums.XXXXXX";
	struct keys_paths kp;
	const char *names[] = { "z.txt", "a.txt" };
	char *p, *text, *why = NULL, *sums, *sig;
	size_t len;
	struct sums s;

	(void)state;
	assert_non_null(mkdtemp(dir));
	memset(&kp, 0, sizeof(kp));
	kp.ca = path_join(dir, "ca.pem");
	kp.ca_key = path_join(dir, "ca.key");
	kp.cert = path_join(dir, "cs.pem");
	kp.key = path_join(dir, "cs.key");
	kp.chain = path_join(dir, "chain.pem");
	assert_int_equal(keys_create(&kp, 2, 0), 0);

	p = path_join(dir, "a.txt");
	assert_int_equal(write_file_atomic(p, "", 0, 0644), 0);
	free(p);
	p = path_join(dir, "z.txt");
	assert_int_equal(write_file_atomic(p, "z\n", 2, 0644), 0);
	free(p);
	assert_int_equal(sums_write(dir, names, 2), 0);
	sums = path_join(dir, "SHA256SUMS");
	sig = path_join(dir, "SHA256SUMS.p7s");
	text = read_file(sums, 4096, &len);
	assert_non_null(text);
	/* Sorted, sha256sum's format. */
	assert_int_equal(strncmp(text, H64 "  a.txt\n", 72), 0);
	assert_int_equal(sums_parse(&s, text, len, sums), 0);
	assert_int_equal(s.count, 2);
	sums_release(&s);
	free(text);

	assert_int_equal(sums_sign(sums, kp.cert, kp.key, kp.chain, sig), 0);
	assert_int_equal(sums_verify(sums, sig, kp.ca, &why), 0);
	assert_null(why);
	/* Any change to the manifest breaks the signature. */
	assert_int_equal(write_file_atomic(sums, "x", 1, 0644), 0);
	assert_int_equal(sums_verify(sums, sig, kp.ca, &why), 1);
	assert_non_null(why);
	free(why);

	/* The certificate expires within 14 days: refused, named. */
	assert_int_equal(keys_check_validity(kp.cert, 14, now_seconds(), &why), 1);
	assert_non_null(strstr(why, "certificate 'CN=pvci test code signing,O=pvci' expires on "));
	assert_non_null(strstr(why, "within 14 days: refusing to sign"));
	free(why);
	assert_int_equal(keys_check_validity(kp.cert, 1, now_seconds(), &why), 0);

	free(sums);
	free(sig);
	remove_tree(dir);
	keys_paths_release(&kp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_write_sign_verify),
	};

	return cmocka_run_group_tests_name("sums", tests, NULL, NULL);
}
