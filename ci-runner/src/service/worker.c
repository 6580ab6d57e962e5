#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "flight-run.h"
#include "instance.h"
#include "log.h"
#include "recover.h"
#include "sched.h"
#include "util.h"
#include "worker.h"

int
pool_sync_hosts(struct instance *inst)
{
	const struct config_host *hosts;
	int n, i;

	hosts = config_hosts(inst->cfg, &n);
	for (i = 0; i < n; i++)
		if (db_host_sync(inst->db, hosts[i].name, hosts[i].toolstack, hosts[i].uri,
				 hosts[i].domain_type ? hosts[i].domain_type :
				 config_str(inst->cfg, "toolstack.domain_type")) < 0)
			return -1;
	return 0;
}

/* 0 when every need of job passed; otherwise reported, -1. */
static int
needs_passed(struct instance *inst, long flight, const char *job)
{
	struct sched_job *sj;
	struct db_job *jobs;
	int n = 0, i, me = -1, dep, rc = 0;

	jobs = db_flight_jobs(inst->db, flight, &n);
	if (!jobs)
		return -1;
	sj = xcalloc((size_t)n + 1, sizeof(*sj));
	for (i = 0; i < n; i++) {
		sj[i].name = jobs[i].job;
		sj[i].status = jobs[i].status;
		sj[i].needs = jobs[i].needs;
		sj[i].nneeds = jobs[i].nneeds;
		if (!strcmp(jobs[i].job, job))
			me = i;
	}
	if (me < 0)
		rc = errorx("flight %ld has no job '%s'", flight, job);
	else if ((dep = sched_unmet_need(sj, n, me)) >= 0)
		rc = errorx("flight %ld job '%s' needs '%s', which is %s", flight, job,
			    sj[dep].name, status_name(sj[dep].status));
	free(sj);
	db_jobs_free(jobs, n);
	return rc;
}

enum run_outcome
worker_run(struct instance *inst, long flight, const char *job, const char *host,
	   const struct run_listener *listener)
{
	const struct config_host *h = NULL;
	struct db_lease_req req = { 0 };
	struct db_owner me;
	enum run_outcome out;
	enum status status;
	char *flags = NULL, *jhost = NULL, *why = NULL;
	int needs_host = 1, attempt = 1, rc, disabled;

	/* Whoever comes next notices a dead worker: its job, guest and lease. */
	if (recover_orphans(inst) < 0 || run_recover_cleanups(inst, listener) < 0 ||
	    pool_sync_hosts(inst) < 0)
		return RUN_ERROR;
	if (db_job_host_needs(inst->db, flight, job, &needs_host, &flags, &attempt, &jhost) < 0)
		return RUN_ERROR;
	free(jhost);
	out = RUN_ERROR;
	if (needs_host && !host) {
		errorx("flight %ld job '%s' needs a host of the pool: give --host NAME", flight, job);
		goto done;
	}
	if (host) {
		h = config_host(inst->cfg, host);
		if (!h) {
			errorx("no host '%s' in the pool (config.json 'hosts'; without it the pool "
			       "is one host 'local')", host);
			goto done;
		}
		if (needs_host && !config_host_has_flags(h, flags)) {
			errorx("host '%s' lacks flags that flight %ld job '%s' needs ('%s')", host,
			       flight, job, flags);
			goto done;
		}
	}
	if (needs_passed(inst, flight, job) < 0 || db_owner_self(&me) < 0)
		goto done;
	req.host = host;
	req.hostless = !host || !needs_host;
	if (h) {
		req.guests = h->guests;
		req.capacity_mib = h->memory_mib;
		req.memory_mib = config_int(inst->cfg, "guest.memory_mib");
	}
	rc = db_lease_claim(inst->db, flight, job, &req, &me, &why);
	if (rc <= 0) {
		if (rc == 0)
			errorx("flight %ld job '%s' cannot start: %s", flight, job, why);
		goto done;
	}
	if (host && config_use_host(inst->cfg, host) < 0) {
		/* The job is ours: end it as broken rather than leave it running. */
		db_job_finish_owned(inst->db, flight, job, &me, STATUS_BROKEN,
				    "cannot use the host's toolstack settings");
		db_lease_release(inst->db, flight, job);
		goto done;
	}
	out = run_job_claimed(inst, flight, job, listener, &status);
	if (!inst->db)
		goto done;
	if (!req.hostless) {
		if (db_lease_release(inst->db, flight, job) < 0)
			out = RUN_BROKEN;
		disabled = db_host_job_ended(inst->db, host, flight, job, status,
					     config_int(inst->cfg, "pool.auto_disable_after"));
		if (disabled > 0)
			log_warnx("host '%s' disabled: its jobs ended broken %ld times in a row "
				  "('pvci host list' says which; 'pvci host enable %s' after a fix)",
				  host, config_int(inst->cfg, "pool.auto_disable_after"), host);
		if (status == STATUS_BROKEN)
			recover_retry(inst, flight, job);
	}
	if (run_flight_finish_if_done(inst, flight) < 0)
		out = RUN_BROKEN;
done:
	free(flags);
	free(why);
	return out;
}
