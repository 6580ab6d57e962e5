#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "log.h"
#include "pages.h"
#include "report.h"
#include "util.h"

#define MAX_PARTS 4

/*
 * The pages by path pattern: "*" is one path segment, "*.html" one that
 * ends in .html (the part before is handed to the page).
 */
static const struct {
	const char *pattern;
	int (*render)(struct db *db, struct web_out *out, char **args);
} pages[] = {
	{ "index.html", web_index },
	{ "regressions.html", web_regressions },
	{ "badge/*.svg", web_badge },
	{ "flight/*.html", web_flight },
	{ "flight/*/*.html", web_job },
	{ "history/*/*.html", web_history },
	{ "host/*.html", web_host },
	{ "trends/*.html", web_trends },
	{ "diff/*/*.html", web_diff },
};

/* Matches path against pattern: 1 with args[] filled (caller frees), 0 not. */
static int
match(const char *pattern, const char *path, char **args, int *nargs)
{
	const char *p = pattern, *s = path;

	*nargs = 0;
	for (;;) {
		size_t pn = strcspn(p, "/"), sn = strcspn(s, "/");

		if (p[0] == '*') {
			size_t suffix = pn - 1;

			if (sn <= suffix || memcmp(s + sn - suffix, p + 1, suffix) != 0 ||
			    *nargs == MAX_PARTS)
				return 0;
			args[(*nargs)++] = xasprintf("%.*s", (int)(sn - suffix), s);
		} else if (pn != sn || memcmp(p, s, pn) != 0)
			return 0;
		p += pn;
		s += sn;
		if (!*p || !*s)
			return !*p && !*s;
		p++;
		s++;
	}
}

int
web_render(struct db *db, const char *path, struct web_out *out)
{
	char *args[MAX_PARTS];
	size_t i;
	int n = 0, k, rc = WEB_NOT_FOUND;

	web_out_init(out, path);
	for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		if (!match(pages[i].pattern, path, args, &n)) {
			for (k = 0; k < n; k++)
				free(args[k]);
			continue;
		}
		for (k = 0; k < n; k++)
			if (!name_is_valid(args[k]))
				break;
		rc = k < n ? web_not_found(out, "'%s' is not a name", args[k])
			   : pages[i].render(db, out, args);
		for (k = 0; k < n; k++)
			free(args[k]);
		return rc;
	}
	return web_not_found(out, "no page at this address");
}

int
web_not_found(struct web_out *out, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	strbuf_reset(&out->body);
	strbuf_adds(&out->body, msg);
	strbuf_adds(&out->body, "\n");
	out->type = "text/plain; charset=utf-8";
	free(msg);
	return WEB_NOT_FOUND;
}

long
web_flight_arg(const char *s)
{
	long f;

	return parse_long(s, &f) == 0 && f > 0 ? f : 0;
}

json_t *
web_report(struct db *db, long flight)
{
	struct report_opts o = { .format = REPORT_JSON, .allow = NULL, .record = 0 };
	json_error_t jerr;
	json_t *j;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	if (!f) {
		error("report of flight %ld", flight);
		return NULL;
	}
	o.today = (long)(time(NULL) / 86400);
	rc = report_flight(db, flight, &o, f);
	fclose(f);
	if (rc < 0) {
		free(buf);
		return NULL;
	}
	j = json_loadb(buf, len, 0, &jerr);
	free(buf);
	if (!j)
		errorx("report of flight %ld: %s", flight, jerr.text);
	return j;
}

char **
web_flight_pages(struct db *db, long flight, int *count)
{
	json_t *f = db_flight_json(db, flight), *jobs, *j;
	char **paths;
	size_t i;

	*count = 0;
	if (!f)
		return NULL;
	jobs = json_object_get(f, "jobs");
	paths = xcalloc(json_array_size(jobs) + 1, sizeof(*paths));
	paths[(*count)++] = xasprintf("flight/%ld.html", flight);
	json_array_foreach(jobs, i, j)
		paths[(*count)++] = xasprintf("flight/%ld/%s.html", flight,
					      json_string_value(json_object_get(j, "job")));
	json_decref(f);
	return paths;
}
