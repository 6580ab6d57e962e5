/*
 * The HTTP listener (libmicrohttpd) that pvci serve and pvci daemon share.
 * What it answers is a list of route tables: each entry a method, a path
 * pattern, a handler and the largest request body it takes. The pages and
 * the JSON API are one table (web/routes.c); the daemon adds its own (the
 * webhooks, POST /api/flights) by passing another table at start.
 *
 * Limits, so that no client holds the server: total connections, per-IP
 * connections, an idle timeout (a client that opens and sends nothing is
 * dropped after it), a memory bound per connection (which also bounds the
 * request headers: larger ones are refused by MHD), and each route's body
 * limit, checked against Content-Length before a byte of the body is read
 * (413 at once), and counted while a chunked body arrives: past the limit
 * it is dropped, not kept, and answered 413 when it ends, or its
 * connection is closed when it goes on 64 KiB further.
 *
 * Paths: a request's path is matched segment by segment; a segment holds
 * only [A-Za-z0-9._-] and does not start with '.', so "..", "%2e%2e" (not
 * decoded: pvci decodes nothing in a path), NUL, '\\' and empty segments
 * never reach a handler (400).
 */
#ifndef PVCI_HTTP_H
#define PVCI_HTTP_H

#include <stddef.h>
#include <sys/types.h>

#include "util.h"

struct http_request;

/* What a handler fills in; the listener sends it. */
struct http_response {
	int status;			/* 200 unless set */
	const char *type;		/* Content-Type; text/html; charset=utf-8 unless set */
	struct strbuf body;		/* a generated body, or: */
	int fd;				/* a file to send (>= 0): closed by the listener */
	off_t offset, length;		/* its range */
	off_t total;			/* the file's size, for Content-Range */
	char *etag;			/* strong ETag (quoted) or NULL; freed by the listener */
	long last_modified;		/* seconds since the epoch, 0 for none */
	int no_store;			/* Cache-Control: no-store (running flights) */
	char *location;			/* for redirects */
	char *content_range;		/* Content-Range of a 206 or 416 */
	int compressible;		/* gzip when the client asks (text bodies) */
};

/*
 * A route's handler: args[0..nargs) are the path segments its pattern's
 * '*' matched (for a trailing "**": the rest of the path as one string).
 * Returns 0 with res filled, or -1 for a 500 (reported). A 404 or 400 is a
 * response like any other (http_error).
 */
typedef int (*http_handler)(struct http_request *req, struct http_response *res,
			    const char *const *args, int nargs);

struct http_route {
	const char *method;	/* "GET" (also answers HEAD), "POST" */
	const char *pattern;	/* "/flight/ANY", with * a segment, ** the rest */
	http_handler handler;
	size_t max_body;	/* largest body accepted; 0: none */
};

struct http_routes {
	const struct http_route *routes;
	int nroutes;
	void *ctx;		/* handed to its handlers: http_request_ctx() */
};

struct http_limits {
	unsigned connections;		/* all at once */
	unsigned per_ip;		/* from one address */
	unsigned timeout;		/* seconds a connection may stay idle */
	size_t memory;			/* per connection: bounds the request head */
	unsigned threads;		/* worker threads */
};
/* The defaults: 64 connections, 16 per address, 10 s, 32 KiB, 2 threads. */
void http_limits_default(struct http_limits *l);

struct http_server;

/*
 * Starts listening on listen ("ADDR:PORT", "[ADDR6]:PORT"; port 0 picks a
 * free port, http_port() tells it); tables are tried in order, entries in
 * order. NULL on error (reported).
 */
struct http_server *http_start(const char *listen, const struct http_routes *tables,
			       int ntables, const struct http_limits *limits);
int http_port(const struct http_server *srv);
void http_stop(struct http_server *srv);

/* Request accessors for handlers. */
void *http_request_ctx(const struct http_request *req);
const char *http_request_method(const struct http_request *req);
const char *http_request_path(const struct http_request *req);
/* A query argument, decoded; NULL when absent. */
const char *http_request_arg(const struct http_request *req, const char *name);
const char *http_request_header(const struct http_request *req, const char *name);
/* The body read so far (complete when the handler runs); may be NULL. */
const char *http_request_body(const struct http_request *req, size_t *len);

/* Fills res with an error page (status and a short text); returns 0. */
int http_error(struct http_response *res, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Serves file rel (relative to root, every segment checked as above) with
 * type; a file whose real path leaves root (a symlink out) is 404. Honours
 * a single-range "Range: bytes=A-B" (206, 416). 0, or -1 on error.
 */
int http_file(struct http_request *req, struct http_response *res, const char *root,
	      const char *rel, const char *type);

/* 1 when every '/'-separated segment of path is a safe name (see above). */
int http_path_is_safe(const char *path);

#endif
