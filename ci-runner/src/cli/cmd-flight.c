#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd.h"
#include "db.h"
#include "flight-create.h"
#include "flight-diff.h"
#include "flight-run.h"
#include "gate.h"
#include "instance.h"
#include "log.h"
#include "mail-flight.h"
#include "progress.h"
#include "recover.h"
#include "retry.h"
#include "show.h"
#include "util.h"
#include "watch.h"

/* A --runvar or --tree from the command line, in strings of its own. */
struct override {
	char *job_glob;		/* --runvar JOB:NAME=VALUE; NULL for every job */
	char *name;
	char *value;		/* the runvar's value, or the tree's URL */
	char *rev;		/* --tree NAME=URL#REV */
};

#define CREATE_USAGE "flight create RECIPE [--branch B] [--blessing real|adhoc|play|bisect]\n" \
	"                   [--tree NAME=URL[#REV]]... [--runvar [JOB:]NAME=VALUE]...\n" \
	"                   [--jobs GLOB]"
#define RUN_USAGE "flight run FLIGHT [--jobs GLOB]"
#define SHOW_USAGE "flight show FLIGHT [--json]"
#define LIST_USAGE "flight list [--branch B] [--limit K] [--json]"
#define DIFF_USAGE "flight diff A B [--json]"
#define WATCH_USAGE "flight watch FLIGHT [--timeout SECONDS]"

static const struct cmd_form create_form = { "flight create", CREATE_USAGE };
static const struct cmd_form run_form = { "flight run", RUN_USAGE };
static const struct cmd_form show_form = { "flight show", SHOW_USAGE };
static const struct cmd_form list_form = { "flight list", LIST_USAGE };
static const struct cmd_form diff_form = { "flight diff", DIFF_USAGE };
static const struct cmd_form watch_form = { "flight watch", WATCH_USAGE };

static int
parse_runvar_opt(const char *arg, struct override *o)
{
	const char *eq = strchr(arg, '='), *colon;

	if (!eq)
		return errorx("--runvar '%s': expected [JOB:]NAME=VALUE", arg);
	colon = memchr(arg, ':', (size_t)(eq - arg));
	o->job_glob = colon ? xasprintf("%.*s", (int)(colon - arg), arg) : NULL;
	o->name = colon ? xasprintf("%.*s", (int)(eq - colon - 1), colon + 1)
			: xasprintf("%.*s", (int)(eq - arg), arg);
	o->value = xstrdup(eq + 1);
	if (!name_is_valid(o->name))
		return errorx("--runvar '%s': runvar name '%s' is not made of [A-Za-z0-9._-]",
			      arg, o->name);
	return 0;
}

static int
parse_tree_opt(const char *arg, struct override *o)
{
	const char *eq = strchr(arg, '='), *hash;

	if (!eq || eq == arg) {
		cmd_form_error(&create_form, "--tree '%s': expected NAME=URL[#REV]", arg);
		return -1;
	}
	o->name = xasprintf("%.*s", (int)(eq - arg), arg);
	hash = strrchr(eq + 1, '#');
	o->value = hash ? xasprintf("%.*s", (int)(hash - eq - 1), eq + 1) : xstrdup(eq + 1);
	o->rev = hash ? xstrdup(hash + 1) : NULL;
	return 0;
}

static void
overrides_free(struct override *o, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(o[i].job_glob);
		free(o[i].name);
		free(o[i].value);
		free(o[i].rev);
	}
	free(o);
}

/* The name of the Unix user running this, or "uid N". */
static char *
unix_user(void)
{
	struct passwd *pw = getpwuid(getuid());

	return pw ? xstrdup(pw->pw_name) : xasprintf("uid %ld", (long)getuid());
}

static int
flight_create_cmd(struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "branch", required_argument, NULL, 'b' },
		{ "blessing", required_argument, NULL, 'B' },
		{ "tree", required_argument, NULL, 't' },
		{ "runvar", required_argument, NULL, 'r' },
		{ "jobs", required_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct flight_create_opts fo = { .blessing = "adhoc" };
	struct flight_tree_opt *tree_opts = NULL;
	struct flight_runvar_opt *runvar_opts = NULL;
	struct override *runvars = NULL, *trees = NULL;
	int nrunvars = 0, ntrees = 0, c, i, rc = EXIT_ERROR;
	struct instance *inst = NULL;
	char *requester = NULL;
	long flight;

	optind = 0;
	while ((c = cmd_getopt(&create_form, opts, argc, argv, "", longopts)) != -1) {
		switch (c) {
		case 'b':
			fo.branch = optarg;
			break;
		case 'B':
			fo.blessing = optarg;
			break;
		case 't':
			trees = xrealloc(trees, sizeof(*trees) * (size_t)(ntrees + 1));
			memset(&trees[ntrees], 0, sizeof(*trees));
			if (parse_tree_opt(optarg, &trees[ntrees++]) < 0) {
				rc = EXIT_USAGE;
				goto out;
			}
			break;
		case 'r':
			runvars = xrealloc(runvars, sizeof(*runvars) * (size_t)(nrunvars + 1));
			memset(&runvars[nrunvars], 0, sizeof(*runvars));
			if (parse_runvar_opt(optarg, &runvars[nrunvars++]) < 0) {
				rc = EXIT_USAGE;
				goto out;
			}
			break;
		case 'j':
			fo.jobs_glob = optarg;
			break;
		default:
			rc = EXIT_USAGE;
			goto out;
		}
	}
	if (optind + 1 != argc) {
		rc = cmd_form_error(&create_form, "needs one RECIPE");
		goto out;
	}
	if (!flight_blessing_valid(fo.blessing)) {
		rc = cmd_form_error(&create_form, "blessing '%s' is not real, adhoc, "
				    "play or bisect", fo.blessing);
		goto out;
	}
	if (fo.branch && !name_is_valid(fo.branch)) {
		rc = cmd_form_error(&create_form, "branch '%s' is not made of "
				    "[A-Za-z0-9._-]", fo.branch);
		goto out;
	}
	fo.recipe = argv[optind];
	tree_opts = xcalloc((size_t)ntrees + 1, sizeof(*tree_opts));
	for (i = 0; i < ntrees; i++) {
		tree_opts[i].name = trees[i].name;
		tree_opts[i].url = trees[i].value;
		tree_opts[i].rev = trees[i].rev;
	}
	runvar_opts = xcalloc((size_t)nrunvars + 1, sizeof(*runvar_opts));
	for (i = 0; i < nrunvars; i++) {
		runvar_opts[i].job_glob = runvars[i].job_glob;
		runvar_opts[i].name = runvars[i].name;
		runvar_opts[i].value = runvars[i].value;
	}
	fo.trees = tree_opts;
	fo.ntrees = ntrees;
	/* A flight made by hand is a one-off of whoever made it. */
	fo.requester = requester = unix_user();
	fo.trigger = "one-off";
	fo.runvars = runvar_opts;
	fo.nrunvars = nrunvars;

	inst = instance_open(opts->home, INSTANCE_WRITE);
	if (!inst)
		goto out;
	flight = flight_create(inst, &fo);
	if (flight < 0)
		goto out;
	printf("%ld\n", flight);
	/* The flight exists now: whoever ran this must learn its number somehow. */
	if (cmd_flush_stdout() < 0) {
		errorx("flight create: made flight %ld, but could not write its number to "
		       "standard output", flight);
		goto out;
	}
	rc = EXIT_PASS;
out:
	overrides_free(runvars, nrunvars);
	overrides_free(trees, ntrees);
	free(tree_opts);
	free(runvar_opts);
	free(requester);
	instance_close(inst);
	return rc;
}

static int
parse_flight_number(const char *s, long *flight)
{
	if (parse_long(s, flight) < 0 || *flight <= 0)
		return errorx("'%s' is not a flight number", s);
	return 0;
}

/*
 * What follows a run: a real flight with regressions has its regressed
 * jobs run again (a real-retry flight) first; then the push gate judges
 * the real flight (the retried one, after a run of its retry) and its
 * email says whether the gate advanced. Failing to send the email leaves
 * the outcome; a gate that cannot do its work makes a pass an error.
 */
static enum run_outcome
after_flight(struct instance *inst, long flight, enum run_outcome out)
{
	struct db_flight_info fi;
	long judged = flight, retry;

	if (db_flight_info(inst->db, flight, &fi) < 0)
		return RUN_ERROR;
	if (fi.retry_of)
		judged = fi.retry_of;
	db_flight_info_release(&fi);
	retry = judged == flight ? retry_after_flight(inst, flight) : 0;
	if (retry < 0)
		return RUN_ERROR;
	if (retry > 0) {
		printf("retry: flight %ld runs the regressed jobs of flight %ld again\n", retry,
		       flight);
		fflush(stdout);
		if (run_flight(inst, retry, NULL, &progress_listener) == RUN_ERROR)
			return RUN_ERROR;
		show_flight_summary(inst, retry);
	}
	if (gate_after_flight(inst, judged) < 0 && out == RUN_PASS)
		out = RUN_ERROR;
	mail_after_flight(inst, judged, gate_pushed(inst->db, judged) == 1);
	return out;
}

static int
flight_run(struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "jobs", required_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *glob = NULL;
	struct instance *inst;
	enum run_outcome out;
	long flight;
	int c;

	optind = 0;
	while ((c = cmd_getopt(&run_form, opts, argc, argv, "", longopts)) != -1) {
		if (c != 'j')
			return EXIT_USAGE;
		glob = optarg;
	}
	if (optind + 1 != argc)
		return cmd_form_error(&run_form, "needs one FLIGHT");
	if (parse_flight_number(argv[optind], &flight) < 0)
		return EXIT_USAGE;
	inst = instance_open(opts->home, INSTANCE_RUN);
	if (!inst)
		return EXIT_ERROR;
	if (recover_orphans(inst) < 0) {
		instance_close(inst);
		return EXIT_ERROR;
	}
	out = run_flight(inst, flight, glob, &progress_listener);
	if (out != RUN_ERROR)
		show_flight_summary(inst, flight);
	if (out != RUN_ERROR)
		out = after_flight(inst, flight, out);
	instance_close(inst);
	return (int)out;
}

static int
flight_show(struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	struct instance *inst;
	int c, json = 0, rc;
	long flight;

	optind = 0;
	while ((c = cmd_getopt(&show_form, opts, argc, argv, "", longopts)) != -1) {
		if (c != 'J')
			return EXIT_USAGE;
		json = 1;
	}
	if (optind + 1 != argc)
		return cmd_form_error(&show_form, "needs one FLIGHT");
	if (parse_flight_number(argv[optind], &flight) < 0)
		return EXIT_USAGE;
	inst = instance_open(opts->home, INSTANCE_READ);
	if (!inst)
		return EXIT_ERROR;
	rc = show_flight(inst, flight, json) < 0 ? EXIT_ERROR : EXIT_PASS;
	instance_close(inst);
	return rc;
}

static int
flight_list(struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "branch", required_argument, NULL, 'b' },
		{ "limit", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	const char *branch = NULL;
	struct instance *inst;
	long limit = 20;
	int c, json = 0, rc;

	optind = 0;
	while ((c = cmd_getopt(&list_form, opts, argc, argv, "", longopts)) != -1) {
		switch (c) {
		case 'b':
			branch = optarg;
			break;
		case 'l':
			if (parse_long(optarg, &limit) < 0 || limit < 0)
				return cmd_form_error(&list_form, "--limit needs a number, not '%s'",
						      optarg);
			break;
		case 'J':
			json = 1;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return cmd_form_error(&list_form, "takes no arguments");
	inst = instance_open(opts->home, INSTANCE_READ);
	if (!inst)
		return EXIT_ERROR;
	rc = show_flight_list(inst, branch, limit, json) < 0 ? EXIT_ERROR : EXIT_PASS;
	instance_close(inst);
	return rc;
}

static int
flight_diff_cmd(struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	struct db_diff_flight *fa = NULL, *fb = NULL;
	struct flight_diff *d = NULL;
	struct instance *inst;
	int c, json = 0, rc = EXIT_ERROR;
	long a, b;
	char *text, *shown;

	optind = 0;
	while ((c = cmd_getopt(&diff_form, opts, argc, argv, "", longopts)) != -1) {
		if (c != 'J')
			return EXIT_USAGE;
		json = 1;
	}
	if (optind + 2 != argc)
		return cmd_form_error(&diff_form, "needs two flights, A and B");
	if (parse_flight_number(argv[optind], &a) < 0 ||
	    parse_flight_number(argv[optind + 1], &b) < 0)
		return EXIT_USAGE;
	inst = instance_open(opts->home, INSTANCE_READ);
	if (!inst)
		return EXIT_ERROR;
	fa = db_diff_flight(inst->db, a);
	fb = fa ? db_diff_flight(inst->db, b) : NULL;
	if (!fb)
		goto out;
	d = flight_diff(fa, fb);
	if (json) {
		json_t *obj = flight_diff_json(d);

		text = json_dumps(obj, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(obj);
	} else {
		struct strbuf sb;

		strbuf_init(&sb);
		flight_diff_text(d, &sb);
		text = strbuf_detach(&sb);
	}
	/* Runvars may hold a URL with a password: never printed. */
	shown = redact_secrets(text);
	fputs(shown, stdout);
	if (json)
		fputs("\n", stdout);
	free(shown);
	free(text);
	rc = EXIT_PASS;
out:
	flight_diff_free(d);
	db_diff_flight_free(fa);
	db_diff_flight_free(fb);
	instance_close(inst);
	return rc;
}

static int
flight_watch(struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct instance *inst;
	long flight, timeout = 0;
	int c, rc;

	optind = 0;
	while ((c = cmd_getopt(&watch_form, opts, argc, argv, "", longopts)) != -1) {
		if (c != 't')
			return EXIT_USAGE;
		if (parse_long(optarg, &timeout) < 0 || timeout < 0)
			return cmd_form_error(&watch_form, "--timeout needs a number of seconds, "
					      "not '%s'", optarg);
	}
	if (optind + 1 != argc)
		return cmd_form_error(&watch_form, "needs one FLIGHT");
	if (parse_flight_number(argv[optind], &flight) < 0)
		return EXIT_USAGE;
	/* Watching only reads: a user who may read the instance may watch. */
	inst = instance_open(opts->home, INSTANCE_READ);
	if (!inst)
		return EXIT_ERROR;
	rc = watch_flight(inst, flight, (double)timeout);
	instance_close(inst);
	return rc;
}

static int
cmd_flight_exec(struct cmd_opts *opts, int argc, char **argv)
{
	if (argc < 2)
		return cmd_usage_error(&cmd_flight_entry, "which flight command?");
	if (!strcmp(argv[1], "create"))
		return flight_create_cmd(opts, argc - 1, argv + 1);
	if (!strcmp(argv[1], "run"))
		return flight_run(opts, argc - 1, argv + 1);
	if (!strcmp(argv[1], "show"))
		return flight_show(opts, argc - 1, argv + 1);
	if (!strcmp(argv[1], "list"))
		return flight_list(opts, argc - 1, argv + 1);
	if (!strcmp(argv[1], "diff"))
		return flight_diff_cmd(opts, argc - 1, argv + 1);
	if (!strcmp(argv[1], "watch"))
		return flight_watch(opts, argc - 1, argv + 1);
	return cmd_usage_error(&cmd_flight_entry, "no flight command '%s'", argv[1]);
}

const struct cmd_entry cmd_flight_entry = {
	.name = "flight",
	.usage = CREATE_USAGE "\n"
		 "       pvci " RUN_USAGE "\n"
		 "       pvci " SHOW_USAGE "\n"
		 "       pvci " LIST_USAGE "\n"
		 "       pvci " DIFF_USAGE "\n"
		 "       pvci " WATCH_USAGE,
	.summary = "create, run and inspect flights",
	.help = "create  validates RECIPE, resolves each tree's branch to a commit (or takes\n"
		"        --tree NAME=URL#REV), records the jobs, steps and runvars, and prints\n"
		"        only the new flight number. --jobs keeps the matching jobs and the\n"
		"        jobs they need. The default blessing is adhoc; only real flights\n"
		"        count as baselines. A --tree path that is not absolute is taken\n"
		"        from the current folder and recorded absolute.\n"
		"run     runs the queued jobs in dependency order, printing each step as it\n"
		"        starts and ends. A job whose needed job did not pass is blocked.\n"
		"        Steps that will never run are skipped. With --jobs, a selected job\n"
		"        waiting on a job the glob left out (which has not passed) is named.\n"
		"        Each step runs in a PID namespace of its own: what it started dies\n"
		"        with it. Ctrl-C stops the running step, the job's always steps\n"
		"        still run; a second Ctrl-C stops them too. Jobs another process\n"
		"        runs are named, not waited for.\n"
		"        Exit status: 0 all passed, 1 something failed or was blocked (or a\n"
		"        selected job could not run, or runs in another process), 2 something\n"
		"        broke (or the run was interrupted, or could not record a status),\n"
		"        3 error.\n"
		"        Running it again after a crash marks the jobs the dead process left\n"
		"        running as broken, runs their cleanup steps, and goes on.\n"
		"        After a real flight whose jobs are all final, the push gate judges\n"
		"        it and prints \"gate: BRANCH advanced to ...\" or why not (pvci gate);\n"
		"        a push that fails makes a passed run exit 3.\n"
		"show    the flight's jobs, steps (with log paths) and runvars.\n"
		"list    the newest flights first.\n"
		"diff    what changed from flight A to flight B: the revisions of each tree\n"
		"        (revision_* and built_revision_* runvars), the jobs and steps whose\n"
		"        status changed or that only one flight has, the runvars that differ\n"
		"        (synthetic ones marked), and each measurement (job, step, metric;\n"
		"        the median when recorded more than once) with its relative change.\n"
		"        Exit status 0, 3 when a flight does not exist.\n"
		"watch   follows a flight another process runs (pvci daemon, or a flight run\n"
		"        elsewhere) by reading the database: the same progress lines as run\n"
		"        (what happened before it started first), the same summary, and the\n"
		"        same exit status when every job has ended. --timeout: give up after\n"
		"        SECONDS (exit 3). Only reads the instance.\n",
	.exec = cmd_flight_exec,
};
