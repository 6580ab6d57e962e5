/*
 * The guest OS table: lookup by image kind, a clear error for a kind no
 * entry serves, every entry complete, and the wrappers' "not supported".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "guest-os.h"
#include "guest.h"
#include "log.h"
#include "util.h"

/* Runs a lookup with stderr in a file; returns what it printed (caller frees). */
static char *
lookup_stderr(const char *kind, const struct guest_os **os)
{
	char path[] = "/tmp/pvci-unit-guest-os.XXXXXX", *text;
	int fd = mkstemp(path), saved = dup(2);

	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(fd, 2);
	*os = guest_os_lookup(kind);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	text = read_file(path, 65536, NULL);
	unlink(path);
	assert_non_null(text);
	return text;
}

static void
test_lookup(void **state)
{
	const struct guest_os *os;
	char *err;

	(void)state;
	err = lookup_stderr("linux-testguest", &os);
	assert_ptr_equal(os, &guest_os_linux);
	assert_string_equal(os->name, "linux-testguest");
	assert_string_equal(err, "");
	free(err);
	/* An image registered without image.json has its name as its kind. */
	assert_ptr_equal(guest_os_lookup("testguest"), &guest_os_linux);
}

static void
test_unknown_kind(void **state)
{
	const struct guest_os *os = &guest_os_linux;
	char *err;

	(void)state;
	err = lookup_stderr("windows-2022", &os);
	assert_null(os);
	assert_non_null(strstr(err, "image kind 'windows-2022' is not a guest operating system "
				    "pvci knows (known kinds: linux-testguest, testguest)"));
	free(err);
	err = lookup_stderr("", &os);
	assert_null(os);
	assert_non_null(strstr(err, "image has no kind"));
	free(err);
	err = lookup_stderr(NULL, &os);
	assert_null(os);
	free(err);
}

/* Every entry is complete, its kinds are its own, its templates exist. */
static void
test_table(void **state)
{
	const struct guest_os *const *table;
	int n, i, j;

	(void)state;
	table = guest_os_table(&n);
	assert_true(n >= 1);
	for (i = 0; i < n; i++) {
		const struct guest_os *os = table[i];
		char *dir;

		assert_non_null(os->name);
		assert_non_null(os->kinds);
		assert_non_null(os->kinds[0]);
		for (j = 0; os->kinds[j]; j++)
			assert_ptr_equal(guest_os_lookup(os->kinds[j]), os);
		assert_non_null(os->scratch_disk);
		assert_non_null(os->tools_disk);
		assert_non_null(os->reboot_cmd);
		assert_non_null(os->shutdown_cmd);
		assert_non_null(os->identify_cmd);
		assert_non_null(os->kernel_log_cmd);
		assert_non_null(os->install_driver);
		assert_non_null(os->driver_versions);
		assert_non_null(os->driver_services);
		assert_non_null(os->storage_cmd);
		assert_non_null(os->net_client_cmd);
		dir = xasprintf("%s/guest-images/%s/domain.xml.in", getenv("PVCI_SRCDIR") ?
				getenv("PVCI_SRCDIR") : ".", os->template_dir);
		assert_int_equal(file_exists(dir), 1);
		free(dir);
	}
}

static void
test_linux_commands(void **state)
{
	char *cmd;

	(void)state;
	cmd = guest_os_storage_cmd(&guest_os_linux, "/dev/vda", "64M", 3);
	assert_non_null(strstr(cmd, "--filename=/dev/vda "));
	assert_non_null(strstr(cmd, "--size=64M "));
	assert_non_null(strstr(cmd, "--runtime=3 "));
	free(cmd);
	cmd = guest_os_net_client_cmd(&guest_os_linux, "10.0.2.2", 5201, 3, 1);
	assert_string_equal(cmd, "iperf3 -c 10.0.2.2 -p 5201 -J -t 3 -R");
	free(cmd);
	cmd = guest_os_net_client_cmd(&guest_os_linux, "10.0.2.2", 5202, 4, 0);
	assert_string_equal(cmd, "iperf3 -c 10.0.2.2 -p 5202 -J -t 4");
	free(cmd);
}

/* An entry without an operation: the wrappers say so instead of crashing. */
static void
test_unsupported(void **state)
{
	static const char *const kinds[] = { "bare", NULL };
	const struct guest_os bare = { .name = "bare", .kinds = kinds };
	struct guest g;
	char **list = (char **)&g;
	int released = 1;

	(void)state;
	memset(&g, 0, sizeof(g));
	g.os = &bare;
	assert_int_equal(guest_os_driver_versions(&g, 5, &list), -1);
	assert_null(list);
	assert_int_equal(guest_os_driver_services(&g, 5, &list), -1);
	assert_int_equal(guest_os_install_driver(&g, 5, &released), STEP_BROKEN);
	assert_int_equal(released, 0);
	assert_null(guest_os_storage_cmd(&bare, "/dev/vda", "1M", 1));
	assert_null(guest_os_net_client_cmd(NULL, "10.0.2.2", 1, 1, 0));
	guest_os_strings_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_unknown_kind),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_linux_commands),
		cmocka_unit_test(test_unsupported),
	};

	log_init("test-guest-os", 0);
	return cmocka_run_group_tests_name("guest-os", tests, NULL, NULL);
}
