/*
 * pvci report: judges every step of a flight that did not pass against its
 * baseline (judge.c), applies the allow files (allow.c), records the
 * regressions of real flights, and prints the result as text (the email
 * body's shape), mro (one fact a line, for push scripts) or JSON.
 */
#ifndef PVCI_REPORT_H
#define PVCI_REPORT_H

#include <stdio.h>

#include "allow.h"
#include "mail.h"

struct db;

enum report_format {
	REPORT_TEXT,
	REPORT_MRO,
	REPORT_JSON,
};

struct report_opts {
	enum report_format format;
	const struct allow_list *allow;	/* may be NULL */
	long today;			/* days since the epoch, for allow entries */
	int record;			/* update the regressions table (real flights) */
};

/*
 * 1 when something blocks the push, 0 when nothing does, -1 on error
 * (reported). With out NULL it judges without printing (the push gate).
 */
int report_flight(struct db *db, long flight, const struct report_opts *o, FILE *out);

/*
 * The jobs of flight with a step regression (REGR.), judged as o says but
 * never recorded: *jobs_json a JSON array of their names (caller frees),
 * NULL when none. 0 or -1 (reported).
 */
int report_regressed_jobs(struct db *db, long flight, const struct report_opts *o,
			  char **jobs_json);

/*
 * The flight's email: env gives From, To, Date, Message-ID and pushed; the
 * rest (subject, X-Pvci-* headers, the text report as body) comes from the
 * judged flight. o->format is ignored. Caller frees; NULL on error (reported).
 */
char *report_mail(struct db *db, long flight, const struct report_opts *o,
		  const struct mail_message *env);

/* pvci regressions: the open (or all) regressions of a branch (or all), as text. */
int report_regressions(struct db *db, const char *branch, int all, long now, FILE *out);

/* "failing since N (D days, K flights)"; caller frees. */
char *report_failing_since(long first_fail, long opened, long now, int nflights);

#endif
