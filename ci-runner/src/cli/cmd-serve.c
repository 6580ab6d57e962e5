#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "http.h"
#include "instance.h"
#include "log.h"
#include "serve.h"
#include "util.h"

#define SERVE_USAGE "serve [--listen ADDR:PORT]"

static int
cmd_serve_exec(struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct cmd_form form = { "serve", SERVE_USAGE };
	const char *listen = NULL;
	struct http_limits limits;
	struct http_routes routes;
	struct http_server *srv;
	struct web_site *site;
	struct instance *inst;
	sigset_t set;
	int c, sig;

	optind = 0;
	while ((c = cmd_getopt(&form, opts, argc, argv, "", longopts)) != -1) {
		switch (c) {
		case 'l':
			listen = optarg;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return cmd_form_error(&form, "unexpected '%s'", argv[optind]);
	/* Read-only: the pages never write, and a reader of the instance may serve it. */
	inst = instance_open(opts->home, INSTANCE_READ);
	if (!inst)
		return EXIT_ERROR;
	if (!listen)
		listen = config_str(inst->cfg, "web.listen");
	http_limits_default(&limits);
	limits.timeout = (unsigned)config_int(inst->cfg, "web.timeout");
	limits.connections = (unsigned)config_int(inst->cfg, "web.connections");
	if (limits.per_ip > limits.connections)
		limits.per_ip = limits.connections;
	site = web_site_new(inst->home);
	if (!site) {
		instance_close(inst);
		return EXIT_ERROR;
	}
	/* The listener's threads inherit the mask: only this one takes the signals. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	routes = web_site_routes(site);
	srv = http_start(listen, &routes, 1, &limits);
	if (!srv) {
		web_site_free(site);
		instance_close(inst);
		return EXIT_ERROR;
	}
	{
		const char *colon = strrchr(listen, ':');

		printf("pvci serve: listening on http://%.*s:%d/\n", (int)(colon - listen), listen,
		       http_port(srv));
	}
	if (cmd_flush_stdout() < 0)
		log_warnx("serve: standard output is gone; serving on");
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig != SIGHUP)
			break;
	}
	log_info("serve: signal %d, stopping", sig);
	http_stop(srv);
	web_site_free(site);
	instance_close(inst);
	return EXIT_PASS;
}

const struct cmd_entry cmd_serve_entry = {
	.name = "serve",
	.usage = SERVE_USAGE,
	.summary = "serve the result pages, logs, artifacts and the JSON API over HTTP",
	.help =
	"Serves the instance's results read-only: the index, flight, job, history,\n"
	"trends and regressions pages, the logs (/logs/FLIGHT/JOB/NN.STEP.log) and\n"
	"artifacts (/artifacts/...), and the JSON API under /api/. Prints the URL it\n"
	"listens on; SIGTERM or Ctrl-C stops it.\n\n"
	"  --listen ADDR:PORT   where to listen (default: config web.listen,\n"
	"                       127.0.0.1:8080); port 0 picks a free port\n",
	.exec = cmd_serve_exec,
};
