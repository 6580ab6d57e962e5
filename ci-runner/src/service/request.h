/*
 * An HTTP request as the service's handlers (webhook.h, api-flights.h)
 * take it, independent of the listener: the listener (web/) fills one from
 * libmicrohttpd and sends back the answer; "pvci trigger http" fills one
 * from its command line. The handlers are pure of I/O on the request: they
 * never read a socket and never see more body than the listener let in.
 */
#ifndef PVCI_REQUEST_H
#define PVCI_REQUEST_H

#include <stddef.h>

struct service_header {
	const char *name;	/* compared without regard to case */
	const char *value;
};

struct service_request {
	const struct service_header *headers;
	int nheaders;
	const char *body;	/* may hold NUL bytes; need not be NUL-terminated */
	size_t body_len;
};

/* What to answer: an HTTP status and a JSON body (caller frees). */
struct service_answer {
	int status;
	char *body;
	long flight;		/* the flight made or concerned, 0 when none */
};
void service_answer_release(struct service_answer *a);

/* The first header called name, or NULL. */
const char *service_header(const struct service_request *req, const char *name);

/*
 * Sets a to status and a JSON object of the given string pairs ("key",
 * "value", ..., NULL); returns status, so "return service_answer_set(...)"
 * is one line. A "flight" key with value NULL is skipped.
 */
int service_answer_set(struct service_answer *a, int status, ...);

/* The URL of a flight's page: service.url + "/flight/N", or the path alone. */
struct config;
char *service_flight_url(const struct config *cfg, long flight);

#endif
