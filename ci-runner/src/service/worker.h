/*
 * A worker: one job of a flight run in a process of its own (pvci job run
 * FLIGHT JOB --host NAME), as the daemon starts them and as anyone may by
 * hand. It takes the host's lease and the job in one transaction (so the
 * host is never above capacity), runs the job's steps on that host's
 * toolstack, then frees the lease, counts the job's end against the host
 * (two broken in a row disable it) and queues a broken job again once.
 */
#ifndef PVCI_WORKER_H
#define PVCI_WORKER_H

#include "events.h"
#include "flight-run.h"

struct instance;

/* host NULL: only for a job that needs no host. Returns the job's outcome. */
enum run_outcome worker_run(struct instance *inst, long flight, const char *job,
			    const char *host, const struct run_listener *listener);

/* Makes the hosts table match the config's pool (rows added or updated); 0 or -1. */
int pool_sync_hosts(struct instance *inst);

#endif
