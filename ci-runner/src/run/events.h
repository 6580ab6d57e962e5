/*
 * What the runner tells whoever listens: the CLI prints these events as
 * progress lines, a daemon or the pages can follow them. The runner never
 * prints. Strings in an event are lent for the call only.
 */
#ifndef PVCI_EVENTS_H
#define PVCI_EVENTS_H

#include "status.h"

enum run_event_type {
	RUN_FLIGHT_STARTED,	/* a run of the flight starts */
	RUN_FLIGHT_FINISHED,	/* it ends; status: the worst of its selected jobs */
	RUN_JOB_STARTED,	/* the job was claimed by this run */
	RUN_JOB_FINISHED,	/* status (and note): pass, fail, broken, aborted, blocked */
	RUN_JOB_CLEANUP,	/* recovery runs the always steps its dead owner left */
	RUN_JOB_UNRUNNABLE,	/* job waits on need (need_status), which this run may not start */
	RUN_WAITING,		/* jobs this run needs are running in another process */
	RUN_STEP_STARTED,
	RUN_STEP_FINISHED,	/* status, seconds, note, log_lines */
	RUN_INTERRUPTED,	/* an interrupt came; note: what it does now */
	RUN_JOB_LOST,		/* another process took the job over: its status stays */
	RUN_JOB_ELSEWHERE,	/* job runs in another process (owner_pid, owner_host) */
	RUN_STOPPED,		/* the run stops early; note: why */
};

struct run_event {
	enum run_event_type type;
	double elapsed;		/* seconds since this run started */
	long flight;
	const char *job;	/* NULL for flight events */
	int stepno;		/* step events */
	const char *testid;	/* step events: the recipe's name for the step */
	enum status status;	/* *_FINISHED */
	double seconds;		/* RUN_STEP_FINISHED: how long the step ran */
	const char *note;	/* why, or NULL */
	const char *need;	/* RUN_JOB_UNRUNNABLE: may be NULL when none is known */
	enum status need_status;
	long log_lines;		/* RUN_STEP_FINISHED: lines in the step's log */
	long owner_pid;		/* RUN_JOB_ELSEWHERE: the process running it */
	const char *owner_host;	/* RUN_JOB_ELSEWHERE: its host */
};

/* A listener: fn(event, opaque) for each event; fn may be NULL. */
struct run_listener {
	void (*fn)(const struct run_event *ev, void *opaque);
	void *opaque;
};

#endif
