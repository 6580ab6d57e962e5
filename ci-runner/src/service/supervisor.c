#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "flight-run.h"
#include "instance.h"
#include "layout.h"
#include "log.h"
#include "pool-sched.h"
#include "recover.h"
#include "supervisor.h"
#include "util.h"
#include "worker.h"

struct child {
	pid_t pid;
	long flight;
	char *job;
	char *host;		/* NULL: no host */
};

struct supervisor {
	char *pvci;
	char *home;
	struct child *children;
	int nchildren;
};

struct supervisor *
supervisor_new(const char *pvci, const char *home)
{
	struct supervisor *sv = xcalloc(1, sizeof(*sv));

	sv->pvci = xstrdup(pvci);
	sv->home = xstrdup(home);
	return sv;
}

static void
child_release(struct child *c)
{
	free(c->job);
	free(c->host);
}

void
supervisor_free(struct supervisor *sv)
{
	int i;

	if (!sv)
		return;
	for (i = 0; i < sv->nchildren; i++)
		child_release(&sv->children[i]);
	free(sv->children);
	free(sv->pvci);
	free(sv->home);
	free(sv);
}

int
supervisor_reap(struct supervisor *sv)
{
	int i = 0;

	while (i < sv->nchildren) {
		struct child *c = &sv->children[i];
		int status;
		pid_t p = waitpid(c->pid, &status, WNOHANG);

		if (p == 0 || (p < 0 && errno == EINTR)) {
			i++;
			continue;
		}
		if (p > 0 && WIFSIGNALED(status))
			log_warnx("worker %ld (flight %ld job '%s') died of signal %d", (long)c->pid,
				  c->flight, c->job, WTERMSIG(status));
		else if (p > 0 && WEXITSTATUS(status) >= 3)
			log_warnx("worker %ld (flight %ld job '%s') could not run it (exit %d; "
				  "see its worker.log)", (long)c->pid, c->flight, c->job,
				  WEXITSTATUS(status));
		child_release(c);
		sv->children[i] = sv->children[--sv->nchildren];
	}
	return sv->nchildren;
}

/* Starts "pvci job run FLIGHT JOB [--host H]", its output appended to the job's worker.log. */
static int
spawn(struct supervisor *sv, long flight, const char *job, const char *host)
{
	char *dir = layout_job_logs(sv->home, flight, job), *log, fl[32];
	const char *argv[10];
	int fd, n = 0;
	pid_t pid;

	if (mkdir_p(dir, 0755) < 0) {
		free(dir);
		return -1;
	}
	log = path_join(dir, "worker.log");
	free(dir);
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		error("cannot open '%s'", log);
		free(log);
		return -1;
	}
	free(log);
	snprintf(fl, sizeof(fl), "%ld", flight);
	argv[n++] = sv->pvci;
	argv[n++] = "--home";
	argv[n++] = sv->home;
	argv[n++] = "job";
	argv[n++] = "run";
	argv[n++] = fl;
	argv[n++] = job;
	if (host) {
		argv[n++] = "--host";
		argv[n++] = host;
	}
	argv[n] = NULL;
	pid = fork();
	if (pid < 0) {
		close(fd);
		return error("cannot fork a worker");
	}
	if (pid == 0) {
		sigset_t none;

		/* A session of its own: the worker outlives the daemon and its signals. */
		setsid();
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(sv->pvci, (char *const *)argv);
		_exit(127);
	}
	close(fd);
	sv->children = xrealloc(sv->children, sizeof(*sv->children) * (size_t)(sv->nchildren + 1));
	sv->children[sv->nchildren++] = (struct child){ pid, flight, xstrdup(job),
		host ? xstrdup(host) : NULL };
	log_info("flight %ld job '%s': worker %ld started%s%s", flight, job, (long)pid,
		 host ? " on host " : " (no host)", host ? host : "");
	return 0;
}

/* The child started for this job and not reaped, or NULL. */
static const struct child *
child_of(const struct supervisor *sv, long flight, const char *job)
{
	int i;

	for (i = 0; i < sv->nchildren; i++)
		if (sv->children[i].flight == flight && !strcmp(sv->children[i].job, job))
			return &sv->children[i];
	return NULL;
}

static int
host_index(const struct pool_host *hosts, int n, const char *name)
{
	int i;

	for (i = 0; name && i < n; i++)
		if (!strcmp(hosts[i].name, name))
			return i;
	return -1;
}

int
supervisor_tick(struct supervisor *sv, struct instance *inst, struct supervisor_tick *out)
{
	const struct config_host *chosts;
	struct db_host_state *state = NULL;
	struct db_pool_job *jobs = NULL;
	struct db_lease *leases = NULL;
	struct pool_host *hosts = NULL;
	struct pool_job *pj = NULL;
	struct pool_result res = { 0 };
	const char *priority;
	long mem = config_int(inst->cfg, "guest.memory_mib");
	int nstate = 0, njobs = 0, nleases = 0, nhosts, i, k, rc = -1;

	memset(out, 0, sizeof(*out));
	supervisor_reap(sv);
	if (recover_orphans(inst) < 0 || run_recover_cleanups(inst, NULL) < 0 ||
	    pool_sync_hosts(inst) < 0 || db_hosts_state(inst->db, &state, &nstate) < 0 ||
	    db_leases(inst->db, &leases, &nleases) < 0 || db_pool_jobs(inst->db, &jobs, &njobs) < 0)
		goto done;
	chosts = config_hosts(inst->cfg, &nhosts);
	hosts = xcalloc((size_t)nhosts + 1, sizeof(*hosts));
	for (i = 0; i < nhosts; i++) {
		hosts[i].name = chosts[i].name;
		hosts[i].enabled = 1;
		hosts[i].guests = chosts[i].guests;
		hosts[i].memory_mib = chosts[i].memory_mib;
		hosts[i].flags = (const char *const *)chosts[i].flags;
		hosts[i].nflags = chosts[i].nflags;
		for (k = 0; k < nstate; k++)
			if (!strcmp(state[k].name, chosts[i].name))
				hosts[i].enabled = state[k].enabled;
	}
	for (i = 0; i < nleases; i++) {
		int h = host_index(hosts, nhosts, leases[i].host);

		if (h >= 0) {
			hosts[h].used_guests++;
			hosts[h].used_mib += leases[i].memory_mib;
		}
	}
	priority = config_str(inst->cfg, "scheduler.priority");
	pj = xcalloc((size_t)njobs + 1, sizeof(*pj));
	for (i = 0; i < njobs; i++) {
		const struct db_pool_job *j = &jobs[i];
		const struct child *c = child_of(sv, j->flight, j->job);

		pj[i] = (struct pool_job){
			.flight = j->flight, .name = j->job, .status = j->status,
			.rank = pool_class_rank(priority, pool_flight_class(j->trigger, j->blessing)),
			.created = j->created, .ordinal = j->ordinal, .needs_host = j->needs_host,
			.needs_flags = j->needs_flags, .avoid_host = j->avoid_host,
			.retry_pending = j->status == STATUS_BROKEN && j->needs_cleanup &&
				j->host && j->attempt < RECOVER_MAX_ATTEMPTS,
			.needs = (const char *const *)j->needs, .nneeds = j->nneeds,
		};
		/* Started but not yet claimed: it holds its slot already. */
		if (c && j->status == STATUS_QUEUED) {
			int h = host_index(hosts, nhosts, c->host);

			pj[i].status = STATUS_RUNNING;
			if (h >= 0) {
				hosts[h].used_guests++;
				hosts[h].used_mib += mem;
			}
		}
		out->queued += pj[i].status == STATUS_QUEUED;
		out->running += pj[i].status == STATUS_RUNNING || pj[i].status == STATUS_PREPARING;
		out->cleanups += j->needs_cleanup;
	}
	{
		struct pool_state st = {
			.jobs = pj, .njobs = njobs, .hosts = hosts, .nhosts = nhosts,
			.flight_share = (int)config_int(inst->cfg, "scheduler.flight_share"),
			.max_hostless = (int)config_int(inst->cfg, "scheduler.max_hostless"),
			.job_memory_mib = mem,
		};

		pool_schedule(&st, &res);
	}
	rc = 0;
	for (i = 0; i < res.nblock; i++) {
		const struct pool_job *j = &pj[res.block[i].job];
		char *note = res.block[i].because >= 0 ?
			xasprintf("job '%s' did not pass", pj[res.block[i].because].name) :
			xasprintf("a job it needs is not a job of flight %ld", j->flight);
		int b = run_block_job(inst, j->flight, j->name, note);

		free(note);
		if (b < 0) {
			rc = -1;
			break;
		}
		out->blocked += b;
		out->queued -= b;
		if (b && run_flight_finish_if_done(inst, j->flight) < 0)
			rc = -1;
	}
	for (i = 0; rc == 0 && i < res.nassign; i++) {
		const struct pool_job *j = &pj[res.assign[i].job];
		const char *host = res.assign[i].host >= 0 ? hosts[res.assign[i].host].name : NULL;

		if (spawn(sv, j->flight, j->name, host) == 0) {
			out->started++;
			out->queued--;
			out->running++;
		}
	}
done:
	out->children = sv->nchildren;
	pool_result_release(&res);
	free(pj);
	free(hosts);
	db_pool_jobs_free(jobs, njobs);
	db_leases_free(leases, nleases);
	db_hosts_state_free(state, nstate);
	return rc;
}
