#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "daemon.h"
#include "log.h"
#include "util.h"

static int
cmd_daemon_exec(struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "syslog", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct cmd_form form = { "daemon", "daemon [--listen ADDR:PORT] [--syslog]" };
	struct daemon_opts o = { .home = opts->home };
	char self[4096];
	const char *offset = getenv("PVCI_CLOCK_OFFSET");
	ssize_t len;
	int c, use_syslog = 0;

	optind = 0;
	while ((c = cmd_getopt(&form, opts, argc, argv, "", longopts)) != -1) {
		if (c == 'l')
			o.listen = optarg;
		else if (c == 's')
			use_syslog = 1;
		else
			return EXIT_USAGE;
	}
	if (optind != argc)
		return cmd_form_error(&form, "takes no arguments");
	/* Tests move the triggers' clock (a nightly slot) without waiting for it. */
	if (offset && parse_long(offset, &o.clock_offset) < 0)
		return cmd_form_error(&form, "PVCI_CLOCK_OFFSET must be a number of seconds");
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0) {
		error("cannot find this program's path");
		return EXIT_ERROR;
	}
	self[len] = '\0';
	o.pvci = self;
	/* A service says what it does: its decisions are logged without -v. */
	log_init("pvci", opts->verbose < 1 ? 1 : opts->verbose);
	if (use_syslog)
		log_to_syslog("pvci");
	return daemon_run(&o) < 0 ? EXIT_ERROR : EXIT_PASS;
}

const struct cmd_entry cmd_daemon_entry = {
	.name = "daemon",
	.usage = "daemon [--listen ADDR:PORT] [--syslog]",
	.summary = "run the service: triggers, the host pool's workers, the HTTP listener",
	.help = "Each round (service.tick_ms) the daemon polls the configured branches that\n"
		"are due (service.poll_interval) and fires the nightly schedules, starts the\n"
		"queued jobs of all flights on the host pool as workers ('pvci job run'),\n"
		"notices dead ones, and, for each finished flight, runs its regressed jobs\n"
		"again (real-retry), moves the push gate and sends the email. Its listener\n"
		"(--listen, default service.listen) serves the results pages and API and takes\n"
		"POST /api/hooks/push (GitHub, GitLab) and POST /api/flights (bearer token).\n"
		"One daemon an instance (daemon.pid). SIGTERM or SIGINT stop it; workers carry\n"
		"on and the next daemon adopts them. SIGHUP reloads config.json (a bad one is\n"
		"refused; the old one stays). Logs go to stderr, and with --syslog to syslog\n"
		"too (facility daemon).\n",
	.exec = cmd_daemon_exec,
};

static int
cmd_status_exec(struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = { { NULL, 0, NULL, 0 } };
	static const struct cmd_form form = { "status", "status" };
	int c;

	optind = 0;
	while ((c = cmd_getopt(&form, opts, argc, argv, "", longopts)) != -1)
		return EXIT_USAGE;
	if (optind != argc)
		return cmd_form_error(&form, "takes no arguments");
	return daemon_status(opts->home) < 0 ? EXIT_ERROR : EXIT_PASS;
}

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.usage = "status",
	.summary = "the daemon, the queue, the running jobs and the hosts",
	.help = NULL,
	.exec = cmd_status_exec,
};
