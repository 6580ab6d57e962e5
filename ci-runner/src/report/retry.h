/*
 * Flaky or broken? When a real flight ends with step regressions, its
 * regressed jobs (and the jobs they need) run again on the same revisions
 * in a flight of blessing real-retry linked to it (retry_of), before the
 * push gate decides. A step that passes in the retry is judged "pass in
 * N" (flaky) and does not block; one that fails again stays a regression.
 * Setting verdicts.retry_regressions (default true) turns it off; only
 * real flights are retried, and only once.
 */
#ifndef PVCI_RETRY_H
#define PVCI_RETRY_H

struct instance;

/*
 * After flight has ended: makes its retry flight when it is due (queued,
 * for the caller or the scheduler to run). Its number, 0 when none is due,
 * -1 on error (reported).
 */
long retry_after_flight(struct instance *inst, long flight);

#endif
