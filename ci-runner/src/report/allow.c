#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allow.h"
#include "log.h"
#include "util.h"

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar. */
static long
days_from_civil(long y, long m, long d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
allow_format_date(long z, char out[11])
{
	long era, doe, yoe, y, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp + (mp < 10 ? 3 : -9);
	y += m <= 2;
	/* Digit by digit: the fields' ranges are known, snprintf's checker does not. */
	y = ((y % 10000) + 10000) % 10000;
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
}

static int
digits(const char *s, size_t n, long *out)
{
	size_t i;

	*out = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*out = *out * 10 + (s[i] - '0');
	}
	return 0;
}

long
allow_parse_date(const char *s, size_t len)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	long y, m, d;

	if (len != 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) < 0 ||
	    digits(s + 5, 2, &m) < 0 || digits(s + 8, 2, &d) < 0)
		return -1;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	return days_from_civil(y, m, d);
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* A glob: printable, no quote or '=', so a typo in a key is not a glob. */
static int
glob_is_valid(const char *s, size_t n)
{
	size_t i;

	if (!n)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] >= 0x7f || s[i] == '"' || s[i] == '=')
			return 0;
	return 1;
}

static void
entry_release(struct allow_entry *e)
{
	free(e->job);
	free(e->step);
	free(e->reason);
	free(e->file);
}

/* Parses one line p[0..n) (no newline, not a comment) into e; -1 reported. */
static int
parse_entry(const char *file, int lineno, const char *p, size_t n, struct allow_entry *e)
{
	size_t i = 0, start;
	const char *globs[2] = { NULL, NULL };
	size_t glen[2] = { 0, 0 };
	int nglobs = 0, has_until = 0;

	memset(e, 0, sizeof(*e));
	e->until = -1;
	if (p[0] == '!') {
		e->negate = 1;
		i++;
	}
	while (i < n) {
		while (i < n && is_space(p[i]))
			i++;
		if (i >= n)
			break;
		start = i;
		if (n - i >= 6 && memcmp(p + i, "until=", 6) == 0) {
			i += 6;
			start = i;
			while (i < n && !is_space(p[i]))
				i++;
			if (has_until)
				return errorx("%s:%d: until given twice", file, lineno);
			e->until = allow_parse_date(p + start, i - start);
			if (e->until < 0)
				return errorx("%s:%d: until '%.*s' is not a date YYYY-MM-DD",
					      file, lineno, (int)(i - start), p + start);
			has_until = 1;
		} else if (n - i >= 8 && memcmp(p + i, "reason=\"", 8) == 0) {
			i += 8;
			start = i;
			while (i < n && p[i] != '"')
				i++;
			if (i >= n)
				return errorx("%s:%d: reason has no closing quote", file, lineno);
			if (e->reason)
				return errorx("%s:%d: reason given twice", file, lineno);
			e->reason = xasprintf("%.*s", (int)(i - start), p + start);
			i++;
			if (i < n && !is_space(p[i]))
				return errorx("%s:%d: text after the reason's closing quote",
					      file, lineno);
		} else {
			while (i < n && !is_space(p[i]))
				i++;
			if (nglobs == 2 || has_until || e->reason)
				return errorx("%s:%d: unexpected '%.*s' (expected JOBGLOB [STEPGLOB] "
					      "until=YYYY-MM-DD reason=\"...\")",
					      file, lineno, (int)(i - start), p + start);
			if (!glob_is_valid(p + start, i - start))
				return errorx("%s:%d: '%.*s' is not a job or step pattern",
					      file, lineno, (int)(i - start), p + start);
			globs[nglobs] = p + start;
			glen[nglobs++] = i - start;
		}
	}
	if (!nglobs)
		return errorx("%s:%d: entry has no job pattern", file, lineno);
	if (!e->negate && !has_until)
		return errorx("%s:%d: entry has no until=YYYY-MM-DD (every allowance expires)",
			      file, lineno);
	if (!e->negate && (!e->reason || !e->reason[0]))
		return errorx("%s:%d: entry has no reason=\"...\"", file, lineno);
	e->job = xasprintf("%.*s", (int)glen[0], globs[0]);
	e->step = nglobs > 1 ? xasprintf("%.*s", (int)glen[1], globs[1]) : NULL;
	e->file = xstrdup(file);
	e->line = lineno;
	return 0;
}

int
allow_parse(struct allow_list *l, const char *file, const char *text, size_t len)
{
	size_t pos = 0, n, i;
	int lineno = 0;

	if (len > ALLOW_MAX_FILE)
		return errorx("%s: larger than %d bytes", file, ALLOW_MAX_FILE);
	while (pos < len) {
		const char *p = text + pos, *nl = memchr(p, '\n', len - pos);
		struct allow_entry e;

		n = nl ? (size_t)(nl - p) : len - pos;
		pos += n + (nl != NULL);
		lineno++;
		if (n > ALLOW_MAX_LINE)
			return errorx("%s:%d: line longer than %d bytes", file, lineno,
				      ALLOW_MAX_LINE);
		if (memchr(p, '\0', n))
			return errorx("%s:%d: NUL byte", file, lineno);
		for (i = 0; i < n && is_space(p[i]); i++)
			;
		if (i == n || p[i] == '#')
			continue;
		while (n > i && is_space(p[n - 1]))
			n--;
		if (l->n >= ALLOW_MAX_ENTRIES)
			return errorx("%s:%d: more than %d entries", file, lineno,
				      ALLOW_MAX_ENTRIES);
		if (parse_entry(file, lineno, p + i, n - i, &e) < 0) {
			entry_release(&e);
			return -1;
		}
		l->entries = xrealloc(l->entries, sizeof(*l->entries) * (size_t)(l->n + 1));
		l->entries[l->n++] = e;
	}
	return 0;
}

int
allow_load(struct allow_list *l, const char *path)
{
	size_t len;
	char *text = read_file(path, ALLOW_MAX_FILE, &len);
	int rc;

	if (!text)
		return -1;
	rc = allow_parse(l, path, text, len);
	free(text);
	return rc;
}

void
allow_release(struct allow_list *l)
{
	int i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		entry_release(&l->entries[i]);
	free(l->entries);
	l->entries = NULL;
	l->n = 0;
}

const struct allow_entry *
allow_match(const struct allow_list *l, const char *job, const char *step, long today,
	    const struct allow_entry **expired)
{
	const struct allow_entry *live = NULL, *old = NULL;
	int i;

	for (i = 0; i < l->n; i++) {
		const struct allow_entry *e = &l->entries[i];

		if (!glob_match(e->job, job) || (e->step && !glob_match(e->step, step)))
			continue;
		if (e->negate) {
			live = old = NULL;
		} else if (e->until < today) {
			old = e;
		} else {
			live = e;
		}
	}
	if (expired)
		*expired = live ? NULL : old;
	return live;
}
