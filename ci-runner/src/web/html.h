/*
 * Writing pages: every string from the database goes through an escaping
 * helper (as cgit's html_txt / html_attr), so no runvar, note or branch
 * name can become markup. Links are relative to the page (out->root is
 * "../" once per folder the page is deep), so the same bytes work served
 * live by pvci serve and as static files written by pvci publish.
 */
#ifndef PVCI_HTML_H
#define PVCI_HTML_H

#include "status.h"
#include "util.h"

/* A rendered page. */
struct web_out {
	struct strbuf body;
	const char *type;	/* Content-Type */
	char root[256];		/* "../" per level: prefix of every link */
	long last_modified;	/* when its content last changed; 0 unknown */
	int finished;		/* the content will not change (finished flight) */
	int refresh;		/* a running flight: the page reloads itself */
};
void web_out_init(struct web_out *out, const char *path);
void web_out_release(struct web_out *out);

/* Text and attribute values, escaped. */
void html_txt(struct strbuf *sb, const char *s);
void html_attr(struct strbuf *sb, const char *s);
/* Formatted text, escaped (the format itself is trusted). */
void html_txtf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* <a href="ROOT + href">text</a>, both escaped; href is relative to the site root. */
void html_link(struct web_out *out, const char *href, const char *text);
void html_linkf(struct web_out *out, const char *text, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Page head (title escaped) through <body>, and the end. */
void html_head(struct web_out *out, const char *title);
void html_foot(struct web_out *out);

/* The colour of a status (the grid cells, the badge, the history). */
const char *html_status_colour(const char *status);
/* <td class="s-STATUS" style="background:...">; status escaped. */
void html_status_td(struct strbuf *sb, const char *status);

/* "2026-11-25 23:10:06" UTC, "-" for 0. */
void html_time(struct strbuf *sb, long t);
/* "1m 05s", "-" when unknown. */
void html_duration(struct strbuf *sb, long started, long finished);

#endif
