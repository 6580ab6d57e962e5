#include <stdlib.h>
#include <string.h>

#include "pool-sched.h"
#include "util.h"

/* The state of one decision: indexes sorted for lookups, and what is left. */
struct sched {
	const struct pool_state *st;
	int *by_name;		/* job indexes by (flight, name) */
	long *free_slots;	/* per host */
	long *free_mib;
	int *flight_of;		/* per job: its flight's index in flights[] */
	struct flight_acc *flights;
	int nflights;
	int hostless_free;
	long share;		/* guest slots one flight may hold while others wait */
};

struct flight_acc {
	long flight;
	int rank;
	long created;
	long holding;		/* guest slots its jobs hold (running or assigned) */
	int *ready;		/* its ready jobs, in recipe order */
	int nready;
	int waiting;		/* ready jobs not yet assigned */
};

static const struct pool_state *sort_state;

static int
cmp_job_key(long flight, const char *name, const struct pool_job *j)
{
	if (flight != j->flight)
		return flight < j->flight ? -1 : 1;
	return strcmp(name, j->name);
}

static int
cmp_by_name(const void *a, const void *b)
{
	const struct pool_job *y = &sort_state->jobs[*(const int *)b];
	const struct pool_job *x = &sort_state->jobs[*(const int *)a];

	return cmp_job_key(x->flight, x->name, y);
}

static int
find_job(const struct sched *s, long flight, const char *name)
{
	int lo = 0, hi = s->st->njobs - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2, c;

		c = cmp_job_key(flight, name, &s->st->jobs[s->by_name[mid]]);
		if (c == 0)
			return s->by_name[mid];
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return -1;
}

static int
in_progress(enum status st)
{
	return st == STATUS_RUNNING || st == STATUS_PREPARING;
}

static int
cmp_flights(const void *a, const void *b)
{
	const struct flight_acc *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return (x->flight > y->flight) - (x->flight < y->flight);
}

static int
cmp_ready(const void *a, const void *b)
{
	const struct pool_job *x = &sort_state->jobs[*(const int *)a];
	const struct pool_job *y = &sort_state->jobs[*(const int *)b];

	if (x->ordinal != y->ordinal)
		return x->ordinal < y->ordinal ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* 1 when host h has every flag of the space-separated list. */
static int
has_flags(const struct pool_host *h, const char *flags)
{
	const char *p = flags ? flags : "";

	for (;;) {
		size_t len;
		int i, found = 0;

		p += strspn(p, " ");
		len = strcspn(p, " ");
		if (!len)
			return 1;
		for (i = 0; i < h->nflags && !found; i++)
			found = strlen(h->flags[i]) == len && !strncmp(h->flags[i], p, len);
		if (!found)
			return 0;
		p += len;
	}
}

/* The host for job j now, or -1 when none fits. */
static int
pick_host(struct sched *s, const struct pool_job *j)
{
	const struct pool_state *st = s->st;
	int i, best = -1, other = 0;

	/* A retry goes elsewhere, unless no other enabled host could ever take it. */
	if (j->avoid_host)
		for (i = 0; i < st->nhosts && !other; i++)
			other = st->hosts[i].enabled && strcmp(st->hosts[i].name, j->avoid_host) &&
				has_flags(&st->hosts[i], j->needs_flags);
	for (i = 0; i < st->nhosts; i++) {
		const struct pool_host *h = &st->hosts[i];

		if (!h->enabled || s->free_slots[i] <= 0 || s->free_mib[i] < st->job_memory_mib)
			continue;
		if (other && !strcmp(h->name, j->avoid_host))
			continue;
		if (!has_flags(h, j->needs_flags))
			continue;
		if (best < 0 || s->free_slots[i] > s->free_slots[best])
			best = i;
	}
	return best;
}

static void
assign(struct sched *s, struct pool_result *out, int job, int host)
{
	struct flight_acc *f = &s->flights[s->flight_of[job]];

	out->assign = xrealloc(out->assign, sizeof(*out->assign) * (size_t)(out->nassign + 1));
	out->assign[out->nassign].job = job;
	out->assign[out->nassign].host = host;
	out->nassign++;
	f->waiting--;
	if (host >= 0) {
		s->free_slots[host]--;
		s->free_mib[host] -= s->st->job_memory_mib;
		f->holding++;
	} else {
		s->hostless_free--;
	}
}

static void
block(struct pool_result *out, int job, int because)
{
	out->block = xrealloc(out->block, sizeof(*out->block) * (size_t)(out->nblock + 1));
	out->block[out->nblock].job = job;
	out->block[out->nblock].because = because;
	out->nblock++;
}

/*
 * One pass over the flights in order; with bounded, a flight holding its
 * share already gets nothing more. taken[] marks jobs assigned.
 */
static void
pass(struct sched *s, struct pool_result *out, char *taken, int bounded)
{
	int fi, k;

	for (fi = 0; fi < s->nflights; fi++) {
		struct flight_acc *f = &s->flights[fi];

		for (k = 0; k < f->nready; k++) {
			int job = f->ready[k], host;
			const struct pool_job *j = &s->st->jobs[job];

			if (taken[job])
				continue;
			if (!j->needs_host) {
				if (s->hostless_free > 0) {
					taken[job] = 1;
					assign(s, out, job, -1);
				}
				continue;
			}
			if (bounded && f->holding >= s->share)
				continue;
			host = pick_host(s, j);
			if (host < 0)
				continue;
			taken[job] = 1;
			assign(s, out, job, host);
		}
	}
}

int
pool_schedule(const struct pool_state *st, struct pool_result *out)
{
	struct sched s = { .st = st };
	long total_slots = 0;
	int i, k, hostless_running = 0;
	char *taken;

	memset(out, 0, sizeof(*out));
	s.by_name = xcalloc((size_t)st->njobs + 1, sizeof(int));
	s.flight_of = xcalloc((size_t)st->njobs + 1, sizeof(int));
	s.free_slots = xcalloc((size_t)st->nhosts + 1, sizeof(long));
	s.free_mib = xcalloc((size_t)st->nhosts + 1, sizeof(long));
	s.flights = xcalloc((size_t)st->njobs + 1, sizeof(*s.flights));
	taken = xcalloc((size_t)st->njobs + 1, 1);
	for (i = 0; i < st->njobs; i++)
		s.by_name[i] = i;
	sort_state = st;
	qsort(s.by_name, (size_t)st->njobs, sizeof(int), cmp_by_name);
	for (i = 0; i < st->nhosts; i++) {
		s.free_slots[i] = st->hosts[i].guests - st->hosts[i].used_guests;
		s.free_mib[i] = st->hosts[i].memory_mib - st->hosts[i].used_mib;
		if (st->hosts[i].enabled)
			total_slots += st->hosts[i].guests;
	}
	s.share = (total_slots * st->flight_share + 99) / 100;
	if (s.share < 1)
		s.share = 1;

	/* Flights, in by_name order (sorted by flight first). */
	for (k = 0; k < st->njobs; k++) {
		int job = s.by_name[k];
		const struct pool_job *j = &st->jobs[job];

		if (!s.nflights || s.flights[s.nflights - 1].flight != j->flight) {
			struct flight_acc *f = &s.flights[s.nflights++];

			f->flight = j->flight;
			f->rank = j->rank;
			f->created = j->created;
		}
		s.flight_of[job] = s.nflights - 1;
		if (in_progress(j->status)) {
			if (j->needs_host)
				s.flights[s.nflights - 1].holding++;
			else
				hostless_running++;
		}
	}
	s.hostless_free = st->max_hostless - hostless_running;

	/* Ready jobs and blocks. */
	for (i = 0; i < st->njobs; i++) {
		const struct pool_job *j = &st->jobs[i];
		struct flight_acc *f = &s.flights[s.flight_of[i]];
		int ready = 1, blocked = 0, because = -1;

		if (j->status != STATUS_QUEUED)
			continue;
		for (k = 0; k < j->nneeds && !blocked; k++) {
			int dep = find_job(&s, j->flight, j->needs[k]);

			if (dep < 0) {
				blocked = 1;
			} else if (st->jobs[dep].status != STATUS_PASS) {
				ready = 0;
				if (status_is_final(st->jobs[dep].status) &&
				    !st->jobs[dep].retry_pending) {
					blocked = 1;
					because = dep;
				}
			}
		}
		if (blocked) {
			block(out, i, because);
			continue;
		}
		if (!ready)
			continue;
		f->ready = xrealloc(f->ready, sizeof(int) * (size_t)(f->nready + 1));
		f->ready[f->nready++] = i;
		f->waiting++;
	}
	for (i = 0; i < s.nflights; i++)
		if (s.flights[i].nready > 1)
			qsort(s.flights[i].ready, (size_t)s.flights[i].nready, sizeof(int), cmp_ready);
	/* flight_of holds indexes into flights[]: keep it valid across the sort. */
	{
		int *order = xcalloc((size_t)s.nflights + 1, sizeof(int));

		for (i = 0; i < s.nflights; i++)
			s.flights[i].waiting = i;	/* the old index, for a moment */
		qsort(s.flights, (size_t)s.nflights, sizeof(*s.flights), cmp_flights);
		for (i = 0; i < s.nflights; i++) {
			order[s.flights[i].waiting] = i;
			s.flights[i].waiting = s.flights[i].nready;
		}
		for (i = 0; i < st->njobs; i++)
			s.flight_of[i] = order[s.flight_of[i]];
		free(order);
	}
	/* First every flight within its share, then what is left to whoever can use it. */
	pass(&s, out, taken, 1);
	pass(&s, out, taken, 0);

	for (i = 0; i < s.nflights; i++)
		free(s.flights[i].ready);
	free(s.flights);
	free(s.by_name);
	free(s.flight_of);
	free(s.free_slots);
	free(s.free_mib);
	free(taken);
	return 0;
}

void
pool_result_release(struct pool_result *r)
{
	free(r->assign);
	free(r->block);
	memset(r, 0, sizeof(*r));
}

int
pool_class_rank(const char *priority, const char *cls)
{
	const char *p = priority;
	size_t len = strlen(cls);
	int rank = 0;

	while (*p) {
		size_t n = strcspn(p, ",");

		if (n == len && !strncmp(p, cls, len))
			return rank;
		rank++;
		p += n + (p[n] == ',');
	}
	return rank;
}

const char *
pool_flight_class(const char *trigger, const char *blessing)
{
	if (trigger && !strcmp(trigger, "nightly"))
		return "nightly";
	if (trigger && !strcmp(trigger, "push"))
		return "push";
	if ((trigger && !strcmp(trigger, "one-off")) || (blessing && strcmp(blessing, "real") &&
							 strcmp(blessing, "real-retry")))
		return "adhoc";
	/* A real flight made by hand, or a retry the gate waits for. */
	return "push";
}
