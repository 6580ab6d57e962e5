/*
 * The nightly trigger: per configured branch with a "nightly" recipe and a
 * schedule (time of day, days of the week, UTC offset), the branch's
 * nightly flight is created once per due slot, unless a nightly flight of
 * the same revisions already passed. The slot last handled is recorded in
 * the database ("nightly TREE/BRANCH" in trigger_state) in the same
 * transaction as the flight, so a restart neither loses nor repeats it.
 *
 * The clock is a parameter: the daemon passes the time, tests any time.
 */
#ifndef PVCI_NIGHTLY_H
#define PVCI_NIGHTLY_H

struct config;
struct config_schedule;
struct instance;

/*
 * Pure: the latest slot of s at or before now (seconds since the epoch),
 * or 0 when none in the 8 days before (no day selected).
 */
long nightly_last_slot(const struct config_schedule *s, long now);

/*
 * Pure: 1 when a slot is due at now: the latest slot is after last_fire
 * (0: never fired) and at most catch_up seconds old, with *slot set; else 0.
 */
int nightly_due(const struct config_schedule *s, long now, long last_fire, long catch_up,
		long *slot);

/*
 * One tick: for every scheduled branch whose slot is due at now, creates
 * its nightly flight (blessing real, requester "schedule") or records why
 * not. 0, or -1 when some branch failed (reported; it is tried again at
 * the next tick while its slot is within service.nightly_catch_up).
 */
int trigger_nightly_tick(struct instance *inst, const struct config *cfg, long now);

#endif
