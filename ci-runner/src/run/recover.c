#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "instance.h"
#include "log.h"
#include "proc.h"
#include "recover.h"
#include "util.h"

enum recover_liveness
recover_owner_liveness(const struct db_owner *owner, const struct db_owner *me)
{
	unsigned long long start;

	if (owner->pid <= 0)
		return RECOVER_DEAD;
	/* Jobs claimed before hosts were recorded were claimed here. */
	if (owner->host[0] && strcmp(owner->host, me->host))
		return RECOVER_UNKNOWN;
	/* Every process of an earlier boot is gone. */
	if (owner->boot_id[0] && strcmp(owner->boot_id, me->boot_id))
		return RECOVER_DEAD;
	/*
	 * A pid in another PID namespace names another process here, or none:
	 * we cannot see the owner. Judging it dead would run the job's cleanup
	 * (destroying its guest) under a live run; judging it alive only leaves
	 * a dead job for a run in its namespace or the next boot to recover.
	 */
	if (owner->pidns && owner->pidns != me->pidns)
		return RECOVER_ALIVE;
	/* A recycled pid has another start time. */
	start = proc_start_time((pid_t)owner->pid);
	return start != 0 && start == owner->pid_start ? RECOVER_ALIVE : RECOVER_DEAD;
}

/* A job that broke because its owner died counts against its host. */
static void
count_on_host(struct instance *inst, const struct db_owner *o)
{
	char *flags = NULL, *host = NULL;
	int needs_host, attempt;

	if (db_job_host_needs(inst->db, o->flight, o->job, &needs_host, &flags, &attempt,
			      &host) == 0 && host &&
	    db_host_job_ended(inst->db, host, o->flight, o->job, STATUS_BROKEN,
			      inst->cfg ? config_int(inst->cfg, "pool.auto_disable_after") : 0) > 0)
		log_warnx("host '%s' disabled: its jobs ended broken %ld times in a row", host,
			  config_int(inst->cfg, "pool.auto_disable_after"));
	free(flags);
	free(host);
}

/*
 * Leases whose owner died: freed, unless their job waits for its cleanup
 * (which frees the lease once the guest is gone).
 */
static int
free_dead_leases(struct instance *inst, const struct db_owner *me)
{
	struct db_lease *leases = NULL;
	int n = 0, i, rc = 0;

	if (db_leases(inst->db, &leases, &n) < 0)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		int freed;

		if (recover_owner_liveness(&leases[i].owner, me) != RECOVER_DEAD)
			continue;
		freed = db_lease_free_dead(inst->db, &leases[i]);
		if (freed < 0)
			rc = -1;
		else if (freed)
			log_warnx("host '%s': lease of flight %ld job '%s' freed: its owner, "
				  "process %ld, is gone", leases[i].host, leases[i].flight,
				  leases[i].job, leases[i].owner.pid);
	}
	db_leases_free(leases, n);
	return rc;
}

int
recover_orphans(struct instance *inst)
{
	struct db_owner *owners, me;
	int count = 0, i, marked = 0;

	if (db_owner_self(&me) < 0)
		return -1;
	owners = db_running_jobs(inst->db, &count);
	if (!owners)
		return -1;
	for (i = 0; i < count; i++) {
		char *note;
		int rc;

		if (recover_owner_liveness(&owners[i], &me) != RECOVER_DEAD)
			continue;
		note = xasprintf("pvci process %ld ended while the job was running; "
				 "marked broken on recovery", owners[i].pid);
		rc = db_job_mark_orphan(inst->db, &owners[i], note);
		if (rc > 0) {
			log_warnx("flight %ld job '%s': %s", owners[i].flight, owners[i].job, note);
			marked++;
			count_on_host(inst, &owners[i]);
		}
		free(note);
		if (rc < 0) {
			db_owners_free(owners, count);
			return -1;
		}
	}
	db_owners_free(owners, count);
	if (free_dead_leases(inst, &me) < 0)
		return -1;
	return marked;
}

int
recover_retry(struct instance *inst, long flight, const char *job)
{
	const struct config_host *hosts;
	struct db_host_state *state = NULL;
	char *flags = NULL, *host = NULL;
	int needs_host = 0, attempt = 0, nhosts = 0, nstate = 0, i, k, other = 0, same = 0;
	int rc = 0;

	if (!inst->cfg || db_job_host_needs(inst->db, flight, job, &needs_host, &flags, &attempt,
					    &host) < 0)
		return -1;
	/* Only jobs of the pool (pvci job run) have a host; flight run's are not retried. */
	if (!needs_host || !host || attempt >= RECOVER_MAX_ATTEMPTS)
		goto out;
	hosts = config_hosts(inst->cfg, &nhosts);
	if (db_hosts_state(inst->db, &state, &nstate) < 0) {
		rc = -1;
		goto out;
	}
	for (i = 0; i < nhosts; i++) {
		int enabled = 1;

		for (k = 0; k < nstate; k++)
			if (!strcmp(state[k].name, hosts[i].name))
				enabled = state[k].enabled;
		if (!enabled || !config_host_has_flags(&hosts[i], flags))
			continue;
		if (host && !strcmp(hosts[i].name, host))
			same = 1;
		else
			other = 1;
	}
	/* Another host when one fits; the same one only when it is the only one. */
	if (!other && !same) {
		log_warnx("flight %ld job '%s' broke and is not retried: no enabled host has "
			  "its flags", flight, job);
		goto out;
	}
	rc = db_job_retry(inst->db, flight, job, RECOVER_MAX_ATTEMPTS, other ? host : NULL);
	if (rc > 0)
		log_info("flight %ld job '%s' broke on host '%s': queued again as attempt %d%s",
			 flight, job, host ? host : "?", attempt + 1,
			 other ? " on another host" : " (no other host has its flags)");
out:
	db_hosts_state_free(state, nstate);
	free(flags);
	free(host);
	return rc < 0 ? -1 : rc;
}
