/*
 * pvci flight watch: follows a flight another process runs (the daemon, or
 * a "pvci flight run" elsewhere) by polling the database, and prints the
 * same progress lines as "flight run" (progress.h) from what changed.
 */
#ifndef PVCI_WATCH_H
#define PVCI_WATCH_H

struct instance;

/*
 * Prints what the flight did so far, then follows it until every job is
 * final or timeout seconds passed (<= 0: no limit). Returns the exit
 * status "flight run" would: 0 all passed, 1 something failed or was
 * blocked, 2 something broke or was aborted, 3 error or time out.
 */
int watch_flight(struct instance *inst, long flight, double timeout);

#endif
