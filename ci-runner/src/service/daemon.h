/*
 * pvci daemon: one process for the service. Each tick (service.tick_ms)
 * it runs the triggers that are due (push polls, nightly schedules), the
 * pool's supervisor (dead workers noticed, queued jobs started as workers
 * "pvci job run", which outlive the daemon) and what follows finished
 * flights (retry, push gate, email). Beside it, the HTTP listener answers
 * the results pages and API (web/) and the daemon's own routes: POST
 * /api/hooks/push (webhooks) and POST /api/flights (one-off flights).
 *
 * One daemon an instance (a lock on daemon.pid). SIGTERM or SIGINT stop
 * the triggers and the listener within a bound and leave the workers
 * running; the next daemon adopts them. SIGHUP reloads config.json: a
 * config that does not load or check is refused, with the reason, and the
 * old one stays. Logs go to stderr, one line a decision.
 */
#ifndef PVCI_DAEMON_H
#define PVCI_DAEMON_H

struct daemon_opts {
	const char *home;	/* --home, or NULL */
	const char *listen;	/* ADDR:PORT, or NULL: service.listen */
	const char *pvci;	/* this program (absolute), for the workers */
	long clock_offset;	/* seconds added to the clock of the triggers (tests) */
};

/* Runs until SIGTERM/SIGINT: 0, or -1 when it could not start (reported). */
int daemon_run(const struct daemon_opts *o);

/*
 * pvci status: the daemon (its pid, or none), the queue, the running jobs
 * and the hosts of the instance at home, as text. 0 or -1.
 */
int daemon_status(const char *home_opt);

#endif
