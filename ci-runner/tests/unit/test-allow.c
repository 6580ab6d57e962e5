/* Allow files: the parser (outside input) and matching with expiry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "allow.h"

static long
day(const char *s)
{
	return allow_parse_date(s, strlen(s));
}

static void
test_dates(void **state)
{
	static const struct { const char *s; int ok; } cases[] = {
		{ "1970-01-01", 1 }, { "2026-11-25", 1 }, { "2024-02-29", 1 },
		{ "2000-02-29", 1 }, { "2100-02-29", 0 }, { "2023-02-29", 0 },
		{ "2026-13-01", 0 }, { "2026-00-10", 0 }, { "2026-04-31", 0 },
		{ "2026-4-30", 0 }, { "26-04-30", 0 }, { "2026/04/30", 0 },
		{ "2026-04-3x", 0 }, { "", 0 }, { "1969-12-31", 0 }, { "2026-04-300", 0 },
	};
	char out[11];
	size_t i;

	(void)state;
	assert_int_equal(day("1970-01-01"), 0);
	assert_int_equal(day("1970-01-02"), 1);
	assert_int_equal(day("2000-03-01") - day("2000-02-28"), 2);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long d = day(cases[i].s);

		print_message("# %s\n", cases[i].s);
		assert_int_equal(d >= 0, cases[i].ok);
		if (d >= 0) {
			allow_format_date(d, out);
			assert_string_equal(out, cases[i].s);
		}
	}
}

/* Parses text; returns 0 or -1 and leaves l filled. */
static int
parse(struct allow_list *l, const char *text)
{
	memset(l, 0, sizeof(*l));
	return allow_parse(l, "allow.txt", text, strlen(text));
}

static void
test_parse_good(void **state)
{
	struct allow_list l;

	(void)state;
	assert_int_equal(parse(&l,
		"# a comment\n"
		"\n"
		"   \n"
		"win-* storage until=2030-01-31 reason=\"XSA-999 fix pending\"\n"
		"build\tuntil=2030-01-01   reason=\"flaky signing server\"  \n"
		"!win-2022 storage\n"
		"win-2019 reason=\"order free\" until=2030-02-01"), 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.entries[0].job, "win-*");
	assert_string_equal(l.entries[0].step, "storage");
	assert_string_equal(l.entries[0].reason, "XSA-999 fix pending");
	assert_int_equal(l.entries[0].until, day("2030-01-31"));
	assert_int_equal(l.entries[0].line, 4);
	assert_null(l.entries[1].step);
	assert_int_equal(l.entries[1].line, 5);
	assert_int_equal(l.entries[2].negate, 1);
	assert_null(l.entries[2].reason);
	assert_int_equal(l.entries[3].until, day("2030-02-01"));
	allow_release(&l);
	allow_release(NULL);
}

static void
test_parse_refused(void **state)
{
	static const char *const bad[] = {
		"job step reason=\"no date\"\n",
		"job until=2030-02-30 reason=\"bad day\"\n",
		"job until= reason=\"empty date\"\n",
		"job until=2030-01-01\n",
		"job until=2030-01-01 reason=\"\"\n",
		"job until=2030-01-01 reason=\"unterminated\n",
		"job until=2030-01-01 reason=\"x\"trailing\n",
		"job until=2030-01-01 until=2030-01-02 reason=\"x\"\n",
		"job step extra until=2030-01-01 reason=\"x\"\n",
		"job until=2030-01-01 reason=\"x\" step\n",
		"until=2030-01-01 reason=\"no job\"\n",
		"!\n",
		"jo\"b until=2030-01-01 reason=\"x\"\n",
		"job unti=2030-01-01 reason=\"x\"\n",
	};
	struct allow_list l;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("# %s", bad[i]);
		assert_int_equal(parse(&l, bad[i]), -1);
		allow_release(&l);
	}
}

static void
test_parse_bounds(void **state)
{
	struct allow_list l;
	char *big;
	const char nul[] = "job until=2030-01-01 reason=\"x\0\"\n";

	(void)state;
	big = malloc(ALLOW_MAX_LINE + 2);
	memset(big, 'j', ALLOW_MAX_LINE + 1);
	big[ALLOW_MAX_LINE + 1] = '\0';
	assert_int_equal(parse(&l, big), -1);
	allow_release(&l);
	free(big);
	memset(&l, 0, sizeof(l));
	assert_int_equal(allow_parse(&l, "allow.txt", nul, sizeof(nul) - 1), -1);
	allow_release(&l);
}

static void
test_match(void **state)
{
	struct allow_list l;
	const struct allow_entry *e, *expired;
	long today = day("2026-11-25");

	(void)state;
	assert_int_equal(parse(&l,
		"win-* storage until=2026-11-25 reason=\"today is the last day\"\n"
		"!win-2022 *\n"
		"old-* until=2026-11-24 reason=\"yesterday\"\n"
		"any-job until=2030-01-01 reason=\"all steps\"\n"), 0);
	e = allow_match(&l, "win-2019", "storage", today, &expired);
	assert_non_null(e);
	assert_int_equal(e->line, 1);
	assert_null(expired);
	/* Not the next day. */
	e = allow_match(&l, "win-2019", "storage", today + 1, &expired);
	assert_null(e);
	assert_non_null(expired);
	assert_int_equal(expired->line, 1);
	/* A '!' entry below takes it back. */
	assert_null(allow_match(&l, "win-2022", "storage", today, &expired));
	assert_null(expired);
	assert_null(allow_match(&l, "win-2019", "network", today, NULL));
	assert_null(allow_match(&l, "old-x", "a", today, &expired));
	assert_non_null(expired);
	assert_int_equal(expired->line, 3);
	assert_non_null(allow_match(&l, "any-job", "whatever", today, NULL));
	allow_release(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_parse_bounds),
		cmocka_unit_test(test_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
