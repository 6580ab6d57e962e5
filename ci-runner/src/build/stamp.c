#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"
#include "stamp.h"
#include "util.h"

static int
parse_part(const char **p, unsigned int *out)
{
	unsigned long v = 0;
	const char *s = *p;

	if (!isdigit((unsigned char)*s))
		return -1;
	while (isdigit((unsigned char)*s)) {
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > 65535)
			return -1;
		s++;
	}
	*out = (unsigned int)v;
	*p = s;
	return 0;
}

int
stamp_parse_version(const char *text, struct stamp_version *v)
{
	const char *p = text;

	if (!text)
		return errorx("no version given");
	if (parse_part(&p, &v->major) < 0 || *p++ != '.' ||
	    parse_part(&p, &v->minor) < 0 || *p++ != '.' ||
	    parse_part(&p, &v->micro) < 0 || *p)
		return errorx("version '%s' is not MAJOR.MINOR.MICRO (each 0..65535)", text);
	return 0;
}

char *
stamp_version_string(const struct stamp_version *v)
{
	return xasprintf("%u.%u.%u.%u", v->major, v->minor, v->micro, v->build);
}

int
stamp_inf_date(long long epoch, char *buf, size_t size)
{
	time_t t = (time_t)epoch;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(buf, size, "%m/%d/%Y", &tm) == 0)
		return errorx("cannot format the date of time %lld", epoch);
	return 0;
}

/* The line [start, end) without its end of line, trimmed of blanks. */
static void
trim(const char **start, const char **end)
{
	while (*start < *end && (**start == ' ' || **start == '\t'))
		(*start)++;
	while (*end > *start && ((*end)[-1] == ' ' || (*end)[-1] == '\t' ||
				 (*end)[-1] == '\r'))
		(*end)--;
}

static int
is_section(const char *s, const char *e)
{
	return e > s && *s == '[';
}

static int
section_is(const char *s, const char *e, const char *name)
{
	size_t n = strlen(name);
	const char *close = memchr(s, ']', (size_t)(e - s));

	if (!close)
		return 0;
	s++;
	while (s < close && (*s == ' ' || *s == '\t'))
		s++;
	while (close > s && (close[-1] == ' ' || close[-1] == '\t'))
		close--;
	return (size_t)(close - s) == n && strncasecmp(s, name, n) == 0;
}

static int
key_is(const char *s, const char *e, const char *key)
{
	size_t n = strlen(key);
	const char *q;

	if ((size_t)(e - s) < n || strncasecmp(s, key, n) != 0)
		return 0;
	for (q = s + n; q < e && (*q == ' ' || *q == '\t'); q++)
		;
	return q < e && *q == '=';
}

char *
stamp_inf_text(const char *text, size_t len, const char *date, const char *version,
	       size_t *outlen)
{
	const char *p = text, *end = text + len;
	int in_version = 0, seen_version = 0, stamped = 0;
	const char *eol_style = "\r\n";
	struct strbuf out;

	/* New lines follow the file's own convention. */
	{
		const char *nl = memchr(text, '\n', len);

		if (nl && (nl == text || nl[-1] != '\r'))
			eol_style = "\n";
	}
	strbuf_init(&out);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end;
		const char *next = nl ? nl + 1 : end;
		const char *s = p, *e = line_end;

		trim(&s, &e);
		if (is_section(s, e)) {
			if (in_version && !stamped) {
				strbuf_addf(&out, "DriverVer=%s,%s%s", date, version, eol_style);
				stamped = 1;
			}
			in_version = section_is(s, e, "Version");
			seen_version |= in_version;
		} else if (in_version && key_is(s, e, "DriverVer")) {
			/* Keep the line's own end of line. */
			const char *eol = line_end;

			if (eol > p && eol[-1] == '\r')
				eol--;
			strbuf_add(&out, p, (size_t)(s - p));
			strbuf_addf(&out, "DriverVer=%s,%s", date, version);
			strbuf_add(&out, eol, (size_t)(next - eol));
			stamped = 1;
			p = next;
			continue;
		}
		strbuf_add(&out, p, (size_t)(next - p));
		p = next;
	}
	if (!seen_version) {
		strbuf_release(&out);
		errorx("the INF has no [Version] section");
		return NULL;
	}
	if (in_version && !stamped) {
		if (out.len && out.buf[out.len - 1] != '\n')
			strbuf_adds(&out, eol_style);
		strbuf_addf(&out, "DriverVer=%s,%s%s", date, version, eol_style);
	}
	*outlen = out.len;
	return strbuf_detach(&out);
}

int
stamp_is_revision(const char *s)
{
	size_t n;

	if (!s)
		return 0;
	n = strspn(s, "0123456789abcdef");
	return s[n] == '\0' && n >= 4 && n <= 64;
}
