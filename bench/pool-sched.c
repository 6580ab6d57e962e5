/*
 * bench/pool-sched: one scheduling pass (pool_schedule) over 1,000 queued
 * jobs (and 200 passed builds) of 50 flights and 100 hosts, against a naive scheduler that fills
 * each free slot by scanning every job and finding needs by linear search.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pool-sched.h"
#include "util.h"

#define NJOBS 1200
#define NHOSTS 100
#define PER_FLIGHT 24

static struct pool_job jobs[NJOBS];
static struct pool_host hosts[NHOSTS];
static char names[NJOBS][24], hnames[NHOSTS][16], needs_name[NJOBS][24];
static const char *needs_of[NJOBS][1];
static const char *const f_kvm[] = { "kvm", "x64" };
static const char *const f_xen[] = { "xen", "windows", "x64" };

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
setup(void)
{
	int i;

	for (i = 0; i < NHOSTS; i++) {
		snprintf(hnames[i], sizeof(hnames[i]), "host%02d", i);
		hosts[i] = (struct pool_host){ hnames[i], i % 10 != 9, 2, 4096, i % 3 == 0, 
			(i % 3 == 0) * 512L, i % 2 ? f_kvm : f_xen, i % 2 ? 2 : 3 };
	}
	for (i = 0; i < NJOBS; i++) {
		int f = i / PER_FLIGHT, k = i % PER_FLIGHT;

		snprintf(names[i], sizeof(names[i]), "%s-%d", k < 4 ? "build" : "test", k);
		snprintf(needs_name[i], sizeof(needs_name[i]), "build-%d", k % 4);
		needs_of[i][0] = needs_name[i];
		jobs[i] = (struct pool_job){ 100 + f, names[i], k < 4 ? STATUS_PASS : STATUS_QUEUED,
			f % 3, 1000 + f, k, k >= 4, k < 4 ? NULL : (k % 2 ? "kvm" : "xen windows"),
			NULL, 0, k < 4 ? NULL : needs_of[i], k < 4 ? 0 : 1 };
	}
}

/* The naive way: for each free slot, the best ready job by a scan of all jobs. */
static int
naive(void)
{
	static char taken[NJOBS];
	long free_slots[NHOSTS];
	int h, i, k, assigned = 0;

	memset(taken, 0, sizeof(taken));
	for (h = 0; h < NHOSTS; h++)
		free_slots[h] = hosts[h].enabled ? hosts[h].guests - hosts[h].used_guests : 0;
	for (h = 0; h < NHOSTS; h++) {
		while (free_slots[h] > 0) {
			int best = -1;

			for (i = 0; i < NJOBS; i++) {
				const struct pool_job *j = &jobs[i];
				int ready = 1, f, found;
				const char *p;

				if (taken[i] || j->status != STATUS_QUEUED || !j->needs_host)
					continue;
				for (k = 0; k < j->nneeds; k++) {
					int d, seen = 0;

					for (d = 0; d < NJOBS; d++)
						if (jobs[d].flight == j->flight &&
						    !strcmp(jobs[d].name, j->needs[k])) {
							seen = 1;
							ready &= jobs[d].status == STATUS_PASS;
						}
					ready &= seen;
				}
				for (p = j->needs_flags; ready && p && *p; p += strcspn(p, " "),
				     p += strspn(p, " ")) {
					size_t len = strcspn(p, " ");

					for (f = 0, found = 0; f < hosts[h].nflags; f++)
						found |= strlen(hosts[h].flags[f]) == len &&
							!strncmp(hosts[h].flags[f], p, len);
					ready &= found;
				}
				if (!ready)
					continue;
				if (best < 0 || j->rank < jobs[best].rank ||
				    (j->rank == jobs[best].rank && j->created < jobs[best].created))
					best = i;
			}
			if (best < 0)
				break;
			taken[best] = 1;
			free_slots[h]--;
			assigned++;
		}
	}
	return assigned;
}

int
main(int argc, char **argv)
{
	int runs = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 101;
	int naive_runs = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 5;
	double *t = calloc((size_t)runs, sizeof(double)), *tn = calloc((size_t)naive_runs, sizeof(double));
	struct pool_state st = {
		.jobs = jobs, .njobs = NJOBS, .hosts = hosts, .nhosts = NHOSTS, .flight_share = 50,
		.max_hostless = 4, .job_memory_mib = 512,
	};
	int i, assigned = 0, nassigned = 0;

	setup();
	for (i = 0; i < runs; i++) {
		struct pool_result r;
		double t0 = now_ms();

		pool_schedule(&st, &r);
		t[i] = now_ms() - t0;
		assigned = r.nassign;
		pool_result_release(&r);
	}
	for (i = 0; i < naive_runs; i++) {
		double t0 = now_ms();

		nassigned = naive();
		tn[i] = now_ms() - t0;
	}
	qsort(t, (size_t)runs, sizeof(double), cmp_double);
	qsort(tn, (size_t)naive_runs, sizeof(double), cmp_double);
	printf("pool-sched: %d queued jobs (%d flights), %d hosts: %d assigned\n",
	       NJOBS - NJOBS / PER_FLIGHT * 4, NJOBS / PER_FLIGHT, NHOSTS, assigned);
	printf("  pool_schedule   median %.3f ms over %d runs (target < 5 ms)\n", t[runs / 2], runs);
	printf("  naive scan      median %.3f ms over %d runs (%d assigned; no share, no blocks)\n",
	       tn[naive_runs / 2], naive_runs, nassigned);
	free(t);
	free(tn);
	return 0;
}
