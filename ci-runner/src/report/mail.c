#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "mail.h"
#include "util.h"

/* The outcome a reader sorts mail by; the report's verdict, or ALL FAIL. */
static const char *
outcome(const struct mail_message *m)
{
	if (m->all_fail && (!strcmp(m->verdict, "regressions - FAIL") ||
			    !strcmp(m->verdict, "tolerable FAIL")))
		return "ALL FAIL";
	return m->verdict;
}

char *
mail_subject(const struct mail_message *m)
{
	return xasprintf("[%s test] %ld: %s%s", m->branch, m->flight, outcome(m),
			 m->pushed ? " - PUSHED" : "");
}

/*
 * A header value from text the flight holds: a line end or other control
 * character would start a header of its own, so it becomes a space.
 */
static void
add_value(struct strbuf *sb, const char *s)
{
	for (; *s; s++)
		strbuf_addf(sb, "%c", iscntrl((unsigned char)*s) ? ' ' : *s);
}

static void
add_revs(struct strbuf *sb, const char *name, const struct mail_rev *revs, int n)
{
	int i;

	if (!n)
		return;
	strbuf_addf(sb, "%s:", name);
	for (i = 0; i < n; i++) {
		strbuf_adds(sb, " ");
		add_value(sb, revs[i].tree);
		strbuf_adds(sb, "=");
		add_value(sb, revs[i].revision);
	}
	strbuf_adds(sb, "\n");
}

void
mail_date(long t, char buf[40])
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t tt = (time_t)t;
	struct tm tm;

	/* Not strftime: %a and %b follow the locale, RFC 5322 wants English. */
	gmtime_r(&tt, &tm);
	snprintf(buf, 40, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7],
		 tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		 tm.tm_sec);
}

char *
mail_compose(const struct mail_message *m)
{
	struct strbuf sb;
	char date[40], *subject = mail_subject(m);
	const char *p;
	int i;

	strbuf_init(&sb);
	strbuf_adds(&sb, "From: ");
	add_value(&sb, m->from);
	strbuf_adds(&sb, "\nTo: ");
	for (i = 0; i < m->nto; i++) {
		if (i)
			strbuf_adds(&sb, ",\n ");
		add_value(&sb, m->to[i]);
	}
	mail_date(m->date, date);
	strbuf_addf(&sb, "\nDate: %s\nMessage-ID: <", date);
	add_value(&sb, m->message_id);
	strbuf_adds(&sb, ">\nSubject: ");
	add_value(&sb, subject);
	strbuf_adds(&sb, "\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
		    "Content-Transfer-Encoding: 8bit\n");
	for (i = 0; i < m->nfailures; i++) {
		const struct mail_failure *f = &m->failures[i];

		strbuf_adds(&sb, "X-Pvci-Failures: ");
		add_value(&sb, m->branch);
		strbuf_adds(&sb, ":");
		add_value(&sb, f->job);
		strbuf_adds(&sb, ":");
		add_value(&sb, f->step);
		strbuf_adds(&sb, ":");
		add_value(&sb, f->status);
		strbuf_adds(&sb, ":");
		add_value(&sb, f->why);
		strbuf_adds(&sb, "\n");
	}
	add_revs(&sb, "X-Pvci-Versions-This", m->this_revs, m->nthis);
	add_revs(&sb, "X-Pvci-Versions-That", m->that_revs, m->nthat);
	strbuf_adds(&sb, "\n");
	/* The body's lines end in LF; the sender makes them CRLF. */
	for (p = m->body; *p; p++)
		if (*p != '\r')
			strbuf_add(&sb, p, 1);
	if (sb.len && sb.buf[sb.len - 1] != '\n')
		strbuf_adds(&sb, "\n");
	free(subject);
	return strbuf_detach(&sb);
}

int
mail_address_is_valid(const char *a)
{
	const char *at = strchr(a, '@');
	const char *p;

	if (!at || at == a || !at[1] || strchr(at + 1, '@'))
		return 0;
	for (p = a; *p; p++)
		if (iscntrl((unsigned char)*p) || isspace((unsigned char)*p) ||
		    strchr("<>,;:\"()[]\\", *p))
			return 0;
	return 1;
}

/* A copy of s[0..len) without the blanks around it; caller frees. */
static char *
trimmed(const char *s, size_t len)
{
	char *t;

	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	t = xmalloc(len + 1);
	memcpy(t, s, len);
	t[len] = '\0';
	return t;
}

int
mail_recipients(const char *setting, const char *branch, char ***out, int *count)
{
	const char *p = setting ? setting : "";
	char **to = NULL;
	int n = 0;

	while (*p) {
		size_t len = strcspn(p, ",");
		char *entry = trimmed(p, len), *eq = strchr(entry, '='), *addr = entry;

		p += len + (p[len] == ',');
		if (!*entry) {
			free(entry);
			continue;
		}
		if (eq) {
			*eq = '\0';
			addr = eq + 1;
			if (!name_is_valid(entry)) {
				errorx("setting 'mail.to': '%s' is not a branch name", entry);
				free(entry);
				mail_recipients_free(to, n);
				return -1;
			}
		}
		if (!mail_address_is_valid(addr)) {
			errorx("setting 'mail.to': '%s' is not a mail address", addr);
			free(entry);
			mail_recipients_free(to, n);
			return -1;
		}
		if (!eq || !strcmp(entry, branch)) {
			to = xrealloc(to, (size_t)(n + 1) * sizeof(*to));
			to[n++] = xstrdup(addr);
		}
		free(entry);
	}
	*out = to;
	*count = n;
	return 0;
}

void
mail_recipients_free(char **to, int count)
{
	int i;

	for (i = 0; to && i < count; i++)
		free(to[i]);
	free(to);
}
