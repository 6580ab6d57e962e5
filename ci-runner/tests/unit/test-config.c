/* The config: defaults, strict keys and types, the default file round-trips. */
#include <setjmp.h>
#include <fcntl.h>
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
	{ "{\"guest\": {}}", 1 },
	/* The one string setting whose empty value means something (no domain log). */
	{ "{\"toolstack\": {\"log_dir\": \"\"}}", 1 },
	{ "{\"guest\": {\"name_prefix\": \"\"}}", 0 },
	{ "{\"toolstack\": \"libvirt\"}", 0 },
	{ "[1]", 0 },
	{ "{", 0 },
	{ "{\"guest\": {\"vcpus\": 1, \"vcpus\": 2}}", 0 },
};

/* Refused files, and the reason the error must give (key and why). */
static const struct {
	const char *text;
	const char *why;
} refused[] = {
	{ "{\"nosection\": {}}", "unknown section 'nosection'" },
	{ "{\"guest\": {\"memory_mib\": {}}}", "setting 'guest.memory_mib' must be a whole number" },
	{ "{\"guest\": {\"memory_mib\": -512}}",
	  "setting 'guest.memory_mib' must be between 64 and 1048576, not -512" },
	{ "{\"guest\": {\"vcpus\": 0}}", "setting 'guest.vcpus' must be between 1 and 512, not 0" },
	{ "{\"network\": {\"iperf3_port\": 70000}}",
	  "setting 'network.iperf3_port' must be between 1 and 65535, not 70000" },
	{ "{\"signing\": {\"validity_days\": -1}}",
	  "setting 'signing.validity_days' must be between 1 and 36500, not -1" },
	{ "{\"signing\": {\"min_validity_days\": -3}}",
	  "setting 'signing.min_validity_days' must be between 0 and 36500, not -3" },
	{ "{\"guest\": {\"boot_timeout\": 0}}", "setting 'guest.boot_timeout' must be between 1" },
	{ "{\"build\": {\"timeout\": -5}}", "setting 'build.timeout' must be between 1" },
	{ "{\"signing\": {\"cert\": null}}",
	  "setting 'signing.cert' is required and cannot be null" },
	{ "{\"toolstack\": {\"uri\": null}}", "setting 'toolstack.uri' is required and cannot be null" },
	{ "{\"signing\": {\"ca\": \"\"}}", "setting 'signing.ca' is required and must not be empty" },
	{ "{\"guest\": {\"vcpus\": null}}", "setting 'guest.vcpus' must be a whole number" },
	{ "{\"toolstack\": {\"backend\": \"vmware\"}}",
	  "setting 'toolstack.backend' must be one of libvirt|xl, not 'vmware'" },
	{ "{\"build\": {\"executor\": \"cloud\"}}", "setting 'build.executor' must be one of local|guest" },
};

/* config_load(text), with what it reports on stderr in *err. */
static struct config *
load_catching(const char *text, char **err)
{
	char *path = write_temp(text), *errpath = write_temp("");
	int fd = open(errpath, O_WRONLY), saved = dup(2);
	struct config *cfg;

	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(fd, 2);
	cfg = config_load(path);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	*err = read_file(errpath, 1 << 16, NULL);
	assert_non_null(*err);
	unlink(path);
	unlink(errpath);
	free(path);
	free(errpath);
	return cfg;
}

static void
test_refused_with_reason(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		char *err;
		struct config *cfg = load_catching(refused[i].text, &err);

		if (cfg)
			fail_msg("config '%s': accepted", refused[i].text);
		if (!strstr(err, refused[i].why))
			fail_msg("config '%s': said '%s', not '%s'", refused[i].text, err,
				 refused[i].why);
		free(err);
	}
}

static void
test_ranges_on_set(void **state)
{
	struct config *cfg = config_defaults();

	(void)state;
	assert_int_equal(config_set(cfg, "guest.memory_mib", "-1"), -1);
	assert_int_equal(config_set(cfg, "guest.vcpus", "0"), -1);
	assert_int_equal(config_set(cfg, "network.iperf3_port", "65535"), 0);
	assert_int_equal(config_set(cfg, "network.iperf3_port", "65536"), -1);
	assert_int_equal(config_set(cfg, "signing.cert", ""), -1);
	/* Optional settings may still be null. */
	assert_null(config_str(cfg, "signing.pkcs11_module"));
	config_free(cfg);
}

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

/* config_parse takes text (with NULs, unterminated) and refuses as config_load does. */
static void
test_parse_text(void **state)
{
	const char good[] = "{ \"guest\": { \"memory_mib\": 768 } }XYZ";
	const char nul[] = "{ \"guest\": \0 }";
	const char *text;
	struct config *cfg;

	(void)state;
	cfg = config_parse(good, sizeof(good) - 4, "text");
	assert_non_null(cfg);
	assert_int_equal(config_int(cfg, "guest.memory_mib"), 768);
	config_free(cfg);
	assert_null(config_parse(good, sizeof(good) - 1, "text"));
	assert_null(config_parse(nul, sizeof(nul) - 1, "text"));
	assert_null(config_parse("[]", 2, "text"));
	text = "{ \"guest\": { \"colour\": 1 } }";
	assert_null(config_parse(text, strlen(text), "text"));
	text = "{ \"guest\": { \"vcpus\": 1, \"vcpus\": 1 } }";
	assert_null(config_parse(text, strlen(text), "text"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_default_text_loads_back),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_refused_with_reason),
		cmocka_unit_test(test_ranges_on_set),
		cmocka_unit_test(test_parse_text),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
