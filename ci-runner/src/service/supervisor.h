/*
 * Supervision of the pool's workers, for the daemon's loop: each tick
 * notices dead workers (their jobs broken, guests cleaned up, leases
 * freed, one retry), blocks what can never run, asks the scheduler
 * (pool-sched.h) what starts now and starts each as its own process by
 * fork and exec of "pvci job run FLIGHT JOB --host NAME", and reaps the
 * workers it started. Workers run in a session of their own and outlive
 * the supervisor: a new one adopts the running jobs whose owners are alive
 * (it counts their leases and leaves them alone).
 */
#ifndef PVCI_SUPERVISOR_H
#define PVCI_SUPERVISOR_H

struct instance;
struct supervisor;

/* pvci: the binary to exec (absolute); home: the instance. */
struct supervisor *supervisor_new(const char *pvci, const char *home);
void supervisor_free(struct supervisor *sv);

/* What a tick saw and did. */
struct supervisor_tick {
	int started;		/* workers started now */
	int blocked;		/* jobs blocked now */
	int queued;		/* jobs still queued */
	int running;		/* jobs running (any process) */
	int children;		/* workers of this supervisor not yet reaped */
	int cleanups;		/* jobs waiting for their cleanup */
};

/* One tick; 0, or -1 (reported) when the database cannot be read or written. */
int supervisor_tick(struct supervisor *sv, struct instance *inst, struct supervisor_tick *out);

/* Reaps the workers that ended; how many are left. */
int supervisor_reap(struct supervisor *sv);

#endif
