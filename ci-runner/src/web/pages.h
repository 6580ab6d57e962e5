/*
 * The result pages, one web-*.c file each, rendered from the database
 * into a buffer. The same function serves them live (pvci serve, the
 * daemon) and writes them as static files (pvci publish): links are
 * relative, and a page's path is the file it is published as.
 *
 *   index.html                  branches: recent flights, verdicts, gate, badge
 *   badge/BRANCH.svg            the branch's latest real verdict as an SVG badge
 *   flight/N.html               jobs x steps grid, regressions on top, revisions
 *   flight/N/JOB.html           steps, runvars, artifacts, measurements, prev/next
 *   history/BRANCH/JOB.html     the job in the branch's last 100 flights
 *   host/HOST.html              the jobs a host ran, last 100
 *   trends/BRANCH.html          an SVG chart per job and metric of real flights
 *   regressions.html            open regressions and recently fixed ones
 *   diff/A/B.html               pvci flight diff A B
 */
#ifndef PVCI_PAGES_H
#define PVCI_PAGES_H

#include <jansson.h>

#include "html.h"

struct db;

#define WEB_NOT_FOUND 1

/*
 * Renders the page at path (as listed above, no leading '/') into out,
 * which web_render initialises (web_out_release it). 0; WEB_NOT_FOUND with
 * a short message in out when there is no such page (or flight, job, ...);
 * -1 on error (reported).
 */
int web_render(struct db *db, const char *path, struct web_out *out);

/* The pages of a flight, for publishing: flight/N.html and each job's; caller frees. */
char **web_flight_pages(struct db *db, long flight, int *count);

/* Pages (web-*.c); args are the path's variable parts, ".html" taken off. */
int web_index(struct db *db, struct web_out *out, char **args);
int web_badge(struct db *db, struct web_out *out, char **args);
int web_flight(struct db *db, struct web_out *out, char **args);
int web_job(struct db *db, struct web_out *out, char **args);
int web_history(struct db *db, struct web_out *out, char **args);
int web_host(struct db *db, struct web_out *out, char **args);
int web_trends(struct db *db, struct web_out *out, char **args);
int web_regressions(struct db *db, struct web_out *out, char **args);
int web_diff(struct db *db, struct web_out *out, char **args);

/* Shared by the pages. */
/* A string or integer member of a JSON object (NULL, 0 when absent). */
#define JS(o, k) json_string_value(json_object_get((o), (k)))
#define JI(o, k) ((long)json_integer_value(json_object_get((o), (k))))
/* WEB_NOT_FOUND with a message in out. */
int web_not_found(struct web_out *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A flight number from a path part; 0 when it is none. */
long web_flight_arg(const char *s);
/* pvci report's JSON of flight (judged, nothing recorded); NULL on error. */
json_t *web_report(struct db *db, long flight);

#endif
