/*
 * Recovery after a crash: jobs left "running" by a process that no longer
 * exists are marked broken, with a note, so nothing reads as still running
 * and the flight can go on. Their unfinished "always" steps (log capture,
 * cleanup) are run later by the flight runner (flight-run.c), which owns guests and overlays. Only
 * "flight run" (and the daemon) recovers; commands that only read do not.
 */
#ifndef PVCI_RECOVER_H
#define PVCI_RECOVER_H

struct instance;
struct db_owner;

/* Returns the number of jobs marked broken, or -1. */
int recover_orphans(struct instance *inst);

enum recover_liveness {
	RECOVER_DEAD,		/* its owner is gone: recover it */
	RECOVER_ALIVE,		/* its owner runs, or may: leave it */
	RECOVER_UNKNOWN,	/* owned on another host: not ours to judge */
};
/* Whether a job's owner still runs, seen from this process (me). */
enum recover_liveness recover_owner_liveness(const struct db_owner *owner,
					     const struct db_owner *me);

/*
 * A job that ended broken on a host of the pool is queued again once (attempt 2, the
 * earlier attempt kept in job_attempts), on another host when an enabled
 * one has its flags, else on the same host when it is the only one: 1 when
 * queued again, 0 when not (no host fits, attempts used up, not broken), -1.
 */
#define RECOVER_MAX_ATTEMPTS 2
int recover_retry(struct instance *inst, long flight, const char *job);

#endif
