#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "config.h"
#include "request.h"
#include "util.h"

void
service_answer_release(struct service_answer *a)
{
	if (!a)
		return;
	free(a->body);
	a->body = NULL;
}

const char *
service_header(const struct service_request *req, const char *name)
{
	int i;

	for (i = 0; i < req->nheaders; i++)
		if (req->headers[i].name && !strcasecmp(req->headers[i].name, name))
			return req->headers[i].value ? req->headers[i].value : "";
	return NULL;
}

int
service_answer_set(struct service_answer *a, int status, ...)
{
	json_t *obj = json_object();
	const char *k, *v;
	va_list ap;

	va_start(ap, status);
	while ((k = va_arg(ap, const char *))) {
		v = va_arg(ap, const char *);
		if (v)
			json_object_set_new(obj, k, json_string(v));
	}
	va_end(ap);
	if (a->flight > 0)
		json_object_set_new(obj, "flight", json_integer(a->flight));
	free(a->body);
	a->body = json_dumps(obj, JSON_PRESERVE_ORDER | JSON_COMPACT);
	json_decref(obj);
	a->status = status;
	return status;
}

char *
service_flight_url(const struct config *cfg, long flight)
{
	const char *base = config_str(cfg, "service.url");
	size_t len = base ? strlen(base) : 0;

	/* A trailing slash of the base is not doubled. */
	while (len && base[len - 1] == '/')
		len--;
	return xasprintf("%.*s/flight/%ld", (int)len, base ? base : "", flight);
}
