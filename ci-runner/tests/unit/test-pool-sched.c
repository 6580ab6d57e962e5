/* The pool scheduler: state in, assignments out. Table-driven. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pool-sched.h"
#include "util.h"

static const char *const needs_b1[] = { "b1" };
static const char *const needs_gone[] = { "gone" };
static const char *const f_kvm[] = { "kvm", "x64" };
static const char *const f_xen[] = { "xen", "windows", "x64" };

#define Q STATUS_QUEUED
#define R STATUS_RUNNING
#define P STATUS_PASS
#define F STATUS_FAIL
#define B STATUS_BROKEN

/* A job: flight, name, status, rank, created, ordinal, needs_host, flags, avoid, retry, needs. */
#define JOB(fl, nm, stt, rk, cr, ord, nh, fg, av, rp, nd, nn) \
	{ fl, nm, stt, rk, cr, ord, nh, fg, av, rp, nd, nn }
#define HOST(nm, en, g, m, ug, um, fl, nf) { nm, en, g, m, ug, um, fl, nf }

struct pool_case {
	const char *what;
	struct pool_job jobs[8];
	int njobs;
	struct pool_host hosts[4];
	int nhosts;
	int share, max_hostless;
	/* Expected: "JOB@HOST" (hostless: "JOB@-"), in decision order, by spaces; blocks "JOB<NEED". */
	const char *assigned;
	const char *blocked;
};

static const struct pool_case cases[] = {
	{ "one job, one host",
	  { JOB(1, "t1", Q, 0, 10, 1, 1, NULL, NULL, 0, NULL, 0) }, 1,
	  { HOST("h1", 1, 2, 4096, 0, 0, NULL, 0) }, 1, 100, 2,
	  "t1@h1", "" },
	{ "never above capacity: two slots, three jobs",
	  { JOB(1, "a", Q, 0, 10, 1, 1, NULL, NULL, 0, NULL, 0),
	    JOB(1, "b", Q, 0, 10, 2, 1, NULL, NULL, 0, NULL, 0),
	    JOB(1, "c", Q, 0, 10, 3, 1, NULL, NULL, 0, NULL, 0) }, 3,
	  { HOST("h1", 1, 2, 4096, 0, 0, NULL, 0) }, 1, 100, 2,
	  "a@h1 b@h1", "" },
	{ "slots held by leases count",
	  { JOB(1, "a", Q, 0, 10, 1, 1, NULL, NULL, 0, NULL, 0),
	    JOB(1, "b", Q, 0, 10, 2, 1, NULL, NULL, 0, NULL, 0) }, 2,
	  { HOST("h1", 1, 2, 4096, 1, 512, NULL, 0) }, 1, 100, 2,
	  "a@h1", "" },
	{ "memory bounds too",
	  { JOB(1, "a", Q, 0, 10, 1, 1, NULL, NULL, 0, NULL, 0),
	    JOB(1, "b", Q, 0, 10, 2, 1, NULL, NULL, 0, NULL, 0) }, 2,
	  { HOST("h1", 1, 4, 1000, 0, 0, NULL, 0) }, 1, 100, 2,
	  "a@h1", "" },
	{ "a disabled host takes nothing",
	  { JOB(1, "a", Q, 0, 10, 1, 1, NULL, NULL, 0, NULL, 0) }, 1,
	  { HOST("h1", 0, 2, 4096, 0, 0, NULL, 0), HOST("h2", 1, 1, 4096, 0, 0, NULL, 0) }, 2,
	  100, 2, "a@h2", "" },
	{ "flags: a job goes to a host having all it needs",
	  { JOB(1, "win", Q, 0, 10, 1, 1, "xen windows", NULL, 0, NULL, 0),
	    JOB(1, "lin", Q, 0, 10, 2, 1, "kvm", NULL, 0, NULL, 0) }, 2,
	  { HOST("k", 1, 4, 8192, 0, 0, f_kvm, 2), HOST("x", 1, 4, 8192, 0, 0, f_xen, 3) }, 2,
	  100, 2, "win@x lin@k", "" },
	{ "no host has the flags: the job waits",
	  { JOB(1, "win", Q, 0, 10, 1, 1, "windows arm64", NULL, 0, NULL, 0) }, 1,
	  { HOST("x", 1, 4, 8192, 0, 0, f_xen, 3) }, 1, 100, 2,
	  "", "" },
	{ "priority: push before adhoc before nightly, whatever the age",
	  { JOB(3, "n", Q, 2, 1, 1, 1, NULL, NULL, 0, NULL, 0),
	    JOB(2, "a", Q, 1, 2, 1, 1, NULL, NULL, 0, NULL, 0),
	    JOB(1, "p", Q, 0, 3, 1, 1, NULL, NULL, 0, NULL, 0) }, 3,
	  { HOST("h1", 1, 2, 4096, 0, 0, NULL, 0) }, 1, 100, 2,
	  "p@h1 a@h1", "" },
	{ "within a priority the oldest flight first",
	  { JOB(7, "young", Q, 0, 200, 1, 1, NULL, NULL, 0, NULL, 0),
	    JOB(9, "old", Q, 0, 100, 1, 1, NULL, NULL, 0, NULL, 0) }, 2,
	  { HOST("h1", 1, 1, 4096, 0, 0, NULL, 0) }, 1, 100, 2,
	  "old@h1", "" },
	{ "dependencies: a test waits for its build; builds need no host",
	  { JOB(1, "b1", Q, 0, 10, 1, 0, NULL, NULL, 0, NULL, 0),
	    JOB(1, "t1", Q, 0, 10, 2, 1, NULL, NULL, 0, needs_b1, 1) }, 2,
	  { HOST("h1", 1, 2, 4096, 0, 0, NULL, 0) }, 1, 100, 2,
	  "b1@-", "" },
	{ "a passed build lets its test start",
	  { JOB(1, "b1", P, 0, 10, 1, 0, NULL, NULL, 0, NULL, 0),
	    JOB(1, "t1", Q, 0, 10, 2, 1, NULL, NULL, 0, needs_b1, 1) }, 2,
	  { HOST("h1", 1, 2, 4096, 0, 0, NULL, 0) }, 1, 100, 2,
	  "t1@h1", "" },
	{ "a failed build blocks its test; a missing need blocks",
	  { JOB(1, "b1", F, 0, 10, 1, 0, NULL, NULL, 0, NULL, 0),
	    JOB(1, "t1", Q, 0, 10, 2, 1, NULL, NULL, 0, needs_b1, 1),
	    JOB(1, "t2", Q, 0, 10, 3, 1, NULL, NULL, 0, needs_gone, 1) }, 3,
	  { HOST("h1", 1, 2, 4096, 0, 0, NULL, 0) }, 1, 100, 2,
	  "", "t1<b1 t2<-" },
	{ "a broken need to be retried is waited for, not blocking",
	  { JOB(1, "b1", B, 0, 10, 1, 1, NULL, NULL, 1, NULL, 0),
	    JOB(1, "t1", Q, 0, 10, 2, 1, NULL, NULL, 0, needs_b1, 1) }, 2,
	  { HOST("h1", 1, 2, 4096, 0, 0, NULL, 0) }, 1, 100, 2,
	  "", "" },
	{ "needs are looked up in the job's own flight",
	  { JOB(1, "b1", P, 0, 10, 1, 0, NULL, NULL, 0, NULL, 0),
	    JOB(2, "t1", Q, 0, 20, 1, 1, NULL, NULL, 0, needs_b1, 1) }, 2,
	  { HOST("h1", 1, 2, 4096, 0, 0, NULL, 0) }, 1, 100, 2,
	  "", "t1<-" },
	{ "hostless jobs start up to max_hostless",
	  { JOB(1, "b1", Q, 0, 10, 1, 0, NULL, NULL, 0, NULL, 0),
	    JOB(1, "b2", Q, 0, 10, 2, 0, NULL, NULL, 0, NULL, 0),
	    JOB(1, "b3", Q, 0, 10, 3, 0, NULL, NULL, 0, NULL, 0),
	    JOB(2, "b4", R, 0, 5, 1, 0, NULL, NULL, 0, NULL, 0) }, 4,
	  { HOST("h1", 1, 2, 4096, 0, 0, NULL, 0) }, 1, 100, 3,
	  "b1@- b2@-", "" },
	{ "share: a big flight leaves slots for a younger one",
	  { JOB(1, "a1", Q, 0, 10, 1, 1, NULL, NULL, 0, NULL, 0),
	    JOB(1, "a2", Q, 0, 10, 2, 1, NULL, NULL, 0, NULL, 0),
	    JOB(1, "a3", Q, 0, 10, 3, 1, NULL, NULL, 0, NULL, 0),
	    JOB(1, "a4", Q, 0, 10, 4, 1, NULL, NULL, 0, NULL, 0),
	    JOB(2, "b1", Q, 0, 20, 1, 1, NULL, NULL, 0, NULL, 0) }, 5,
	  { HOST("h1", 1, 4, 8192, 0, 0, NULL, 0) }, 1, 50, 2,
	  "a1@h1 a2@h1 b1@h1 a3@h1", "" },
	{ "share: running jobs count towards it",
	  { JOB(1, "a1", R, 0, 10, 1, 1, NULL, NULL, 0, NULL, 0),
	    JOB(1, "a2", R, 0, 10, 2, 1, NULL, NULL, 0, NULL, 0),
	    JOB(1, "a3", Q, 0, 10, 3, 1, NULL, NULL, 0, NULL, 0),
	    JOB(2, "b1", Q, 0, 20, 1, 1, NULL, NULL, 0, NULL, 0),
	    JOB(2, "b2", Q, 0, 20, 2, 1, NULL, NULL, 0, NULL, 0) }, 5,
	  { HOST("h1", 1, 4, 8192, 2, 1024, NULL, 0) }, 1, 50, 2,
	  "b1@h1 b2@h1", "" },
	{ "share: alone, a flight may fill the pool",
	  { JOB(1, "a1", Q, 0, 10, 1, 1, NULL, NULL, 0, NULL, 0),
	    JOB(1, "a2", Q, 0, 10, 2, 1, NULL, NULL, 0, NULL, 0),
	    JOB(1, "a3", Q, 0, 10, 3, 1, NULL, NULL, 0, NULL, 0) }, 3,
	  { HOST("h1", 1, 3, 8192, 0, 0, NULL, 0) }, 1, 34, 2,
	  "a1@h1 a2@h1 a3@h1", "" },
	{ "spread: the host with most free slots first",
	  { JOB(1, "a", Q, 0, 10, 1, 1, NULL, NULL, 0, NULL, 0),
	    JOB(1, "b", Q, 0, 10, 2, 1, NULL, NULL, 0, NULL, 0) }, 2,
	  { HOST("h1", 1, 2, 8192, 1, 512, NULL, 0), HOST("h2", 1, 2, 8192, 0, 0, NULL, 0) }, 2,
	  100, 2, "a@h2 b@h1", "" },
	{ "a retry avoids the host it broke on",
	  { JOB(1, "t", Q, 0, 10, 1, 1, NULL, "h2", 0, NULL, 0) }, 1,
	  { HOST("h1", 1, 1, 8192, 1, 512, NULL, 0), HOST("h2", 1, 2, 8192, 0, 0, NULL, 0) }, 2,
	  100, 2, "", "" },
	{ "a retry takes the same host when no other could",
	  { JOB(1, "t", Q, 0, 10, 1, 1, "kvm", "h2", 0, NULL, 0) }, 1,
	  { HOST("h1", 1, 1, 8192, 0, 0, f_xen, 3), HOST("h2", 1, 2, 8192, 0, 0, f_kvm, 2) }, 2,
	  100, 2, "t@h2", "" },
};

static void
render(const struct pool_case *c, const struct pool_result *r, char *as, size_t asz,
       char *bl, size_t bsz)
{
	struct strbuf a, b;
	int i;

	strbuf_init(&a);
	strbuf_init(&b);
	for (i = 0; i < r->nassign; i++)
		strbuf_addf(&a, "%s%s@%s", i ? " " : "", c->jobs[r->assign[i].job].name,
			    r->assign[i].host < 0 ? "-" : c->hosts[r->assign[i].host].name);
	for (i = 0; i < r->nblock; i++)
		strbuf_addf(&b, "%s%s<%s", i ? " " : "", c->jobs[r->block[i].job].name,
			    r->block[i].because < 0 ? "-" : c->jobs[r->block[i].because].name);
	snprintf(as, asz, "%s", a.buf);
	snprintf(bl, bsz, "%s", b.buf);
	strbuf_release(&a);
	strbuf_release(&b);
}

static void
test_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct pool_case *c = &cases[i];
		struct pool_state st = {
			.jobs = c->jobs, .njobs = c->njobs, .hosts = c->hosts, .nhosts = c->nhosts,
			.flight_share = c->share, .max_hostless = c->max_hostless,
			.job_memory_mib = 512,
		};
		struct pool_result r;
		char as[512], bl[512];

		assert_int_equal(pool_schedule(&st, &r), 0);
		render(c, &r, as, sizeof(as), bl, sizeof(bl));
		if (strcmp(as, c->assigned) || strcmp(bl, c->blocked))
			fail_msg("case '%s': assigned '%s' (expected '%s'), blocked '%s' (expected '%s')",
				 c->what, as, c->assigned, bl, c->blocked);
		pool_result_release(&r);
	}
}

/* Many flights and hosts: never above any host's capacity, whatever the mix. */
static void
test_capacity_random(void **state)
{
	static struct pool_job jobs[600];
	static struct pool_host hosts[20];
	static char names[600][16], hnames[20][16];
	static const char *const fl[] = { "kvm" };
	unsigned seed = 12345;
	int round, i;

	(void)state;
	for (round = 0; round < 50; round++) {
		struct pool_state st = {
			.jobs = jobs, .njobs = 600, .hosts = hosts, .nhosts = 20,
			.flight_share = 1 + round % 100, .max_hostless = 3, .job_memory_mib = 512,
		};
		struct pool_result r;
		long used[20];

		for (i = 0; i < 20; i++) {
			snprintf(hnames[i], sizeof(hnames[i]), "h%d", i);
			seed = seed * 1103515245 + 12345;
			hosts[i] = (struct pool_host){ hnames[i], (seed >> 8) % 5 != 0,
				1 + (long)((seed >> 12) % 4), 4096, 0, 0, (seed >> 16) % 2 ? fl : NULL,
				(seed >> 16) % 2 ? 1 : 0 };
			hosts[i].used_guests = (long)((seed >> 20) % (unsigned)(hosts[i].guests + 1));
			hosts[i].used_mib = hosts[i].used_guests * 512;
			used[i] = hosts[i].used_guests;
		}
		for (i = 0; i < 600; i++) {
			snprintf(names[i], sizeof(names[i]), "j%d", i % 30);
			seed = seed * 1103515245 + 12345;
			jobs[i] = (struct pool_job){ 1 + i / 30, names[i], (seed >> 8) % 4 ? Q : P,
				(int)((seed >> 10) % 3), (long)((seed >> 12) % 50), i % 30,
				(seed >> 14) % 5 != 0, (seed >> 16) % 3 ? NULL : "kvm", NULL, 0, NULL, 0 };
		}
		assert_int_equal(pool_schedule(&st, &r), 0);
		for (i = 0; i < r.nassign; i++) {
			int h = r.assign[i].host;

			assert_int_equal(jobs[r.assign[i].job].status, Q);
			if (h < 0) {
				assert_false(jobs[r.assign[i].job].needs_host);
				continue;
			}
			assert_true(hosts[h].enabled);
			used[h]++;
			assert_true(used[h] <= hosts[h].guests);
			if (jobs[r.assign[i].job].needs_flags)
				assert_int_equal(hosts[h].nflags, 1);
		}
		pool_result_release(&r);
	}
}

static void
test_classes(void **state)
{
	(void)state;
	assert_int_equal(pool_class_rank("push,adhoc,nightly", "push"), 0);
	assert_int_equal(pool_class_rank("push,adhoc,nightly", "nightly"), 2);
	assert_int_equal(pool_class_rank("nightly,push,adhoc", "nightly"), 0);
	assert_int_equal(pool_class_rank("push,adhoc,nightly", "other"), 3);
	assert_string_equal(pool_flight_class("nightly", "real"), "nightly");
	assert_string_equal(pool_flight_class("push", "real"), "push");
	assert_string_equal(pool_flight_class("one-off", "adhoc"), "adhoc");
	assert_string_equal(pool_flight_class(NULL, "adhoc"), "adhoc");
	assert_string_equal(pool_flight_class(NULL, "play"), "adhoc");
	assert_string_equal(pool_flight_class(NULL, "real"), "push");
	assert_string_equal(pool_flight_class(NULL, "real-retry"), "push");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_capacity_random),
		cmocka_unit_test(test_classes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
