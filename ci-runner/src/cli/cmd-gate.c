#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "allow.h"
#include "cmd.h"
#include "gate.h"
#include "instance.h"
#include "log.h"
#include "util.h"

#define SHOW_USAGE "gate show BRANCH"
#define RUN_USAGE "gate run FLIGHT [--allow FILE]..."
#define FORCE_USAGE "gate force BRANCH REV [--tree TREE] --reason TEXT"
#define BLOCK_USAGE "gate block BRANCH --reason TEXT"
#define UNBLOCK_USAGE "gate unblock BRANCH --reason TEXT"

static const struct cmd_form show_form = { "gate show", SHOW_USAGE };
static const struct cmd_form run_form = { "gate run", RUN_USAGE };
static const struct cmd_form force_form = { "gate force", FORCE_USAGE };
static const struct cmd_form block_form = { "gate block", BLOCK_USAGE };
static const struct cmd_form unblock_form = { "gate unblock", UNBLOCK_USAGE };

static int
check_branch(const struct cmd_form *form, const char *branch)
{
	if (!name_is_valid(branch))
		return cmd_form_error(form, "branch '%s' is not made of [A-Za-z0-9._-]", branch);
	return 0;
}

/* A reason is what the history shows: one line of text, not empty. */
static int
check_reason(const struct cmd_form *form, const char *reason)
{
	const char *c;

	if (!reason)
		return cmd_form_error(form, "needs --reason TEXT: the history says why");
	for (c = reason; *c == ' ' || *c == '\t'; c++)
		;
	if (!*c)
		return cmd_form_error(form, "--reason must not be empty");
	if (strlen(reason) > 1000)
		return cmd_form_error(form, "--reason is longer than 1000 characters");
	for (c = reason; *c; c++)
		if ((unsigned char)*c < 0x20)
			return cmd_form_error(form, "--reason must be one line of text");
	return 0;
}

static int
finish(struct instance *inst, int rc)
{
	instance_close(inst);
	if (cmd_flush_stdout() < 0 && rc == EXIT_PASS)
		rc = EXIT_ERROR;
	return rc;
}

static int
gate_show_cmd(struct cmd_opts *opts, int argc, char **argv)
{
	struct instance *inst;

	optind = 0;
	if (cmd_getopt(&show_form, opts, argc, argv, "", NULL) != -1)
		return EXIT_USAGE;
	if (optind + 1 != argc)
		return cmd_form_error(&show_form, "needs one BRANCH");
	if (check_branch(&show_form, argv[optind]))
		return EXIT_USAGE;
	/* The gate's table may be newer than the database: migrate. */
	inst = instance_open(opts->home, INSTANCE_RUN);
	if (!inst)
		return EXIT_ERROR;
	return finish(inst, gate_show(inst, argv[optind], stdout) < 0 ? EXIT_ERROR : EXIT_PASS);
}

static int
gate_run_cmd(struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "allow", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct allow_list allow = { NULL, 0 };
	struct instance *inst;
	long flight;
	int c, rc;

	optind = 0;
	while ((c = cmd_getopt(&run_form, opts, argc, argv, "", longopts)) != -1) {
		if (c != 'a' || allow_load(&allow, optarg) < 0) {
			allow_release(&allow);
			return c == 'a' ? EXIT_ERROR : EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		allow_release(&allow);
		return cmd_form_error(&run_form, "needs one FLIGHT");
	}
	if (parse_long(argv[optind], &flight) < 0 || flight <= 0) {
		allow_release(&allow);
		return cmd_form_error(&run_form, "'%s' is not a flight number", argv[optind]);
	}
	inst = instance_open(opts->home, INSTANCE_RUN);
	if (!inst) {
		allow_release(&allow);
		return EXIT_ERROR;
	}
	rc = gate_run(inst, flight, &allow, stdout);
	allow_release(&allow);
	return finish(inst, rc < 0 ? EXIT_ERROR : rc == GATE_HELD ? EXIT_FAILED : EXIT_PASS);
}

static int
gate_force_cmd(struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "tree", required_argument, NULL, 't' },
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *tree = NULL, *reason = NULL;
	struct instance *inst;
	int c;

	optind = 0;
	while ((c = cmd_getopt(&force_form, opts, argc, argv, "", longopts)) != -1) {
		if (c == 't')
			tree = optarg;
		else if (c == 'r')
			reason = optarg;
		else
			return EXIT_USAGE;
	}
	if (optind + 2 != argc)
		return cmd_form_error(&force_form, "needs BRANCH and REV");
	if (check_branch(&force_form, argv[optind]) || check_reason(&force_form, reason))
		return EXIT_USAGE;
	if (tree && !name_is_valid(tree))
		return cmd_form_error(&force_form, "tree '%s' is not made of [A-Za-z0-9._-]", tree);
	/* A revision is a commit id or a ref name, never an option to git. */
	if (!*argv[optind + 1] || argv[optind + 1][0] == '-' ||
	    strspn(argv[optind + 1], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		   "0123456789._/-") != strlen(argv[optind + 1]))
		return cmd_form_error(&force_form, "'%s' is not a commit id or ref name",
				      argv[optind + 1]);
	inst = instance_open(opts->home, INSTANCE_RUN);
	if (!inst)
		return EXIT_ERROR;
	return finish(inst, gate_force(inst, argv[optind], tree, argv[optind + 1], reason,
				       stdout) < 0 ? EXIT_ERROR : EXIT_PASS);
}

static int
gate_block_cmd(struct cmd_opts *opts, int argc, char **argv, int block)
{
	static const struct option longopts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd_form *form = block ? &block_form : &unblock_form;
	const char *reason = NULL;
	struct instance *inst;
	int c;

	optind = 0;
	while ((c = cmd_getopt(form, opts, argc, argv, "", longopts)) != -1) {
		if (c != 'r')
			return EXIT_USAGE;
		reason = optarg;
	}
	if (optind + 1 != argc)
		return cmd_form_error(form, "needs one BRANCH");
	if (check_branch(form, argv[optind]) || check_reason(form, reason))
		return EXIT_USAGE;
	inst = instance_open(opts->home, INSTANCE_RUN);
	if (!inst)
		return EXIT_ERROR;
	return finish(inst, gate_block(inst, argv[optind], block, reason, stdout) < 0
			    ? EXIT_ERROR : EXIT_PASS);
}

static int
cmd_gate_exec(struct cmd_opts *opts, int argc, char **argv)
{
	if (argc < 2)
		return cmd_usage_error(&cmd_gate_entry, "which gate command?");
	if (!strcmp(argv[1], "show"))
		return gate_show_cmd(opts, argc - 1, argv + 1);
	if (!strcmp(argv[1], "run"))
		return gate_run_cmd(opts, argc - 1, argv + 1);
	if (!strcmp(argv[1], "force"))
		return gate_force_cmd(opts, argc - 1, argv + 1);
	if (!strcmp(argv[1], "block"))
		return gate_block_cmd(opts, argc - 1, argv + 1, 1);
	if (!strcmp(argv[1], "unblock"))
		return gate_block_cmd(opts, argc - 1, argv + 1, 0);
	return cmd_usage_error(&cmd_gate_entry, "no gate command '%s'", argv[1]);
}

const struct cmd_entry cmd_gate_entry = {
	.name = "gate",
	.usage = SHOW_USAGE "\n"
		 "       pvci " RUN_USAGE "\n"
		 "       pvci " FORCE_USAGE "\n"
		 "       pvci " BLOCK_USAGE "\n"
		 "       pvci " UNBLOCK_USAGE,
	.summary = "the push gate: a branch's tested revisions, who moved them and why",
	.help =
	"A branch's tested revisions (one per tree) advance when a real flight ends\n"
	"with every job final and nothing blocking the push (the findings of pvci\n"
	"report). pvci flight run does this after a real flight and prints\n"
	"\"gate: BRANCH advanced to ...\" or why not. Each tree with a push_url in\n"
	"the recipe is pushed with git, fast-forward only, from a scratch repository\n"
	"in the instance (gate/TREE.git) to push_url's tested_ref (default\n"
	"refs/heads/tested/BRANCH); the tested revisions are recorded only when\n"
	"every push went. adhoc, play and bisect flights never move the gate; a\n"
	"blocked gate never advances. Every change and refusal is recorded with\n"
	"the Unix user, the time and the reason.\n\n"
	"show     whether the branch is blocked, its tested revisions, the history\n"
	"run      judges FLIGHT and advances its branch, by hand (--allow: allow\n"
	"         files, as for pvci report)\n"
	"force    makes REV (a commit id, or a ref of the tree) the tested revision\n"
	"         of TREE (default: the branch's only tree) and pushes it, forced,\n"
	"         to the push target of the branch's latest flight; allowed while\n"
	"         blocked\n"
	"block    stops the gate advancing until unblock\n\n"
	"Exit status: 0 done (run: advanced, or already there), 1 run: not\n"
	"advanced (blocked, blocking findings, not real, unfinished), 3 error (a\n"
	"push that failed included: git's reason is printed, nothing recorded as\n"
	"tested), 64 usage.\n",
	.exec = cmd_gate_exec,
};
