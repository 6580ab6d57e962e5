#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
		}
		free(note);
		if (rc < 0) {
			db_owners_free(owners, count);
			return -1;
		}
	}
	db_owners_free(owners, count);
	return marked;
}
