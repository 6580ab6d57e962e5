#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "allow.h"
#include "cmd.h"
#include "instance.h"
#include "log.h"
#include "mail-flight.h"
#include "report.h"
#include "util.h"

#define REPORT_USAGE "report FLIGHT [--format text|mro|json] [--allow FILE]... [--mail]"

static int
cmd_report_exec(struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "allow", required_argument, NULL, 'a' },
		{ "mail", no_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct cmd_form form = { "report", REPORT_USAGE };
	struct report_opts ro = { .format = REPORT_TEXT, .record = 1 };
	struct allow_list allow = { NULL, 0 };
	struct instance *inst;
	int c, mail = 0, rc = EXIT_ERROR;
	long flight;

	ro.today = (long)(time(NULL) / 86400);
	ro.allow = &allow;
	optind = 0;
	while ((c = cmd_getopt(&form, opts, argc, argv, "", longopts)) != -1) {
		switch (c) {
		case 'f':
			if (!strcmp(optarg, "text"))
				ro.format = REPORT_TEXT;
			else if (!strcmp(optarg, "mro"))
				ro.format = REPORT_MRO;
			else if (!strcmp(optarg, "json"))
				ro.format = REPORT_JSON;
			else {
				allow_release(&allow);
				return cmd_form_error(&form, "unknown format '%s'", optarg);
			}
			break;
		case 'a':
			/* A refused allow file is an error: never judge with half of it. */
			if (allow_load(&allow, optarg) < 0) {
				allow_release(&allow);
				return EXIT_ERROR;
			}
			break;
		case 'm':
			mail = 1;
			break;
		default:
			allow_release(&allow);
			return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		allow_release(&allow);
		return cmd_form_error(&form, "needs one FLIGHT");
	}
	if (parse_long(argv[optind], &flight) < 0 || flight <= 0) {
		allow_release(&allow);
		return cmd_form_error(&form, "'%s' is not a flight number", argv[optind]);
	}
	/* Judging a real flight records its regressions (and applies migrations). */
	inst = instance_open(opts->home, INSTANCE_RUN);
	if (inst && mail) {
		/* The mail's body is the text report; allow files are not applied. */
		if (allow.n)
			errorx("report: --mail does not apply --allow files");
		else
			rc = mail_flight(inst, flight, 0) < 0 ? EXIT_ERROR : EXIT_PASS;
		instance_close(inst);
	} else if (inst) {
		int blocks = report_flight(inst->db, flight, &ro, stdout);

		rc = blocks < 0 ? EXIT_ERROR : blocks ? EXIT_FAILED : EXIT_PASS;
		instance_close(inst);
	}
	allow_release(&allow);
	if (cmd_flush_stdout() < 0)
		rc = EXIT_ERROR;
	return rc;
}

const struct cmd_entry cmd_report_entry = {
	.name = "report",
	.usage = REPORT_USAGE,
	.summary = "judge a flight against its baseline: regressions and why",
	.help =
	"Every step of FLIGHT that did not pass is judged against the baseline:\n"
	"the latest real flight of the branch whose revisions are the branch's\n"
	"tested revisions, else, step by step, the latest real flight of the\n"
	"branch with a result for it. Findings: REGR. vs. N, broken, like N,\n"
	"failed in N, blocked in N, baseline untested, never pass, blocked n/a,\n"
	"pass in N (flaky), unfinished, allowable. A measurement beyond the\n"
	"tolerance its job sets (runvar tolerance_METRIC, \"-20%\" or \"+50%\")\n"
	"from the median of the last 5 passing real flights: perf REGR. vs. N.\n\n"
	"  --format F   text (default; the email body), mro (one fact a line:\n"
	"               flight, version this|that, regression, broken-step,\n"
	"               never-passed, blocked, then tolerable or perfect), json\n"
	"  --allow FILE allow file, one entry a line:\n"
	"               JOBGLOB [STEPGLOB] until=YYYY-MM-DD reason=\"...\"\n"
	"               a leading '!' takes a match back; '#' comments. An\n"
	"               expired entry no longer allows and is listed as expired.\n\n"
	"  --mail       send the flight email (subject [BRANCH test] FLIGHT:\n"
	"               OUTCOME, X-Pvci-Failures and X-Pvci-Versions-This/That\n"
	"               headers, the text report as body) to the recipients\n"
	"               mail.to gives the branch, through mail.smtp_url; print\n"
	"               nothing; exit 0 once the server took it, 3 otherwise\n\n"
	"Judging a real flight records its regressions (pvci regressions).\n"
	"Exit status: 0 nothing blocks the push, 1 something blocks, 3 error.\n",
	.exec = cmd_report_exec,
};
