#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "api-flights.h"
#include "config.h"
#include "daemon.h"
#include "db.h"
#include "http.h"
#include "instance.h"
#include "log.h"
#include "request.h"
#include "serve.h"
#include "status.h"
#include "supervisor.h"
#include "trigger.h"
#include "util.h"
#include "verdicts.h"
#include "webhook.h"
#include "worker.h"

/* The daemon's state; the listener's threads and the loop share it under lock. */
struct daemon {
	struct instance *inst;
	pthread_mutex_t lock;
	long clock_offset;
};

typedef int (*service_fn)(struct instance *inst, const struct config *cfg,
			  const struct service_request *req, struct service_answer *a);

struct header_list {
	struct service_header *h;
	int n, cap;
};

static void
add_header(void *arg, const char *name, const char *value)
{
	struct header_list *l = arg;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->h = xrealloc(l->h, (size_t)l->cap * sizeof(*l->h));
	}
	l->h[l->n].name = name;
	l->h[l->n].value = value;
	l->n++;
}

/*
 * The listener's request as the service's handlers take it (request.h);
 * they run under the daemon's lock, one at a time with the loop, since
 * they share its database connection and config.
 */
static int
service_route(struct http_request *req, struct http_response *res, service_fn fn)
{
	struct daemon *d = http_request_ctx(req);
	struct header_list hl = { 0 };
	struct service_request sr = { 0 };
	struct service_answer a = { 0 };
	size_t len = 0;

	http_request_headers(req, add_header, &hl);
	sr.headers = hl.h;
	sr.nheaders = hl.n;
	sr.body = http_request_body(req, &len);
	sr.body_len = sr.body ? len : 0;
	pthread_mutex_lock(&d->lock);
	fn(d->inst, d->inst->cfg, &sr, &a);
	pthread_mutex_unlock(&d->lock);
	res->status = a.status;
	res->type = "application/json";
	strbuf_adds(&res->body, a.body ? a.body : "{}");
	strbuf_adds(&res->body, "\n");
	res->no_store = 1;
	service_answer_release(&a);
	free(hl.h);
	return 0;
}

static int
hooks_push(struct http_request *req, struct http_response *res, const char *const *args,
	   int nargs)
{
	(void)args;
	(void)nargs;
	return service_route(req, res, webhook_handle);
}

static int
flights_post(struct http_request *req, struct http_response *res, const char *const *args,
	     int nargs)
{
	(void)args;
	(void)nargs;
	return service_route(req, res, api_flights_post);
}

/*
 * The lock that makes one daemon an instance: daemon.pid, locked while the
 * daemon runs, holding its pid. The fd stays open (and locked) until exit.
 */
static int
take_lock(const char *home)
{
	char *path = path_join(home, "daemon.pid"), buf[32];
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0) {
		error("cannot open '%s'", path);
		free(path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		errorx("another pvci daemon (pid %s) runs the instance '%s'", *buf ? buf : "?",
		       home);
		close(fd);
		free(path);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		error("cannot write '%s'", path);
		close(fd);
		free(path);
		return -1;
	}
	free(path);
	return fd;
}

/* A config for the instance that loads, with its secrets, and checks; NULL (reported). */
static struct config *
load_checked(struct instance *inst)
{
	char *path = path_join(inst->home, "config.json");
	struct config *cfg = config_load(path), *old;
	int rc;

	free(path);
	if (!cfg)
		return NULL;
	if (config_load_secrets(cfg, inst->home) < 0) {
		config_free(cfg);
		return NULL;
	}
	/* trigger_check_config reads inst->cfg's neighbours only through cfg. */
	old = inst->cfg;
	inst->cfg = cfg;
	rc = trigger_check_config(inst, cfg);
	inst->cfg = old;
	if (rc < 0) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

static void
reload(struct daemon *d)
{
	struct config *cfg = load_checked(d->inst);

	if (!cfg) {
		errorx("daemon: SIGHUP: the new config.json is refused (above); the old one stays");
		return;
	}
	pthread_mutex_lock(&d->lock);
	config_free(d->inst->cfg);
	d->inst->cfg = cfg;
	if (pool_sync_hosts(d->inst) < 0)
		errorx("daemon: the hosts of the new config could not be recorded");
	pthread_mutex_unlock(&d->lock);
	log_info("daemon: config.json reloaded");
}

/* One round: triggers due, workers, finished flights. */
static void
tick(struct daemon *d, struct supervisor *sv)
{
	struct supervisor_tick t;
	long now = now_seconds() + d->clock_offset;

	pthread_mutex_lock(&d->lock);
	trigger_tick(d->inst, d->inst->cfg, now);
	if (supervisor_tick(sv, d->inst, &t) == 0 && (t.started || t.blocked))
		log_info("daemon: started %d job%s, blocked %d; queued %d, running %d",
			 t.started, t.started == 1 ? "" : "s", t.blocked, t.queued, t.running);
	verdicts_tick(d->inst, stdout);
	fflush(stdout);
	pthread_mutex_unlock(&d->lock);
}

int
daemon_run(const struct daemon_opts *o)
{
	static const struct http_route routes[] = {
		{ "POST", "/api/hooks/push", hooks_push, 0 },
		{ "POST", "/api/flights", flights_post, 0 },
	};
	struct http_route own[2];
	struct http_routes tables[2];
	struct http_limits limits;
	struct http_server *srv = NULL;
	struct web_site *site = NULL;
	struct supervisor *sv = NULL;
	struct signalfd_siginfo si;
	struct daemon d = { .clock_offset = o->clock_offset };
	struct config *cfg;
	const char *listen;
	sigset_t sigs;
	int lockfd = -1, sfd = -1, rc = -1, i, stop = 0;
	long rounds;
	long tick_ms;

	pthread_mutex_init(&d.lock, NULL);
	d.inst = instance_open(o->home, INSTANCE_RUN);
	if (!d.inst)
		return -1;
	lockfd = take_lock(d.inst->home);
	if (lockfd < 0)
		goto out;
	cfg = load_checked(d.inst);
	if (!cfg)
		goto out;
	config_free(d.inst->cfg);
	d.inst->cfg = cfg;
	if (pool_sync_hosts(d.inst) < 0)
		goto out;
	/* Signals through a descriptor; blocked before any thread starts. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &sigs, NULL) < 0 ||
	    (sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		error("cannot take signals through a descriptor");
		goto out;
	}
	site = web_site_new(d.inst->home);
	if (!site)
		goto out;
	for (i = 0; i < 2; i++) {
		own[i] = routes[i];
		own[i].max_body = (size_t)config_int(cfg, "service.max_body");
	}
	tables[0] = (struct http_routes){ own, 2, &d };
	tables[1] = web_site_routes(site);
	http_limits_default(&limits);
	limits.timeout = (unsigned)config_int(cfg, "web.timeout");
	limits.connections = (unsigned)config_int(cfg, "web.connections");
	listen = o->listen ? o->listen : config_str(cfg, "service.listen");
	srv = http_start(listen, tables, 2, &limits);
	if (!srv)
		goto out;
	sv = supervisor_new(o->pvci, d.inst->home);
	printf("pvci daemon: pid %ld, listening on http://%.*s:%d/\n", (long)getpid(),
	       (int)(strrchr(listen, ':') ? strrchr(listen, ':') - listen : 0), listen,
	       http_port(srv));
	fflush(stdout);
	log_info("daemon: started (pid %ld), instance '%s'", (long)getpid(), d.inst->home);
	rc = 0;
	for (rounds = 0; !stop; rounds++) {
		struct pollfd pfd = { .fd = sfd, .events = POLLIN };

		tick(&d, sv);
		supervisor_reap(sv);
		if (!rounds)
			log_info("daemon: first round done");
		pthread_mutex_lock(&d.lock);
		tick_ms = config_int(d.inst->cfg, "service.tick_ms");
		pthread_mutex_unlock(&d.lock);
		if (poll(&pfd, 1, (int)tick_ms) < 0 && errno != EINTR) {
			error("daemon: poll");
			rc = -1;
			break;
		}
		while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo == SIGHUP) {
				reload(&d);
			} else {
				log_info("daemon: %s: stopping the triggers and the listener; "
					 "running workers carry on", strsignal((int)si.ssi_signo));
				stop = 1;
			}
		}
	}
out:
	http_stop(srv);
	web_site_free(site);
	if (sv) {
		supervisor_reap(sv);
		supervisor_free(sv);
	}
	if (sfd >= 0)
		close(sfd);
	if (lockfd >= 0)
		close(lockfd);
	instance_close(d.inst);
	pthread_mutex_destroy(&d.lock);
	if (!rc)
		log_info("daemon: stopped");
	return rc;
}

/* The pid of the daemon holding the lock of home, 0 when none runs, -1. */
static long
daemon_pid(const char *home)
{
	char *path = path_join(home, "daemon.pid"), buf[32];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	long pid = 0;
	ssize_t n;

	free(path);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if (flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK) {
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		if (parse_long(buf, &pid) < 0 || pid <= 0)
			pid = -1;
	}
	close(fd);
	return pid;
}

int
daemon_status(const char *home_opt)
{
	struct instance *inst = instance_open(home_opt, INSTANCE_READ);
	struct db_host_state *hosts = NULL;
	struct db_lease *leases = NULL;
	json_t *queue = NULL, *running = NULL, *v;
	int nhosts = 0, nleases = 0, i, k, rc = -1;
	long pid;
	size_t j;

	if (!inst)
		return -1;
	pid = daemon_pid(inst->home);
	if (pid > 0)
		printf("daemon: running, pid %ld\n", pid);
	else if (pid == 0)
		printf("daemon: not running\n");
	else
		printf("daemon: running, pid unknown\n");
	queue = db_queue_json(inst->db);
	running = queue ? db_running_json(inst->db) : NULL;
	if (!running || db_hosts_state(inst->db, &hosts, &nhosts) < 0 ||
	    db_leases(inst->db, &leases, &nleases) < 0)
		goto out;
	printf("queue: %zu flight%s\n", json_array_size(queue),
	       json_array_size(queue) == 1 ? "" : "s");
	json_array_foreach(queue, j, v)
		printf("  flight %lld %s %s: %lld job%s queued\n",
		       (long long)json_integer_value(json_object_get(v, "flight")),
		       json_string_value(json_object_get(v, "branch")),
		       json_string_value(json_object_get(v, "blessing")),
		       (long long)json_integer_value(json_object_get(v, "queued")),
		       json_integer_value(json_object_get(v, "queued")) == 1 ? "" : "s");
	printf("running: %zu job%s\n", json_array_size(running),
	       json_array_size(running) == 1 ? "" : "s");
	json_array_foreach(running, j, v) {
		const char *host = json_string_value(json_object_get(v, "host"));

		printf("  flight %lld %s %s on %s, pid %lld\n",
		       (long long)json_integer_value(json_object_get(v, "flight")),
		       json_string_value(json_object_get(v, "job")),
		       json_string_value(json_object_get(v, "status")), host ? host : "-",
		       (long long)json_integer_value(json_object_get(v, "owner_pid")));
	}
	printf("hosts: %d\n", nhosts);
	for (i = 0; i < nhosts; i++) {
		int n = 0;

		for (k = 0; k < nleases; k++)
			n += !strcmp(leases[k].host, hosts[i].name);
		printf("  %s: %s, %d lease%s%s%s\n", hosts[i].name,
		       hosts[i].enabled ? "enabled" : "disabled", n, n == 1 ? "" : "s",
		       hosts[i].reason ? ": " : "", hosts[i].reason ? hosts[i].reason : "");
	}
	rc = 0;
out:
	json_decref(queue);
	json_decref(running);
	db_hosts_state_free(hosts, nhosts);
	db_leases_free(leases, nleases);
	instance_close(inst);
	return rc;
}
