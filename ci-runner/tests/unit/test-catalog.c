/* Unit tests of the package catalog (catalog.c) and the signer's names (signer.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "catalog.h"
#include "signer.h"

#define H1 "1111111111111111111111111111111111111111111111111111111111111111"
#define H2 "2222222222222222222222222222222222222222222222222222222222222222"

static void
test_text_sorted(void **state)
{
	struct catalog_entry e[2];
	size_t len;
	char *text;

	(void)state;
	memset(e, 0, sizeof(e));
	e[0].name = "x.sys";
	e[0].size = 10;
	snprintf(e[0].sha256, sizeof(e[0].sha256), "%s", H1);
	snprintf(e[0].authenticode, sizeof(e[0].authenticode), "%s", H2);
	e[1].name = "a.inf";
	e[1].size = 3;
	snprintf(e[1].sha256, sizeof(e[1].sha256), "%s", H2);
	text = catalog_text(e, 2, &len);
	assert_string_equal(text, "file,size,sha256,authenticode\n"
			    "a.inf,3," H2 ",\n"
			    "x.sys,10," H1 "," H2 "\n");
	assert_int_equal(len, strlen(text));
	free(text);
}

static void
test_text_empty(void **state)
{
	size_t len;
	char *text = catalog_text(NULL, 0, &len);

	(void)state;
	assert_string_equal(text, "file,size,sha256,authenticode\n");
	free(text);
}

static void
test_skips(void **state)
{
	(void)state;
	assert_true(catalog_skips("SHA256SUMS"));
	assert_true(catalog_skips("SHA256SUMS.p7s"));
	assert_true(catalog_skips("pvcifix-9.1.0.1.tar"));
	assert_false(catalog_skips("pvcifix.sys"));
	assert_false(catalog_skips("ca.pem"));
}

static void
test_signable_names(void **state)
{
	static const struct { const char *name; int ok; } cases[] = {
		{ "xenbus.sys", 1 }, { "x.DLL", 1 }, { "setup.exe", 1 }, { "x.cat", 1 },
		{ "x.msi", 1 }, { "x.inf", 0 }, { "x.pdb", 0 }, { "../x.sys", 0 },
		{ "a/x.sys", 0 }, { "", 0 }, { ".sys", 0 }, { "x.sys.txt", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(signer_name_is_signable(cases[i].name), cases[i].ok);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_sorted),
		cmocka_unit_test(test_text_empty),
		cmocka_unit_test(test_skips),
		cmocka_unit_test(test_signable_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
