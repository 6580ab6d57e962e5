#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "html.h"

void
web_out_init(struct web_out *out, const char *path)
{
	size_t n = 0;
	const char *p;

	memset(out, 0, sizeof(*out));
	strbuf_init(&out->body);
	out->type = "text/html; charset=utf-8";
	for (p = path; *p; p++)
		if (*p == '/' && n + 4 < sizeof(out->root)) {
			memcpy(out->root + n, "../", 3);
			n += 3;
		}
	out->root[n] = '\0';
}

void
web_out_release(struct web_out *out)
{
	strbuf_release(&out->body);
}

static void
esc(struct strbuf *sb, const char *s, int attr)
{
	const char *start = s;

	if (!s)
		return;
	for (; *s; s++) {
		const char *rep;

		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = attr ? "&quot;" : NULL; break;
		case '\'': rep = attr ? "&#39;" : NULL; break;
		default: rep = NULL;
		}
		if (!rep)
			continue;
		strbuf_add(sb, start, (size_t)(s - start));
		strbuf_adds(sb, rep);
		start = s + 1;
	}
	strbuf_add(sb, start, (size_t)(s - start));
}

void
html_txt(struct strbuf *sb, const char *s)
{
	esc(sb, s, 0);
}

void
html_attr(struct strbuf *sb, const char *s)
{
	esc(sb, s, 1);
}

void
html_txtf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	esc(sb, s, 0);
	free(s);
}

void
html_link(struct web_out *out, const char *href, const char *text)
{
	strbuf_adds(&out->body, "<a href=\"");
	html_attr(&out->body, out->root);
	html_attr(&out->body, href);
	strbuf_adds(&out->body, "\">");
	html_txt(&out->body, text);
	strbuf_adds(&out->body, "</a>");
}

void
html_linkf(struct web_out *out, const char *text, const char *fmt, ...)
{
	va_list ap;
	char *href;

	va_start(ap, fmt);
	href = xvasprintf(fmt, ap);
	va_end(ap);
	html_link(out, href, text);
	free(href);
}

static const struct {
	const char *status;
	const char *colour;
} colours[] = {
	{ "pass", "#8fd694" },
	{ "fail", "#f28b82" },
	{ "broken", "#c58af9" },
	{ "blocked", "#d7d7d7" },
	{ "aborted", "#fbbc74" },
	{ "running", "#fff475" },
	{ "preparing", "#fff475" },
	{ "queued", "#ffffff" },
	{ "skipped", "#eeeeee" },
};

const char *
html_status_colour(const char *status)
{
	size_t i;

	for (i = 0; status && i < sizeof(colours) / sizeof(colours[0]); i++)
		if (!strcmp(colours[i].status, status))
			return colours[i].colour;
	return "#ffffff";
}

void
html_status_td(struct strbuf *sb, const char *status)
{
	strbuf_adds(sb, "<td class=\"s-");
	html_attr(sb, status ? status : "none");
	strbuf_addf(sb, "\" style=\"background:%s\">", html_status_colour(status));
}

void
html_head(struct web_out *out, const char *title)
{
	struct strbuf *sb = &out->body;

	strbuf_adds(sb, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
	/* While a flight runs its page reloads itself; without it, it is still whole. */
	if (out->refresh)
		strbuf_adds(sb, "<meta http-equiv=\"refresh\" content=\"30\">\n");
	strbuf_adds(sb, "<title>");
	html_txt(sb, title);
	strbuf_adds(sb, " - pvci</title>\n<style>\n"
		"body{font-family:sans-serif;margin:1em;color:#222}\n"
		"table{border-collapse:collapse;margin:0.5em 0}\n"
		"td,th{border:1px solid #bbb;padding:2px 6px;text-align:left;vertical-align:top}\n"
		"th{background:#f0f0f0}\n"
		"td a{color:#000}\n"
		".mono{font-family:monospace}\n"
		".block{font-weight:bold;color:#b00020}\n"
		"nav{margin-bottom:1em}\n"
		"</style></head>\n<body>\n<nav>");
	html_link(out, "index.html", "pvci");
	strbuf_adds(sb, " | ");
	html_link(out, "regressions.html", "regressions");
	strbuf_adds(sb, "</nav>\n<h1>");
	html_txt(sb, title);
	strbuf_adds(sb, "</h1>\n");
}

void
html_foot(struct web_out *out)
{
	strbuf_adds(&out->body, "</body></html>\n");
}

void
html_time(struct strbuf *sb, long t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[32];

	if (!t) {
		strbuf_adds(sb, "-");
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	strbuf_adds(sb, buf);
}

void
html_duration(struct strbuf *sb, long started, long finished)
{
	long d;

	if (!started || !finished || finished < started) {
		strbuf_adds(sb, "-");
		return;
	}
	d = finished - started;
	if (d >= 3600)
		strbuf_addf(sb, "%ldh %02ldm", d / 3600, d / 60 % 60);
	else if (d >= 60)
		strbuf_addf(sb, "%ldm %02lds", d / 60, d % 60);
	else
		strbuf_addf(sb, "%lds", d);
}
