/*
 * The status of a job or a step, as an enum with one name table, so that
 * a switch without a default lets the compiler find a missing case. The
 * database stores the names.
 *
 *   queued     not started yet
 *   preparing  claimed, not running a step yet
 *   running    a step runs
 *   pass       done, and it passed
 *   fail       the thing under test is wrong
 *   broken     the infrastructure is wrong (host, libvirt, disk)
 *   blocked    a job it needs did not pass (jobs only)
 *   aborted    the run was interrupted
 *   skipped    never ran: an earlier step did not pass (steps only)
 */
#ifndef PVCI_STATUS_H
#define PVCI_STATUS_H

enum status {
	STATUS_QUEUED,
	STATUS_PREPARING,
	STATUS_RUNNING,
	STATUS_PASS,
	STATUS_FAIL,
	STATUS_BROKEN,
	STATUS_BLOCKED,
	STATUS_ABORTED,
	STATUS_SKIPPED,
};
#define STATUS_LAST STATUS_SKIPPED

/* The name stored and shown ("queued", ...). */
const char *status_name(enum status st);
/* Parses a name into *st; -1 (not reported: the caller names the subject) if unknown. */
int status_from_name(const char *name, enum status *st);
/* 1 for a status a job or step keeps for good. */
int status_is_final(enum status st);

#endif
