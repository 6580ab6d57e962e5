/*
 * Subcommands, one file each (cmd-flight.c, cmd-keys.c, ...), each
 * exporting one entry that cmd.c lists in the command table.
 */
#ifndef PVCI_CMD_H
#define PVCI_CMD_H

#include <getopt.h>

/* Exit statuses shared by all commands (see pvci(1)). */
#define EXIT_PASS	0	/* everything passed / command succeeded */
#define EXIT_FAILED	1	/* something failed or was blocked */
#define EXIT_BROKEN	2	/* something broke (infrastructure) */
#define EXIT_ERROR	3	/* the command itself could not do its work */
#define EXIT_USAGE	64	/* bad command line */

struct cmd_opts {
	const char *home;	/* --home, or NULL */
	int verbose;		/* -v, before or after the command */
};

/*
 * One form of a command ("flight run"), for messages: errors name it and
 * print its usage line only.
 */
struct cmd_form {
	const char *name;	/* "flight run" */
	const char *usage;	/* "flight run FLIGHT [--jobs GLOB]" */
};

struct cmd_entry {
	const char *name;
	const char *usage;	/* "flight create RECIPE [--branch B] ..." */
	const char *summary;	/* one line for "pvci help" */
	const char *help;	/* the rest of --help, may be NULL */
	int (*exec)(struct cmd_opts *opts, int argc, char **argv);
};

extern const struct cmd_entry cmd_init_entry;
extern const struct cmd_entry cmd_flight_entry;
extern const struct cmd_entry cmd_job_entry;
extern const struct cmd_entry cmd_keys_entry;
extern const struct cmd_entry cmd_verify_entry;
extern const struct cmd_entry cmd_image_entry;
extern const struct cmd_entry cmd_report_entry;
extern const struct cmd_entry cmd_regressions_entry;
extern const struct cmd_entry cmd_gate_entry;
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_trigger_entry;
extern const struct cmd_entry cmd_serve_entry;

const struct cmd_entry *cmd_lookup(const char *name);
const struct cmd_entry *const *cmd_table(void);

/* Prints "usage: pvci USAGE" and the help text to stdout. */
void cmd_print_help(const struct cmd_entry *entry);
/* Reports a usage error for entry on stderr; returns EXIT_USAGE. */
int cmd_usage_error(const struct cmd_entry *entry, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* As cmd_usage_error, naming the form and printing its usage line only. */
int cmd_form_error(const struct cmd_form *form, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* 1 when argv holds -h or --help. */
int cmd_wants_help(int argc, char **argv);

/*
 * getopt_long() for a command form, with -v/--verbose taken anywhere
 * (shortopts and longopts need not list it; CMD_LONGOPT_VERBOSE is added
 * here). Returns the next option, -1 after the last, or CMD_OPT_BAD when
 * an option is unknown or lacks its value, reported as "pvci FORM: unknown
 * option '-x'" with the form's usage. Set optind = 0 before the first call.
 */
#define CMD_OPT_BAD (-2)
int cmd_getopt(const struct cmd_form *form, struct cmd_opts *opts, int argc, char **argv,
	       const char *shortopts, const struct option *longopts);

/*
 * Standard output: cmd_flush_stdout() pushes out what is buffered and
 * returns -1 (reported once, on stderr) when it cannot be written;
 * cmd_close_stdout() does the same at exit and closes it. A reader that
 * went away (EPIPE, as "| head -1") is not reported and is not an error.
 */
int cmd_flush_stdout(void);
int cmd_close_stdout(void);

/*
 * For progress lines (flight run): prints with secrets redacted and flushes
 * at once; once standard output has failed (the reader went away) it
 * prints nothing more and returns -1, so a run goes on quietly.
 */
int cmd_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
