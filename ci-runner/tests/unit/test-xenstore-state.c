/* The xenstore-state check on recorded listings (xenstore-ls -f format). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "log.h"
#include "util.h"
#include "xenstore-state.h"

/* A PV guest (domid 3) with a vif and a vbd, as Xen 4.17 lists it. */
#define VIF_FRONT(st) \
	"/local/domain/3/device/vif/0/backend = \"/local/domain/0/backend/vif/3/0\"\n" \
	"/local/domain/3/device/vif/0/backend-id = \"0\"\n" \
	"/local/domain/3/device/vif/0/state = \"" st "\"\n" \
	"/local/domain/3/device/vif/0/handle = \"0\"\n"
#define VIF_BACK(st) \
	"/local/domain/0/backend/vif/3/0/frontend = \"/local/domain/3/device/vif/0\"\n" \
	"/local/domain/0/backend/vif/3/0/state = \"" st "\"\n" \
	"/local/domain/0/backend/vif/3/0/online = \"1\"\n"
#define VBD \
	"/local/domain/3/device/vbd/51712/backend = \"/local/domain/0/backend/vbd/3/51712\"\n" \
	"/local/domain/3/device/vbd/51712/state = \"4\"\n" \
	"/local/domain/0/backend/vbd/3/51712/state = \"4\"\n"
#define OTHER_GUEST \
	"/local/domain/7/device/vif/0/state = \"1\"\n" \
	"/local/domain/0/backend/vif/7/0/state = \"2\"\n"

struct xs_case {
	const char *what;
	const char *listing;
	int rc, devices, connected;
	const char *report;	/* a line the report must hold */
};

static const struct xs_case cases[] = {
	{ "all connected", VIF_FRONT("4") VIF_BACK("4") VBD OTHER_GUEST, 0, 2, 2,
	  "vif/0: frontend 4 (connected), backend 4 (connected) (/local/domain/0/backend/vif/3/0)" },
	{ "netfront never loaded", VIF_FRONT("1") VIF_BACK("2") VBD, 1, 2, 1,
	  "vif/0: frontend 1 (initialising), backend 2 (init-wait)" },
	{ "frontend closed after a bad restore", VIF_FRONT("6") VIF_BACK("4"), 1, 1, 0,
	  "frontend 6 (closed)" },
	{ "backend gone", VIF_FRONT("4"), 1, 1, 0, "vif/0: frontend 4 (connected), backend missing" },
	{ "backend without frontend", VIF_BACK("4") VBD, 1, 2, 1, "vif/3/0: frontend missing, backend 4" },
	{ "no devices at all", "/local/domain/3/name = \"g\"\n" OTHER_GUEST, 1, 0, 0,
	  "no PV device of domain 3" },
	{ "not a listing", "xenstore-ls: could not access path\n", -1, 0, 0, "line 1" },
	{ "empty", "", 1, 0, 0, "no PV device" },
};

static void
test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct xs_case *c = &cases[i];
		struct strbuf report;
		struct xs_check out;
		int rc;

		strbuf_init(&report);
		rc = xenstore_state_check(c->listing, 3, &report, &out);
		print_message("# %s: rc %d, %d/%d\n%s", c->what, rc, out.connected, out.devices,
			      report.buf ? report.buf : "");
		assert_int_equal(rc, c->rc);
		if (rc >= 0) {
			assert_int_equal(out.devices, c->devices);
			assert_int_equal(out.connected, c->connected);
		}
		assert_non_null(report.buf);
		assert_non_null(strstr(report.buf, c->report));
		strbuf_release(&report);
	}
}

static void
test_state_names(void **state)
{
	(void)state;
	assert_string_equal(xenbus_state_name(4), "connected");
	assert_string_equal(xenbus_state_name(2), "init-wait");
	assert_string_equal(xenbus_state_name(9), "unknown");
	assert_string_equal(xenbus_state_name(-1), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_state_names),
	};

	log_init("test-xenstore-state", 0);
	return cmocka_run_group_tests_name("xenstore-state", tests, NULL, NULL);
}
