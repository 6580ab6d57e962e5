#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "config.h"
#include "db.h"
#include "instance.h"
#include "log.h"
#include "util.h"
#include "worker.h"

static void
print_when(long t)
{
	char buf[32];
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	printf("%s", buf);
}

static int
host_list(struct instance *inst)
{
	const struct config_host *hosts;
	struct db_host_state *state = NULL;
	struct db_lease *leases = NULL;
	int n, nstate = 0, nleases = 0, i, k;

	if (db_hosts_state(inst->db, &state, &nstate) < 0 ||
	    db_leases(inst->db, &leases, &nleases) < 0) {
		db_hosts_state_free(state, nstate);
		return -1;
	}
	hosts = config_hosts(inst->cfg, &n);
	for (i = 0; i < n; i++) {
		const struct config_host *h = &hosts[i];
		const struct db_host_state *s = NULL;
		long used = 0, mib = 0;

		for (k = 0; k < nstate; k++)
			if (!strcmp(state[k].name, h->name))
				s = &state[k];
		for (k = 0; k < nleases; k++)
			if (!strcmp(leases[k].host, h->name)) {
				used++;
				mib += leases[k].memory_mib;
			}
		printf("%s  %s  %s  guests %ld/%ld  memory %ld/%ld MiB  flags %s", h->name,
		       !s || s->enabled ? "enabled" : "disabled", h->uri ? h->uri : h->toolstack,
		       used, h->guests, mib, h->memory_mib, h->nflags ? "" : "-");
		for (k = 0; k < h->nflags; k++)
			printf("%s%s", k ? "," : "", h->flags[k]);
		printf("\n");
		if (s && !s->enabled) {
			printf("  disabled since ");
			print_when(s->disabled_at);
			printf(": %s\n", s->reason ? s->reason : "(no reason given)");
		} else if (s && s->broken_streak) {
			printf("  broken in a row: %d (%s)\n", s->broken_streak,
			       s->broken_jobs ? s->broken_jobs : "");
		}
		for (k = 0; k < nleases; k++)
			if (!strcmp(leases[k].host, h->name)) {
				printf("  lease: flight %ld job %s, %ld MiB, process %ld on %s, since ",
				       leases[k].flight, leases[k].job, leases[k].memory_mib,
				       leases[k].owner.pid, leases[k].owner.host);
				print_when(leases[k].since);
				printf("\n");
			}
	}
	for (k = 0; k < nstate; k++)
		if (!config_host(inst->cfg, state[k].name))
			printf("%s  not in the config (kept in the database)\n", state[k].name);
	db_hosts_state_free(state, nstate);
	db_leases_free(leases, nleases);
	return 0;
}

static int
cmd_host_exec(struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct cmd_form list_form = { "host list", "host list" };
	static const struct cmd_form set_form = { "host disable",
		"host disable|enable NAME [--reason TEXT]" };
	const char *reason = NULL, *what;
	struct instance *inst;
	int c, rc = EXIT_PASS, enable;

	if (argc < 2)
		return cmd_usage_error(&cmd_host_entry, "which host command?");
	what = argv[1];
	argc--;
	argv++;
	optind = 0;
	if (!strcmp(what, "list")) {
		while ((c = cmd_getopt(&list_form, opts, argc, argv, "", longopts + 1)) != -1)
			return EXIT_USAGE;
		if (optind != argc)
			return cmd_form_error(&list_form, "takes no arguments");
		inst = instance_open(opts->home, INSTANCE_RUN);
		if (!inst)
			return EXIT_ERROR;
		if (pool_sync_hosts(inst) < 0 || host_list(inst) < 0)
			rc = EXIT_ERROR;
		instance_close(inst);
		return rc;
	}
	if (strcmp(what, "disable") && strcmp(what, "enable"))
		return cmd_usage_error(&cmd_host_entry, "unknown host command '%s'", what);
	enable = !strcmp(what, "enable");
	while ((c = cmd_getopt(&set_form, opts, argc, argv, "", longopts)) != -1) {
		if (c != 'r')
			return EXIT_USAGE;
		reason = optarg;
	}
	if (optind + 1 != argc)
		return cmd_form_error(&set_form, "needs one host NAME");
	if (!name_is_valid(argv[optind]))
		return cmd_form_error(&set_form, "'%s' is not a host name", argv[optind]);
	inst = instance_open(opts->home, INSTANCE_RUN);
	if (!inst)
		return EXIT_ERROR;
	if (!config_host(inst->cfg, argv[optind])) {
		errorx("no host '%s' in the pool (config.json 'hosts')", argv[optind]);
		rc = EXIT_ERROR;
	} else if (pool_sync_hosts(inst) < 0) {
		rc = EXIT_ERROR;
	} else {
		char *r = reason ? xasprintf("%s (by %s)", reason, getenv("USER") ? getenv("USER") :
					      "?") :
			xasprintf("disabled by hand (by %s)", getenv("USER") ? getenv("USER") : "?");

		if (db_host_set_enabled(inst->db, argv[optind], enable, r) < 0)
			rc = EXIT_ERROR;
		else
			printf("host %s %s%s\n", argv[optind], enable ? "enabled" : "disabled",
			       enable ? "" : " (running jobs finish)");
		free(r);
	}
	instance_close(inst);
	return rc;
}

const struct cmd_entry cmd_host_entry = {
	.name = "host",
	.usage = "host list | host disable|enable NAME [--reason TEXT]",
	.summary = "the host pool: each host's state, capacity, flags and leases; take one out",
	.help = "host list shows each host of the pool (config.json 'hosts', else the host\n"
		"'local'), enabled or disabled (and why, since when), the guests and memory its\n"
		"leases hold, and each lease (flight, job, owner process). host disable takes a\n"
		"host out of service: no job starts on it, running jobs finish. A host whose\n"
		"jobs end broken pool.auto_disable_after times in a row (default 2) is disabled\n"
		"automatically with the jobs named. host enable puts it back.\n",
	.exec = cmd_host_exec,
};
