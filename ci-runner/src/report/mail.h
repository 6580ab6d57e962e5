/*
 * The flight email: subject, headers and body from a judged flight. Pure:
 * report.c gathers the facts (report_mail()), mail-send.c carries the
 * message; nothing here reads the database, a file or the clock, so every
 * subject and header is tested case by case (test-mail.c).
 */
#ifndef PVCI_MAIL_H
#define PVCI_MAIL_H

/* One finding, for X-Pvci-Failures: branch:job:step:status:why. */
struct mail_failure {
	const char *job;
	const char *step;
	const char *status;	/* "fail", "broken", ... */
	const char *why;	/* "REGR. vs. 5", ... */
};

struct mail_rev {
	const char *tree;
	const char *revision;
};

struct mail_message {
	const char *branch;
	long flight;
	const char *verdict;	/* the report's: "regressions - FAIL", "all pass", ... */
	int all_fail;		/* the flight has jobs and none passed */
	int pushed;		/* the gate advanced to this flight's revisions */
	const char *from;
	const char *const *to;
	int nto;
	long date;		/* seconds since the epoch */
	const char *message_id;	/* without the angle brackets */
	const struct mail_failure *failures;
	int nfailures;
	const struct mail_rev *this_revs, *that_revs;
	int nthis, nthat;
	const char *body;	/* the text report */
};

/*
 * "[BRANCH test] FLIGHT: OUTCOME[ - PUSHED]": OUTCOME is the verdict, except
 * ALL FAIL when no job passed and nothing was broken or unfinished.
 * Caller frees.
 */
char *mail_subject(const struct mail_message *m);

/* The whole message (headers, blank line, body), LF line ends; caller frees. */
char *mail_compose(const struct mail_message *m);

/*
 * The recipients of branch from the mail.to setting: a comma-separated
 * list of ADDRESS (every branch) or BRANCH=ADDRESS (that branch only).
 * *out (caller frees with mail_recipients_free) may be empty. 0, or -1 when
 * an entry is not an address (reported).
 */
int mail_recipients(const char *setting, const char *branch, char ***out, int *count);
void mail_recipients_free(char **to, int count);

/* 1 for a bare address, local@domain, nothing a header or SMTP would split on. */
int mail_address_is_valid(const char *a);

/* "Wed, 25 Nov 2026 19:32:01 +0000" (RFC 5322, UTC) into buf. */
void mail_date(long t, char buf[40]);

#endif
