#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "db.h"
#include "instance.h"
#include "log.h"
#include "proc.h"
#include "recover.h"
#include "util.h"

int
recover_owner_alive(long pid, unsigned long long start)
{
	if (pid <= 0)
		return 0;
	/* A recycled pid has another start time. */
	return proc_start_time((pid_t)pid) == start && start != 0;
}

int
recover_orphans(struct instance *inst)
{
	struct db_owner *owners;
	int count = 0, i, marked = 0;

	owners = db_running_jobs(inst->db, &count);
	if (!owners)
		return -1;
	for (i = 0; i < count; i++) {
		char *note;
		int rc;

		if (recover_owner_alive(owners[i].pid, owners[i].pid_start))
			continue;
		note = xasprintf("pvci process %ld ended while the job was running; "
				 "marked broken on recovery", owners[i].pid);
		rc = db_job_mark_orphan(inst->db, owners[i].flight, owners[i].job,
					owners[i].pid, note);
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
