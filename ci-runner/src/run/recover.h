/*
 * Recovery after a crash: jobs left "running" by a process that no longer
 * exists are marked broken, with a note, so nothing reads as still running
 * and the flight can go on. Their unfinished "always" steps (log capture,
 * cleanup) are run later by the flight runner (flight-run.c), which owns guests and overlays.
 */
#ifndef PVCI_RECOVER_H
#define PVCI_RECOVER_H

struct instance;

/* Returns the number of jobs marked broken, or -1. */
int recover_orphans(struct instance *inst);

/* 1 when the process pid, started at start, is still alive. */
int recover_owner_alive(long pid, unsigned long long start);

#endif
