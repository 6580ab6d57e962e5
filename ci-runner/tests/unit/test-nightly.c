/* The nightly trigger's clock: due slots from a schedule, as tables of times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "config.h"
#include "nightly.h"

#define ALL 0x7f
#define SUN (1u << 0)
#define MON (1u << 1)
#define WED (1u << 3)
#define THU (1u << 4)
#define SAT (1u << 6)
#define H 3600

/* "YYYY-MM-DD HH:MM" UTC as seconds; "" is 0. */
static long
at(const char *s)
{
	struct tm tm;

	if (!*s)
		return 0;
	memset(&tm, 0, sizeof(tm));
	if (!strptime(s, "%Y-%m-%d %H:%M", &tm))
		fail_msg("bad time '%s' in the table", s);
	return (long)timegm(&tm);
}

/* 2026-11-26 is a Thursday. */
static const struct {
	const char *what;
	int minute;
	unsigned days;
	int offset;
	const char *now;
	const char *slot;	/* the latest slot at or before now */
} slots[] = {
	{ "just before: yesterday's", 120, ALL, 0, "2026-11-26 01:59", "2026-11-25 02:00" },
	{ "at the minute", 120, ALL, 0, "2026-11-26 02:00", "2026-11-26 02:00" },
	{ "later that day", 120, ALL, 0, "2026-11-26 23:59", "2026-11-26 02:00" },
	{ "midnight slot", 0, ALL, 0, "2026-11-26 00:00", "2026-11-26 00:00" },
	{ "last minute of the day", 1439, ALL, 0, "2026-11-26 12:00", "2026-11-25 23:59" },
	{ "Thursdays only, on Thursday", 120, THU, 0, "2026-11-26 03:00", "2026-11-26 02:00" },
	{ "Thursdays only, on Wednesday: last week's", 120, THU, 0, "2026-11-25 03:00",
	  "2026-11-19 02:00" },
	{ "Saturday and Sunday, on Thursday", 120, SAT | SUN, 0, "2026-11-26 03:00",
	  "2026-11-22 02:00" },
	{ "Monday, on the next Monday before the time", 120, MON, 0, "2026-11-30 01:00",
	  "2026-11-23 02:00" },
	{ "03:00 at +01:00 is 02:00 UTC", 180, ALL, H, "2026-11-26 02:00", "2026-11-26 02:00" },
	{ "03:00 at +01:00, at 01:59 UTC", 180, ALL, H, "2026-11-26 01:59", "2026-11-25 02:00" },
	/* Wednesday 23:30 at -05:00 is Thursday 04:30 UTC: the day is the zone's. */
	{ "Wednesdays 23:30 at -05:00", 1410, WED, -5 * H, "2026-11-26 05:00",
	  "2026-11-26 04:30" },
	{ "Wednesdays 23:30 at -05:00, on Wednesday UTC", 1410, WED, -5 * H, "2026-11-25 23:30",
	  "2026-11-19 04:30" },
	/* 00:30 on Thursdays at +02:00 is Wednesday 22:30 UTC. */
	{ "Thursdays 00:30 at +02:00", 30, THU, 2 * H, "2026-11-25 23:00", "2026-11-25 22:30" },
	{ "across a year", 120, ALL, 0, "2027-01-01 01:00", "2026-12-31 02:00" },
	{ "across February of a leap year", 120, ALL, 0, "2028-03-01 01:00", "2028-02-29 02:00" },
};

static void
test_last_slot(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
		struct config_schedule s = { slots[i].minute, slots[i].days, slots[i].offset };
		long got = nightly_last_slot(&s, at(slots[i].now)), want = at(slots[i].slot);

		if (got != want)
			fail_msg("%s: slot %ld, want %ld (%s)", slots[i].what, got, want, slots[i].slot);
	}
}

static const struct {
	const char *what;
	const char *now;
	const char *last_fire;
	long catch_up;
	int due;
	const char *slot;
} dues[] = {
	{ "never fired, at the time", "2026-11-26 02:00", "", 6 * H, 1, "2026-11-26 02:00" },
	{ "never fired, before the first catch-up ends", "2026-11-26 07:59", "", 6 * H, 1,
	  "2026-11-26 02:00" },
	{ "never fired, past the catch-up", "2026-11-26 08:01", "", 6 * H, 0, "" },
	{ "fired at this slot", "2026-11-26 02:30", "2026-11-26 02:00", 6 * H, 0, "" },
	{ "fired at yesterday's", "2026-11-26 02:00", "2026-11-25 02:00", 6 * H, 1,
	  "2026-11-26 02:00" },
	{ "a minute early", "2026-11-26 01:59", "2026-11-25 02:00", 6 * H, 0, "" },
	{ "missed two days ago, then yesterday's within catch-up", "2026-11-26 03:00",
	  "2026-11-24 02:00", 6 * H, 1, "2026-11-26 02:00" },
	{ "no catch-up at all: only at the exact second", "2026-11-26 02:00", "2026-11-25 02:00",
	  0, 1, "2026-11-26 02:00" },
	{ "no catch-up, a second late", "2026-11-26 02:00", "2026-11-25 02:00", 0, 0, "" },
	{ "a clock set back below the last fire", "2026-11-26 01:00", "2026-11-26 02:00",
	  6 * H, 0, "" },
};

static void
test_due(void **state)
{
	struct config_schedule s = { 120, ALL, 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(dues) / sizeof(dues[0]); i++) {
		long slot = -1, now = at(dues[i].now);
		int due;

		/* "a second late" is the table's one time not on a minute. */
		if (strstr(dues[i].what, "a second late"))
			now++;
		due = nightly_due(&s, now, at(dues[i].last_fire), dues[i].catch_up, &slot);
		if (due != dues[i].due)
			fail_msg("%s: due %d, want %d", dues[i].what, due, dues[i].due);
		if (due && slot != at(dues[i].slot))
			fail_msg("%s: slot %ld, want %s", dues[i].what, slot, dues[i].slot);
	}
}

/* Each minute of a week fires a daily slot exactly once, and never twice. */
static void
test_once_per_slot(void **state)
{
	struct config_schedule s = { 90, MON | THU, 0 };
	long now, last = 0, slot, start = at("2026-11-23 00:00");
	int fires = 0;

	(void)state;
	for (now = start; now < start + 7 * 24 * H; now += 60) {
		if (nightly_due(&s, now, last, 6 * H, &slot)) {
			assert_true(slot > last);
			assert_true(slot <= now);
			last = slot;
			fires++;
		}
	}
	assert_int_equal(fires, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_last_slot),
		cmocka_unit_test(test_due),
		cmocka_unit_test(test_once_per_slot),
	};

	return cmocka_run_group_tests_name("nightly", tests, NULL, NULL);
}
