/*
 * What follows a finished flight, done once per flight by whoever claims
 * it (db_flight_verdict_claim_finished): "pvci flight run" for the flight
 * it ran, the daemon (verdicts_tick) for the flights its workers ran.
 *
 * A real flight with step regressions gets its retry flight (retry.h),
 * queued for the caller or the scheduler to run; the real flight is judged
 * once its retry has finished. Otherwise the real flight it concerns (the
 * flight itself, or the one a real-retry flight retries) goes through the
 * push gate and its email is sent (a failure to send changes nothing).
 */
#ifndef PVCI_VERDICTS_H
#define PVCI_VERDICTS_H

#include <stdio.h>

struct instance;

/*
 * For a flight just claimed: the retry flight to run, 0 when none, -1 on
 * error (reported). *gate_failed is set when the push gate could not do its
 * work (a push that failed: recorded, reported).
 */
long verdict_after_flight(struct instance *inst, long flight, FILE *out, int *gate_failed);

/*
 * The daemon's tick: claims every finished flight nobody claimed yet and
 * does verdict_after_flight for it (a retry is left queued for the
 * scheduler). How many it handled, or -1 (reported).
 */
int verdicts_tick(struct instance *inst, FILE *out);

#endif
