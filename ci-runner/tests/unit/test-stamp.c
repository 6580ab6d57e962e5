/* Unit tests of version and INF DriverVer stamping (stamp.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stamp.h"

static void
test_parse_version(void **state)
{
	static const struct { const char *text; int ok; unsigned int a, b, c; } cases[] = {
		{ "9.1.0", 1, 9, 1, 0 },
		{ "0.0.0", 1, 0, 0, 0 },
		{ "65535.1.2", 1, 65535, 1, 2 },
		{ "65536.1.2", 0, 0, 0, 0 },
		{ "9.1", 0, 0, 0, 0 },
		{ "9.1.0.4", 0, 0, 0, 0 },
		{ "9.-1.0", 0, 0, 0, 0 },
		{ "9.1.x", 0, 0, 0, 0 },
		{ "", 0, 0, 0, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct stamp_version v = { 0, 0, 0, 7 };
		int rc = stamp_parse_version(cases[i].text, &v);

		assert_int_equal(rc, cases[i].ok ? 0 : -1);
		if (cases[i].ok) {
			char *s;

			assert_int_equal(v.major, cases[i].a);
			assert_int_equal(v.minor, cases[i].b);
			assert_int_equal(v.micro, cases[i].c);
			s = stamp_version_string(&v);
			assert_non_null(strstr(s, ".7"));
			free(s);
		}
	}
}

static void
test_inf_date(void **state)
{
	char buf[16];

	(void)state;
	assert_int_equal(stamp_inf_date(1709632800LL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "03/05/2024");
	assert_int_equal(stamp_inf_date(0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "01/01/1970");
}

static void
check_stamp(const char *in, const char *want)
{
	size_t len;
	char *out = stamp_inf_text(in, strlen(in), "03/05/2024", "9.1.0.12", &len);

	assert_non_null(out);
	assert_int_equal(len, strlen(want));
	assert_string_equal(out, want);
	free(out);
}

static void
test_inf_stamp(void **state)
{
	(void)state;
	/* Replaced in place, the rest untouched. */
	check_stamp("[Version]\nSignature=\"$WINDOWS NT$\"\nDriverVer=01/01/1970,0.0.0.0\n\n[Strings]\nA=1\n",
		    "[Version]\nSignature=\"$WINDOWS NT$\"\nDriverVer=03/05/2024,9.1.0.12\n\n[Strings]\nA=1\n");
	/* CRLF kept, key case and spaces around '=' tolerated, indentation kept. */
	check_stamp("[version]\r\n  driverver = 1/1/2000,1.2.3.4\r\n[X]\r\n",
		    "[version]\r\n  DriverVer=03/05/2024,9.1.0.12\r\n[X]\r\n");
	/* No DriverVer: added at the end of [Version]. */
	check_stamp("[Version]\nClass=System\n[Strings]\n",
		    "[Version]\nClass=System\nDriverVer=03/05/2024,9.1.0.12\n[Strings]\n");
	/* [Version] last, without a final newline. */
	check_stamp("[Version]\nClass=System",
		    "[Version]\nClass=System\nDriverVer=03/05/2024,9.1.0.12\n");
	/* A DriverVer outside [Version] is not ours to touch. */
	check_stamp("[Version]\nDriverVer=x\n[Other]\nDriverVer=y\n",
		    "[Version]\nDriverVer=03/05/2024,9.1.0.12\n[Other]\nDriverVer=y\n");
	/* DriverVerX is another key. */
	check_stamp("[Version]\nDriverVerX=1\n",
		    "[Version]\nDriverVerX=1\nDriverVer=03/05/2024,9.1.0.12\n");
}

static void
test_inf_no_version(void **state)
{
	size_t len;

	(void)state;
	assert_null(stamp_inf_text("[Strings]\nA=1\n", 14, "d", "v", &len));
}

static void
test_is_revision(void **state)
{
	(void)state;
	assert_true(stamp_is_revision("0123456789abcdef0123456789abcdef01234567"));
	assert_true(stamp_is_revision("abcd"));
	assert_false(stamp_is_revision("abc"));
	assert_false(stamp_is_revision("ABCDEF"));
	assert_false(stamp_is_revision("-abcdef"));
	assert_false(stamp_is_revision("master"));
	assert_false(stamp_is_revision(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_version),
		cmocka_unit_test(test_inf_date),
		cmocka_unit_test(test_inf_stamp),
		cmocka_unit_test(test_inf_no_version),
		cmocka_unit_test(test_is_revision),
	};

	return cmocka_run_group_tests_name("stamp", tests, NULL, NULL);
}
