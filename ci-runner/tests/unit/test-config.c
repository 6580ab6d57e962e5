/* The config: defaults, strict keys and types, the default file round-trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "util.h"

static char *
write_temp(const char *text)
{
	char *path = xstrdup("/tmp/pvci-test-config.XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void
test_defaults(void **state)
{
	struct config *cfg = config_defaults();

	(void)state;
	assert_string_equal(config_str(cfg, "toolstack.uri"), "qemu:///system");
	assert_int_equal(config_int(cfg, "signing.min_validity_days"), 14);
	assert_null(config_str(cfg, "signing.timestamp_url"));
	assert_int_equal(config_set(cfg, "guest.memory_mib", "768"), 0);
	assert_int_equal(config_int(cfg, "guest.memory_mib"), 768);
	assert_int_equal(config_set(cfg, "guest.memory_mib", "lots"), -1);
	assert_int_equal(config_set(cfg, "guest.colour", "blue"), -1);
	config_free(cfg);
}

static void
test_default_text_loads_back(void **state)
{
	char *text = config_default_text(), *path = write_temp(text);
	struct config *cfg = config_load(path);

	(void)state;
	assert_non_null(cfg);
	assert_string_equal(config_str(cfg, "toolstack.backend"), "libvirt");
	config_free(cfg);
	unlink(path);
	free(path);
	free(text);
}

static const struct {
	const char *text;
	int ok;
} files[] = {
	{ "{}", 1 },
	{ "{\"guest\": {\"memory_mib\": 1024}}", 1 },
	{ "{\"signing\": {\"timestamp_url\": null}}", 1 },
	{ "{\"guest\": {\"memory_mib\": \"1024\"}}", 0 },
	{ "{\"guest\": {\"colour\": 1}}", 0 },
	{ "{\"nosection\": {}}", 1 },	/* an empty object sets nothing */
	{ "{\"toolstack\": \"libvirt\"}", 0 },
	{ "[1]", 0 },
	{ "{", 0 },
	{ "{\"guest\": {\"vcpus\": 1, \"vcpus\": 2}}", 0 },
};

static void
test_files(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *path = write_temp(files[i].text);
		struct config *cfg = config_load(path);

		if ((cfg != NULL) != files[i].ok)
			fail_msg("config '%s': expected %s", files[i].text,
				 files[i].ok ? "accepted" : "refused");
		config_free(cfg);
		unlink(path);
		free(path);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_default_text_loads_back),
		cmocka_unit_test(test_files),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
