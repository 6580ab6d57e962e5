#include <stdlib.h>

#include "db.h"
#include "gate.h"
#include "instance.h"
#include "mail-flight.h"
#include "retry.h"
#include "verdicts.h"

long
verdict_after_flight(struct instance *inst, long flight, FILE *out, int *gate_failed)
{
	struct db_flight_info fi;
	long judged = flight, retry = 0;

	if (db_flight_info(inst->db, flight, &fi) < 0)
		return -1;
	if (fi.retry_of)
		judged = fi.retry_of;
	db_flight_info_release(&fi);
	if (judged == flight) {
		retry = retry_after_flight(inst, flight);
		if (retry != 0)
			return retry;
	}
	fflush(out);
	if (gate_after_flight(inst, judged) < 0)
		*gate_failed = 1;
	mail_after_flight(inst, judged, gate_pushed(inst->db, judged) == 1);
	return 0;
}

int
verdicts_tick(struct instance *inst, FILE *out)
{
	long *flights, retry;
	int i, n, claimed, done = 0, gate_failed = 0;

	if (db_flights_unjudged(inst->db, &flights, &n) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		claimed = db_flight_verdict_claim_finished(inst->db, flights[i]);
		if (claimed < 0) {
			done = -1;
			break;
		}
		if (!claimed)
			continue;
		/* A retry is queued: the scheduler runs it, its end judges flight i. */
		retry = verdict_after_flight(inst, flights[i], out, &gate_failed);
		if (retry < 0) {
			done = -1;
			break;
		}
		done++;
	}
	free(flights);
	return done;
}
