/*
 * pvci agent: talks to a guest agent on a serial device of this host, with
 * the host-side agent code the steps use (guest/agent.c). For a lab host
 * (a Windows guest's port exported as a pty) and for testing the Windows
 * agent under Wine.
 *
 *   agent --serial PATH [--timeout S] [--limit S] OP [ARGS]
 *
 * OP: ping; run CMD... (--limit: the guest kills it after S seconds);
 * get GUEST-PATH LOCAL; put LOCAL GUEST-PATH; drivers, services, events,
 * dumps; reboot, shutdown.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "cmd.h"
#include "log.h"
#include "util.h"

#define AGENT_USAGE "agent --serial PATH [--timeout S] [--limit S] OP [ARGS]"
#define FILE_MAX (256L * 1024 * 1024)	/* a kernel memory dump may be large */

static const struct cmd_form agent_form = { "agent", AGENT_USAGE };

static int
positive(const char *what, const char *s, int *out)
{
	long v;

	if (parse_long(s, &v) < 0 || v < 1 || v > 86400)
		return cmd_form_error(&agent_form, "%s '%s' is not 1..86400 seconds", what, s);
	*out = (int)v;
	return 0;
}

/* The words of a command, joined by spaces. */
static char *
join(int argc, char **argv)
{
	size_t len = 0, off = 0;
	char *s;
	int i;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = xcalloc(1, len + 1);
	for (i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (i)
			s[off++] = ' ';
		memcpy(s + off, argv[i], n);
		off += n;
	}
	return s;
}

static int
print_reply(const char *op, int status, char *out, int killed, int limit)
{
	if (out)
		fputs(out, stdout);
	free(out);
	if (killed) {
		fprintf(stderr, "pvci agent: %s: killed at its limit of %d seconds\n", op, limit);
		return EXIT_FAILED;
	}
	if (status != 0) {
		fprintf(stderr, "pvci agent: %s: exit status %d\n", op, status);
		return EXIT_FAILED;
	}
	return EXIT_PASS;
}

static int
do_op(struct agent *a, int timeout, int limit, int argc, char **argv)
{
	const char *op = argv[0];
	char *out = NULL, *cmd;
	int status = -1, killed = 0, r;

	if (strcmp(op, "ping") == 0 && argc == 1) {
		char *boot = NULL;

		if (agent_wait_ready(a, timeout, NULL, &boot) < 0)
			return EXIT_BROKEN;
		printf("ready: boot %s\n", boot);
		free(boot);
		return EXIT_PASS;
	}
	if (strcmp(op, "run") == 0 && argc >= 2) {
		cmd = join(argc - 1, argv + 1);
		r = limit ? agent_run_limit(a, cmd, limit, timeout, &status, &killed, &out) :
			    agent_run(a, cmd, timeout, &status, &out);
		free(cmd);
		if (r < 0)
			return EXIT_BROKEN;
		return print_reply(op, status, out, killed, limit);
	}
	if (strcmp(op, "get") == 0 && argc == 3) {
		void *data;
		size_t len;

		if (agent_get_file(a, argv[1], FILE_MAX, timeout, &data, &len) < 0)
			return EXIT_BROKEN;
		r = write_file_atomic(argv[2], data, len, 0644);
		free(data);
		if (r < 0)
			return EXIT_ERROR;
		printf("got '%s' (%zu bytes) into '%s'\n", argv[1], len, argv[2]);
		return EXIT_PASS;
	}
	if (strcmp(op, "put") == 0 && argc == 3) {
		size_t len;
		char *data = read_file(argv[1], FILE_MAX, &len);

		if (data == NULL)
			return EXIT_ERROR;
		r = agent_put_file(a, argv[2], data, len, timeout);
		free(data);
		if (r < 0)
			return EXIT_BROKEN;
		printf("put '%s' (%zu bytes) as '%s'\n", argv[1], len, argv[2]);
		return EXIT_PASS;
	}
	if (argc == 1 && (strcmp(op, "drivers") == 0 || strcmp(op, "services") == 0 ||
			  strcmp(op, "events") == 0 || strcmp(op, "dumps") == 0 ||
			  strcmp(op, "reboot") == 0 || strcmp(op, "shutdown") == 0)) {
		char upper[16];
		size_t i;

		for (i = 0; op[i] && i + 1 < sizeof(upper); i++)
			upper[i] = (char)(op[i] - 'a' + 'A');
		upper[i] = '\0';
		if (agent_query(a, upper, timeout, &status, &out) < 0)
			return EXIT_BROKEN;
		return print_reply(op, status, out, 0, 0);
	}
	return cmd_form_error(&agent_form, "unknown operation or wrong arguments: '%s'", op);
}

static int
cmd_agent_exec(struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "serial", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "limit", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	const char *serial = NULL;
	int c, timeout = 60, limit = 0, rc;
	struct agent *a;

	optind = 0;
	/* "+": options end at OP, so a command's own options stay its own. */
	while ((c = cmd_getopt(&agent_form, opts, argc, argv, "+", longopts)) != -1) {
		if (c == 's')
			serial = optarg;
		else if (c == 't') {
			if (positive("--timeout", optarg, &timeout) < 0)
				return EXIT_USAGE;
		} else if (c == 'l') {
			if (positive("--limit", optarg, &limit) < 0)
				return EXIT_USAGE;
		} else
			return EXIT_USAGE;
	}
	if (serial == NULL)
		return cmd_form_error(&agent_form, "needs --serial PATH");
	if (optind >= argc)
		return cmd_form_error(&agent_form, "needs an operation");
	a = agent_open_serial(serial);
	if (a == NULL)
		return EXIT_ERROR;
	rc = do_op(a, timeout, limit, argc - optind, argv + optind);
	agent_close(a);
	return rc;
}

const struct cmd_entry cmd_agent_entry = {
	.name = "agent",
	.usage = AGENT_USAGE,
	.summary = "talk to a guest agent on a serial device (a pty, a lab host's port)",
	.help = "  ping                  wait for the agent's READY\n"
		"  run CMD...            run CMD in the guest's shell (--limit S: the\n"
		"                        guest kills it after S seconds)\n"
		"  get GUEST-PATH LOCAL  copy a guest file here\n"
		"  put LOCAL GUEST-PATH  copy a file into the guest\n"
		"  drivers, services, events, dumps\n"
		"                        driver packages, driver services, event-log errors\n"
		"                        since boot, crash dumps (the Windows agent)\n"
		"  reboot, shutdown      ask the guest to restart or to power off\n"
		"  --timeout S           the host's limit on each request (default 60)\n",
	.exec = cmd_agent_exec,
};
