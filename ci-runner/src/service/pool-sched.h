/*
 * The pool's scheduler: which queued jobs of all flights start now, and on
 * which host. Pure: the state in (jobs with their flight's priority and
 * age, dependencies and needed flags; hosts with capacity, flags and what
 * their leases use), the decisions out, no I/O, so it is unit-tested with
 * tables of cases and benchmarked (bench/pool-sched).
 *
 * Rules:
 * - a queued job whose need is missing or ended without passing is blocked
 *   (a need that broke and is to be retried is waited for, not blocking);
 * - a job starts when all its needs passed: flights by priority rank (0
 *   first), then oldest (created), then flight number; jobs in recipe order;
 * - a job that needs a host goes to an enabled host having its flags, with
 *   a free guest slot and the memory, never above capacity; the host with
 *   the most free slots first; a retry avoids the host it broke on unless no
 *   other enabled host has its flags;
 * - while other flights have jobs waiting, a flight holds at most
 *   flight_share percent of the enabled hosts' guest slots (at least one);
 *   slots nobody else can use go to it anyway;
 * - jobs that need no host (builds) start up to max_hostless at once.
 */
#ifndef PVCI_POOL_SCHED_H
#define PVCI_POOL_SCHED_H

#include "status.h"

struct pool_host {
	const char *name;
	int enabled;
	long guests, memory_mib;	/* capacity */
	long used_guests, used_mib;	/* held by leases now */
	const char *const *flags;
	int nflags;
};

struct pool_job {
	long flight;
	const char *name;
	enum status status;
	int rank;		/* its flight's priority: 0 is the highest */
	long created;		/* its flight's creation time */
	int ordinal;		/* order in its flight's recipe */
	int needs_host;
	const char *needs_flags;	/* space-separated; NULL or "": any host */
	const char *avoid_host;	/* the host its last attempt broke on, or NULL */
	int retry_pending;	/* broken, and to be queued again: its dependents wait */
	const char *const *needs;
	int nneeds;
};

struct pool_state {
	const struct pool_job *jobs;
	int njobs;
	const struct pool_host *hosts;
	int nhosts;
	int flight_share;	/* percent, 1..100 */
	int max_hostless;
	long job_memory_mib;	/* what one guest takes */
};

struct pool_assign {
	int job;		/* index in jobs */
	int host;		/* index in hosts; -1: the job needs no host */
};

struct pool_block {
	int job;
	int because;		/* the need that did not pass; -1: a need that is not a job */
};

struct pool_result {
	struct pool_assign *assign;
	int nassign;
	struct pool_block *block;
	int nblock;
};

/* Decides; 0, -1 only when memory runs out (never: xmalloc aborts). */
int pool_schedule(const struct pool_state *st, struct pool_result *out);
void pool_result_release(struct pool_result *r);

/* The rank of a flight class ("push", "adhoc", "nightly") in a priority list
 * such as "push,adhoc,nightly"; an unknown class ranks last. */
int pool_class_rank(const char *priority, const char *cls);
/* A flight's class from its trigger (flight_origin, may be NULL) and blessing. */
const char *pool_flight_class(const char *trigger, const char *blessing);

#endif
