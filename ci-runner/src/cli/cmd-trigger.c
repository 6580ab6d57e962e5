#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api-flights.h"
#include "cmd.h"
#include "config.h"
#include "instance.h"
#include "log.h"
#include "nightly.h"
#include "request.h"
#include "trigger.h"
#include "trigger-push.h"
#include "util.h"
#include "webhook.h"

#define POLL_USAGE "trigger poll"
#define CHECK_USAGE "trigger check"
#define NIGHTLY_USAGE "trigger nightly [--now TIME]"
#define HTTP_USAGE "trigger http POST PATH [--header 'NAME: VALUE']... [--max-body BYTES] < BODY"

static const struct cmd_form poll_form = { "trigger poll", POLL_USAGE };
static const struct cmd_form check_form = { "trigger check", CHECK_USAGE };
static const struct cmd_form nightly_form = { "trigger nightly", NIGHTLY_USAGE };
static const struct cmd_form http_form = { "trigger http", HTTP_USAGE };

#define HTTP_MAX_HEADERS 64

/* "2026-11-26T02:00[:SS]Z" (UTC) or "@SECONDS" into seconds since the epoch. */
static int
parse_time(const char *s, long *out)
{
	struct tm tm;
	const char *end;

	if (s[0] == '@')
		return parse_long(s + 1, out);
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M", &tm);
	if (end && *end == ':')
		end = strptime(end, ":%S", &tm);
	if (!end || strcmp(end, "Z"))
		return -1;
	*out = (long)timegm(&tm);
	return 0;
}

/* The instance, its secrets when asked, and a config the triggers can use. */
static struct instance *
open_service(struct cmd_opts *opts, int secrets)
{
	struct instance *inst = instance_open(opts->home, INSTANCE_RUN);

	if (inst && ((secrets && config_load_secrets(inst->cfg, inst->home) < 0) ||
		     trigger_check_config(inst, inst->cfg) < 0)) {
		instance_close(inst);
		return NULL;
	}
	return inst;
}

static int
trigger_check_cmd(struct cmd_opts *opts, int argc, char **argv)
{
	struct instance *inst;
	int c;

	optind = 0;
	while ((c = cmd_getopt(&check_form, opts, argc, argv, "", NULL)) != -1)
		return EXIT_USAGE;
	if (optind != argc)
		return cmd_form_error(&check_form, "takes no arguments");
	inst = open_service(opts, 1);
	if (!inst)
		return EXIT_ERROR;
	instance_close(inst);
	printf("config, secrets and recipes of the triggers are usable\n");
	return EXIT_PASS;
}

static int
trigger_poll_cmd(struct cmd_opts *opts, int argc, char **argv)
{
	struct instance *inst;
	int c, rc;

	optind = 0;
	while ((c = cmd_getopt(&poll_form, opts, argc, argv, "", NULL)) != -1)
		return EXIT_USAGE;
	if (optind != argc)
		return cmd_form_error(&poll_form, "takes no arguments");
	inst = open_service(opts, 0);
	if (!inst)
		return EXIT_ERROR;
	rc = trigger_push_poll_all(inst, inst->cfg, now_seconds()) < 0 ? EXIT_ERROR : EXIT_PASS;
	instance_close(inst);
	return rc;
}

static int
trigger_nightly_cmd(struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "now", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct instance *inst;
	long now = now_seconds();
	int c, rc;

	optind = 0;
	while ((c = cmd_getopt(&nightly_form, opts, argc, argv, "", longopts)) != -1) {
		if (c != 'n')
			return EXIT_USAGE;
		if (parse_time(optarg, &now) < 0)
			return cmd_form_error(&nightly_form, "--now '%s': expected "
					      "YYYY-MM-DDTHH:MM[:SS]Z (UTC) or @SECONDS", optarg);
	}
	if (optind != argc)
		return cmd_form_error(&nightly_form, "takes no arguments");
	inst = open_service(opts, 0);
	if (!inst)
		return EXIT_ERROR;
	rc = trigger_nightly_tick(inst, inst->cfg, now) < 0 ? EXIT_ERROR : EXIT_PASS;
	instance_close(inst);
	return rc;
}

static int
trigger_http_cmd(struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "header", required_argument, NULL, 'H' },
		{ "max-body", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	struct service_header headers[HTTP_MAX_HEADERS];
	struct service_answer a = { 0, NULL, 0 };
	struct service_request req = { headers, 0, NULL, 0 };
	char *names[HTTP_MAX_HEADERS], *body = NULL;
	struct instance *inst = NULL;
	long max_body = 1 << 20;
	int c, i, rc = EXIT_USAGE;
	size_t len = 0;

	optind = 0;
	while ((c = cmd_getopt(&http_form, opts, argc, argv, "", longopts)) != -1) {
		const char *colon;

		switch (c) {
		case 'H':
			colon = strchr(optarg, ':');
			if (!colon || colon == optarg || req.nheaders >= HTTP_MAX_HEADERS) {
				rc = cmd_form_error(&http_form, "--header '%s': expected 'NAME: VALUE'",
						    optarg);
				goto out;
			}
			names[req.nheaders] = xasprintf("%.*s", (int)(colon - optarg), optarg);
			for (colon++; *colon == ' '; colon++)
				;
			headers[req.nheaders].name = names[req.nheaders];
			headers[req.nheaders++].value = colon;
			break;
		case 'm':
			if (parse_long(optarg, &max_body) < 0 || max_body < 0) {
				rc = cmd_form_error(&http_form, "--max-body needs a number of bytes");
				goto out;
			}
			break;
		default:
			goto out;
		}
	}
	if (optind + 2 != argc || strcmp(argv[optind], "POST")) {
		rc = cmd_form_error(&http_form, "needs POST and a PATH");
		goto out;
	}
	if (strcmp(argv[optind + 1], "/api/hooks/push") && strcmp(argv[optind + 1], "/api/flights")) {
		rc = cmd_form_error(&http_form, "no endpoint '%s' (/api/hooks/push, /api/flights)",
				    argv[optind + 1]);
		goto out;
	}
	rc = EXIT_ERROR;
	/* As the listener does: a body over the limit is refused unread. */
	body = read_fd(0, "standard input", (size_t)max_body, &len);
	if (!body) {
		printf("413\n{\"error\":\"the body is larger than %ld bytes\"}\n", max_body);
		rc = EXIT_FAILED;
		goto out;
	}
	req.body = body;
	req.body_len = len;
	inst = open_service(opts, 1);
	if (!inst)
		goto out;
	if (!strcmp(argv[optind + 1], "/api/hooks/push"))
		webhook_handle(inst, inst->cfg, &req, &a);
	else
		api_flights_post(inst, inst->cfg, &req, &a);
	printf("%d\n%s\n", a.status, a.body ? a.body : "");
	rc = a.status < 400 ? EXIT_PASS : EXIT_FAILED;
out:
	for (i = 0; i < req.nheaders; i++)
		free(names[i]);
	service_answer_release(&a);
	free(body);
	instance_close(inst);
	return rc;
}

static int
cmd_trigger_exec(struct cmd_opts *opts, int argc, char **argv)
{
	if (argc < 2)
		return cmd_usage_error(&cmd_trigger_entry, "which trigger command?");
	if (!strcmp(argv[1], "poll"))
		return trigger_poll_cmd(opts, argc - 1, argv + 1);
	if (!strcmp(argv[1], "nightly"))
		return trigger_nightly_cmd(opts, argc - 1, argv + 1);
	if (!strcmp(argv[1], "http"))
		return trigger_http_cmd(opts, argc - 1, argv + 1);
	if (!strcmp(argv[1], "check"))
		return trigger_check_cmd(opts, argc - 1, argv + 1);
	return cmd_usage_error(&cmd_trigger_entry, "no trigger command '%s'", argv[1]);
}

const struct cmd_entry cmd_trigger_entry = {
	.name = "trigger",
	.usage = POLL_USAGE "\n"
		 "       pvci " NIGHTLY_USAGE "\n"
		 "       pvci " HTTP_USAGE "\n"
		 "       pvci " CHECK_USAGE,
	.summary = "run the service's triggers once (push poll, nightly, HTTP endpoints)",
	.help = "What pvci daemon does on its own, one step at a time, for tests and by hand.\n"
		"The trees, branches and recipes are the \"trees\" section of config.json\n"
		"(pvci help config). Every decision is logged on stderr with its reason.\n"
		"poll     polls every branch with a push recipe (git ls-remote) now: a new\n"
		"         head makes a real flight, or moves the branch's still queued push\n"
		"         flight to it, or is skipped when a push flight already has it.\n"
		"nightly  fires every nightly schedule due at --now (default: now): makes the\n"
		"         branch's nightly flight unless one of the same revisions passed;\n"
		"         once per slot.\n"
		"http     answers one request to /api/hooks/push (GitHub and GitLab push\n"
		"         events) or /api/flights (one-off flights, bearer token) with the\n"
		"         body on standard input, as the daemon's listener would; prints the\n"
		"         HTTP status, then the JSON answer. A body over --max-body (1 MiB)\n"
		"         is refused with 413.\n"
		"check    checks the secrets file and that every push and nightly recipe\n"
		"         loads and has its branch's tree (each command above does too).\n"
		"Exit status: 0 done (http: status below 400), 1 http refused, 3 error.\n",
	.exec = cmd_trigger_exec,
};
