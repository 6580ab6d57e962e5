#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "instance.h"
#include "log.h"
#include "report.h"
#include "retry.h"
#include "util.h"

/* 1 when every job of flight is final, 0 when not, -1. */
static int
all_final(struct db *db, long flight)
{
	struct db_job *jobs;
	int i, n, final = 1;

	jobs = db_flight_jobs(db, flight, &n);
	if (!jobs)
		return -1;
	for (i = 0; i < n; i++)
		final &= status_is_final(jobs[i].status);
	db_jobs_free(jobs, n);
	return final;
}

long
retry_after_flight(struct instance *inst, long flight)
{
	struct report_opts ro = { .format = REPORT_TEXT, .today = now_seconds() / 86400 };
	struct db_flight_info fi;
	char *jobs = NULL;
	long retry = -1;
	int rc;

	if (!config_bool(inst->cfg, "verdicts.retry_regressions"))
		return 0;
	if (db_flight_info(inst->db, flight, &fi) < 0)
		return -1;
	if (strcmp(fi.blessing, "real")) {
		retry = 0;
		goto out;
	}
	/* Once, and only for a whole flight (not after flight run --jobs). */
	retry = db_flight_retry(inst->db, flight);
	if (retry != 0) {
		retry = retry < 0 ? -1 : 0;
		goto out;
	}
	rc = all_final(inst->db, flight);
	if (rc <= 0) {
		retry = rc;
		goto out;
	}
	if (report_regressed_jobs(inst->db, flight, &ro, &jobs) < 0) {
		retry = -1;
		goto out;
	}
	if (!jobs)
		goto out;
	retry = db_flight_retry_create(inst->db, flight, jobs);
	if (retry > 0)
		log_info("flight %ld: regressions in jobs %s; running them again on the same "
			 "revisions in flight %ld (real-retry)", flight, jobs, retry);
out:
	free(jobs);
	db_flight_info_release(&fi);
	return retry;
}
