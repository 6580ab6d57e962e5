/*
 * The results site as a route table for the HTTP listener: the pages
 * (pages.h), the logs and artifacts of the instance, and the read-only JSON
 * API. pvci serve starts a listener with this table alone; the daemon
 * passes it beside its own.
 *
 *   GET /api/flights?branch=B&limit=K   flights, newest first
 *   GET /api/flights/N                  a flight with its jobs, steps, runvars
 *   GET /api/flights/N/jobs/JOB         a job
 *   GET /api/branches                   branches, their flight count and latest
 *   GET /api/regressions?branch=B&all=1 open (or all) regressions
 *
 * Each worker thread of the listener opens the database read-only once.
 */
#ifndef PVCI_SERVE_H
#define PVCI_SERVE_H

#include "http.h"

struct web_site;

/* The site of the instance at home (absolute); NULL on error (reported). */
struct web_site *web_site_new(const char *home);
void web_site_free(struct web_site *site);
/* Its routes, to hand to http_start (the table lives as long as site). */
struct http_routes web_site_routes(struct web_site *site);

#endif
