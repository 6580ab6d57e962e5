#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "log.h"
#include "util.h"

static const struct cmd_entry *const cmd_entries[] = {
	&cmd_init_entry,
	&cmd_flight_entry,
	&cmd_job_entry,
	&cmd_report_entry,
	&cmd_regressions_entry,
	&cmd_gate_entry,
	&cmd_image_entry,
	&cmd_keys_entry,
	&cmd_verify_entry,
	&cmd_help_entry,
	&cmd_trigger_entry,
	&cmd_serve_entry,
	NULL,
};

const struct cmd_entry *const *
cmd_table(void)
{
	return cmd_entries;
}

const struct cmd_entry *
cmd_lookup(const char *name)
{
	int i;

	for (i = 0; cmd_entries[i]; i++)
		if (strcmp(cmd_entries[i]->name, name) == 0)
			return cmd_entries[i];
	return NULL;
}

void
cmd_print_help(const struct cmd_entry *entry)
{
	printf("usage: pvci [--home DIR] %s\n\n%s\n", entry->usage, entry->summary);
	if (entry->help)
		printf("\n%s", entry->help);
}

int
cmd_usage_error(const struct cmd_entry *entry, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pvci %s: ", entry->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: pvci %s\n", entry->usage);
	return EXIT_USAGE;
}

int
cmd_form_error(const struct cmd_form *form, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pvci %s: ", form->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: pvci %s\n", form->usage);
	return EXIT_USAGE;
}

/* The options of the last call with -v/--verbose added, kept for the next. */
#define MAX_OPTS 32
static const char *last_shortopts;
static const struct option *last_longopts;
static char merged_short[2 * MAX_OPTS + 3];
static struct option merged_long[MAX_OPTS + 2];

static void
merge_opts(const char *shortopts, const struct option *longopts)
{
	size_t n = 0;

	if (shortopts == last_shortopts && longopts == last_longopts)
		return;
	/* ':' first: a missing value is told apart from an unknown option. */
	if (strlen(shortopts) + 3 > sizeof(merged_short))
		fatalx("internal: too many short options");
	snprintf(merged_short, sizeof(merged_short), ":%sv", shortopts);
	for (; longopts && longopts[n].name; n++) {
		if (n >= MAX_OPTS)
			fatalx("internal: too many long options");
		merged_long[n] = longopts[n];
	}
	merged_long[n++] = (struct option){ "verbose", no_argument, NULL, 'v' };
	merged_long[n] = (struct option){ NULL, 0, NULL, 0 };
	last_shortopts = shortopts;
	last_longopts = longopts;
}

int
cmd_getopt(const struct cmd_form *form, struct cmd_opts *opts, int argc, char **argv,
	   const char *shortopts, const struct option *longopts)
{
	const char *arg;
	int c;

	merge_opts(shortopts, longopts);
	opterr = 0;
	for (;;) {
		c = getopt_long(argc, argv, merged_short, merged_long, NULL);
		if (c != 'v')
			break;
		opts->verbose++;
		log_init("pvci", opts->verbose);
	}
	if (c != '?' && c != ':')
		return c;
	/* argv[optind - 1] is the offending word, unless inside "-abc". */
	arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
	if (c == ':')
		cmd_form_error(form, "option '%s' needs a value", arg);
	else if (optopt && strncmp(arg, "--", 2))
		cmd_form_error(form, "unknown option '-%c'", optopt);
	else if (optopt)
		cmd_form_error(form, "option '%.*s' takes no value",
			       (int)strcspn(arg, "="), arg);
	else
		cmd_form_error(form, "unknown option '%.*s'", (int)strcspn(arg, "="), arg);
	return CMD_OPT_BAD;
}

/* errno of the first failed write to stdout; 0 while none failed. */
static int stdout_errno;

/* 1 when fd 1 is a pipe or socket nobody reads any more. */
static int
stdout_reader_gone(void)
{
	struct pollfd pfd = { .fd = 1, .events = POLLOUT };
	struct stat st;

	if (fstat(1, &st) < 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		return 0;
	return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLERR);
}

static int
stdout_failed(int err)
{
	if (stdout_errno)
		return -1;
	/* A write that failed inside printf() left no errno behind. */
	if (!err && stdout_reader_gone())
		err = EPIPE;
	stdout_errno = err ? err : EIO;
	if (!err)
		fprintf(stderr, "pvci: cannot write to standard output\n");
	else if (err != EPIPE)
		fprintf(stderr, "pvci: cannot write to standard output: %s\n", strerror(err));
	return -1;
}

int
cmd_flush_stdout(void)
{
	if (fflush(stdout) == EOF)
		return stdout_failed(errno);
	if (ferror(stdout))
		return stdout_failed(0);
	return 0;
}

int
cmd_close_stdout(void)
{
	int rc = cmd_flush_stdout();

	if (fclose(stdout) == EOF && rc == 0)
		rc = stdout_failed(errno);
	if (rc < 0 && stdout_errno == EPIPE)
		return 0;
	return rc;
}

int
cmd_progress(const char *fmt, ...)
{
	va_list ap;
	char *text, *shown;

	if (stdout_errno || ferror(stdout))
		return -1;
	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	shown = redact_secrets(text);
	fputs(shown, stdout);
	free(shown);
	free(text);
	return cmd_flush_stdout();
}

int
cmd_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 1;
	return 0;
}
