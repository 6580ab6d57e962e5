/*
 * Allow files: failures that may regress for a while without blocking the
 * push. One entry a line:
 *
 *   JOBGLOB [STEPGLOB] until=YYYY-MM-DD reason="..."
 *   !JOBGLOB [STEPGLOB]        (removes a match of the entries above it)
 *
 * '#' starts a comment line; blank lines are ignored. An entry allows
 * through its until day (UTC) and no longer after it; the report lists it
 * as expired then. An entry without until or reason, or with a malformed
 * date, is refused with file:line. The parser reads outside input: lines,
 * entries and files are bounded, and it is fuzzed (fuzz-allow.c).
 */
#ifndef PVCI_ALLOW_H
#define PVCI_ALLOW_H

#include <stddef.h>

#define ALLOW_MAX_FILE	(1024 * 1024)
#define ALLOW_MAX_LINE	1024
#define ALLOW_MAX_ENTRIES 4096

struct allow_entry {
	int negate;		/* a '!' entry: removes a match */
	char *job;		/* glob */
	char *step;		/* glob, NULL for every step */
	long until;		/* the last day it allows, days since 1970-01-01; -1 for '!' */
	char *reason;		/* NULL for '!' */
	char *file;		/* where it was read, for messages */
	int line;
};

struct allow_list {
	struct allow_entry *entries;
	int n;
};

/* Parses text (len bytes, not NUL-terminated) named file; appends to l. -1 reported. */
int allow_parse(struct allow_list *l, const char *file, const char *text, size_t len);
/* Reads and parses a file; -1 reported. */
int allow_load(struct allow_list *l, const char *path);
void allow_release(struct allow_list *l);

/*
 * The entry that allows job's step on day today (days since the epoch),
 * NULL if none: the last matching entry decides, and a '!' entry matching
 * after it takes the allowance back. *expired (when not NULL) is set to the
 * last matching entry whose day has passed, or NULL.
 */
const struct allow_entry *allow_match(const struct allow_list *l, const char *job,
				      const char *step, long today,
				      const struct allow_entry **expired);

/* YYYY-MM-DD into days since 1970-01-01; -1 if malformed (not reported). */
long allow_parse_date(const char *s, size_t len);
/* Days since 1970-01-01 into "YYYY-MM-DD" (out holds 11 bytes). */
void allow_format_date(long days, char out[11]);

#endif
