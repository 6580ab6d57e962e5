#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <zlib.h>

#include "http.h"
#include "log.h"
#include "util.h"

#define MAX_ARGS 8
/* Bodies under this are sent as they are: gzip would not pay. */
#define GZIP_MIN 512
/* What is read and dropped of a chunked body over its limit before its connection is closed. */
#define DISCARD_MAX (64 * 1024)

struct http_server {
	struct MHD_Daemon *mhd;
	struct http_routes *tables;
	int ntables;
	int port;
};

struct http_request {
	struct http_server *srv;
	struct MHD_Connection *conn;
	const char *method;
	const char *path;
	const struct http_route *route;
	void *ctx;
	char *args[MAX_ARGS];
	int nargs;
	struct strbuf body;
	int refused;		/* a response was queued before the body was read */
	size_t received;	/* body bytes so far */
	int too_large;		/* over the route's max_body: 413 when it ends */
	char *decoded;		/* the last http_request_arg value */
};

void
http_limits_default(struct http_limits *l)
{
	l->connections = 64;
	l->per_ip = 16;
	l->timeout = 10;
	l->memory = 32 * 1024;
	l->threads = 2;
}

static int
safe_segment(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > NAME_MAX_LEN || s[0] == '.' || s[0] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int
http_path_is_safe(const char *path)
{
	const char *p = path, *slash;

	if (!*p)
		return 0;
	for (;;) {
		slash = strchr(p, '/');
		if (!safe_segment(p, slash ? (size_t)(slash - p) : strlen(p)))
			return 0;
		if (!slash)
			return 1;
		p = slash + 1;
	}
}

/*
 * Matches path (after its leading '/') against pattern; fills args with
 * what each '*' took (copies). 1 on a match.
 */
static int
match(const char *pattern, const char *path, char **args, int *nargs)
{
	const char *p = pattern + 1, *s = path + 1;

	*nargs = 0;
	while (*p) {
		if (p[0] == '*' && p[1] == '*') {
			if (!*s || *nargs == MAX_ARGS)
				return 0;
			args[(*nargs)++] = xstrdup(s);
			return 1;
		}
		if (*p == '*') {
			size_t n = strcspn(s, "/");

			if (n == 0 || *nargs == MAX_ARGS)
				return 0;
			args[(*nargs)++] = xasprintf("%.*s", (int)n, s);
			s += n;
			p++;
			continue;
		}
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	return *s == '\0';
}

static void
free_args(char **args, int *nargs)
{
	int i;

	for (i = 0; i < *nargs; i++)
		free(args[i]);
	*nargs = 0;
}

/* pvci decodes no path: '%' sequences stay as they are, so a path with one is refused. */
static size_t
no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s);
}

void *
http_request_ctx(const struct http_request *req)
{
	return req->ctx;
}

const char *
http_request_method(const struct http_request *req)
{
	return req->method;
}

const char *
http_request_path(const struct http_request *req)
{
	return req->path;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Query values are decoded here (MHD is told not to); NUL or bad escapes: NULL. */
const char *
http_request_arg(const struct http_request *req, const char *name)
{
	struct http_request *r = (struct http_request *)req;
	const char *raw = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
	struct strbuf sb;
	size_t i;

	if (!raw)
		return NULL;
	strbuf_init(&sb);
	for (i = 0; raw[i]; i++) {
		char c = raw[i];

		if (c == '+')
			c = ' ';
		else if (c == '%') {
			int hi = hexval(raw[i + 1]), lo = hi < 0 ? -1 : hexval(raw[i + 2]);

			if (lo < 0 || (hi == 0 && lo == 0)) {
				strbuf_release(&sb);
				return NULL;
			}
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		strbuf_add(&sb, &c, 1);
	}
	free(r->decoded);
	r->decoded = strbuf_detach(&sb);
	return r->decoded;
}

const char *
http_request_header(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *
http_request_body(const struct http_request *req, size_t *len)
{
	if (len)
		*len = req->body.len;
	return req->body.len ? req->body.buf : NULL;
}

static const char *
reason(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Content Too Large";
	case 416: return "Range Not Satisfiable";
	case 500: return "Internal Server Error";
	default: return "Error";
	}
}

int
http_error(struct http_response *res, int status, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	strbuf_reset(&res->body);
	strbuf_addf(&res->body, "%d %s: %s\n", status, reason(status), msg);
	free(msg);
	res->status = status;
	res->type = "text/plain; charset=utf-8";
	if (res->fd >= 0)
		close(res->fd);
	res->fd = -1;
	return 0;
}

/* "bytes=A-B", "bytes=A-", "bytes=-N" over size: 1 with the range, 0 unusable, -1 unsatisfiable. */
static int
parse_range(const char *h, off_t size, off_t *from, off_t *len)
{
	const char *p;
	char *end;
	long long a, b;

	if (strncmp(h, "bytes=", 6) != 0 || strchr(h, ','))
		return 0;
	p = h + 6;
	if (*p == '-') {
		errno = 0;
		b = strtoll(p + 1, &end, 10);
		if (errno || *end || end == p + 1 || b < 0)
			return 0;
		if (b == 0 || size == 0)
			return -1;
		if (b > size)
			b = size;
		*from = size - b;
		*len = b;
		return 1;
	}
	errno = 0;
	a = strtoll(p, &end, 10);
	if (errno || end == p || *end != '-' || a < 0)
		return 0;
	p = end + 1;
	if (*p) {
		b = strtoll(p, &end, 10);
		if (errno || *end || b < a)
			return 0;
	} else
		b = size - 1;
	if (a >= size)
		return -1;
	if (b >= size)
		b = size - 1;
	*from = a;
	*len = b - a + 1;
	return 1;
}

int
http_file(struct http_request *req, struct http_response *res, const char *root,
	  const char *rel, const char *type)
{
	char *path, real_root[PATH_MAX], real[PATH_MAX];
	const char *range;
	struct stat st;
	size_t n;
	int fd;

	if (!http_path_is_safe(rel))
		return http_error(res, 400, "bad path");
	if (!realpath(root, real_root))
		return error("instance '%s'", root);
	path = path_join(real_root, rel);
	if (!realpath(path, real)) {
		free(path);
		return http_error(res, 404, "no such file");
	}
	free(path);
	/* A symlink may lead anywhere: only what really lies inside is served. */
	n = strlen(real_root);
	if (strncmp(real, real_root, n) != 0 || real[n] != '/')
		return http_error(res, 404, "no such file");
	fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return http_error(res, 404, "no such file");
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return http_error(res, 404, "no such file");
	}
	res->fd = fd;
	res->type = type;
	res->offset = 0;
	res->length = st.st_size;
	res->total = st.st_size;
	res->last_modified = (long)st.st_mtime;
	res->etag = xasprintf("\"%llx-%llx-%llx\"", (unsigned long long)st.st_ino,
			      (unsigned long long)st.st_size, (unsigned long long)st.st_mtime);
	range = http_request_header(req, MHD_HTTP_HEADER_RANGE);
	if (range) {
		off_t from, len;
		int rc = parse_range(range, st.st_size, &from, &len);

		if (rc < 0) {
			http_error(res, 416, "range '%s' is outside the file", range);
			res->content_range = xasprintf("bytes */%lld", (long long)st.st_size);
		} else if (rc > 0) {
			res->status = 206;
			res->offset = from;
			res->length = len;
			res->content_range = xasprintf("bytes %lld-%lld/%lld", (long long)from,
						       (long long)(from + len - 1),
						       (long long)st.st_size);
		}
	}
	return 0;
}

static void
response_release(struct http_response *res)
{
	strbuf_release(&res->body);
	if (res->fd >= 0)
		close(res->fd);
	free(res->etag);
	free(res->location);
	free(res->content_range);
}

/* gzip of data into out; 0 or -1. */
static int
gzip(const char *data, size_t len, struct strbuf *out)
{
	z_stream z;
	char buf[16384];
	int rc;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)len;
	do {
		z.next_out = (Bytef *)buf;
		z.avail_out = sizeof(buf);
		rc = deflate(&z, Z_FINISH);
		if (rc == Z_STREAM_ERROR) {
			deflateEnd(&z);
			return -1;
		}
		strbuf_add(out, buf, sizeof(buf) - z.avail_out);
	} while (rc != Z_STREAM_END);
	deflateEnd(&z);
	return 0;
}

/* 1 when the Accept-Encoding header lists gzip (without q=0). */
static int
wants_gzip(struct http_request *req)
{
	const char *h = http_request_header(req, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	const char *p;

	if (!h || !(p = strcasestr(h, "gzip")))
		return 0;
	p += 4;
	while (*p == ' ')
		p++;
	return !(strncmp(p, ";q=0", 4) == 0 && !strchr("123456789", p[5] ? p[5] : '0'));
}

static void
http_date(long t, char out[64])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 64, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* 1 when If-None-Match names etag, or "*". */
static int
etag_matches(struct http_request *req, const char *etag)
{
	const char *h = http_request_header(req, MHD_HTTP_HEADER_IF_NONE_MATCH);

	return h && (strstr(h, etag) || !strcmp(h, "*"));
}

static enum MHD_Result
send_response(struct http_request *req, struct http_response *res)
{
	struct MHD_Response *r;
	struct strbuf z;
	enum MHD_Result ret;
	int gz = 0;
	char date[64];

	strbuf_init(&z);
	if (res->etag && (res->status == 200) && etag_matches(req, res->etag)) {
		if (res->fd >= 0)
			close(res->fd);
		res->fd = -1;
		res->status = 304;
		strbuf_reset(&res->body);
	}
	if (res->fd >= 0) {
		r = MHD_create_response_from_fd_at_offset64((uint64_t)res->length, res->fd,
							    (uint64_t)res->offset);
		if (r)
			res->fd = -1;	/* MHD closes it */
	} else {
		const char *data = res->body.buf;
		size_t len = res->body.len;

		if (res->compressible && len >= GZIP_MIN && wants_gzip(req) &&
		    gzip(data, len, &z) == 0) {
			data = z.buf;
			len = z.len;
			gz = 1;
		}
		r = MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
	}
	strbuf_release(&z);
	if (!r)
		return MHD_NO;
	if (res->status != 304)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
					res->type ? res->type : "text/html; charset=utf-8");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	/* Pages carry no script and load nothing from elsewhere. */
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'none'; style-src 'unsafe-inline'; img-src 'self'");
	if (res->compressible)
		MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	if (gz)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	if (res->etag)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, res->etag);
	if (res->last_modified) {
		http_date(res->last_modified, date);
		MHD_add_response_header(r, MHD_HTTP_HEADER_LAST_MODIFIED, date);
	}
	if (res->no_store)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (res->location)
		MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, res->location);
	if (res->content_range)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_RANGE, res->content_range);
	if (res->total || res->status == 206)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
	ret = MHD_queue_response(req->conn, (unsigned)res->status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
send_error(struct http_request *req, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum MHD_Result
send_error(struct http_request *req, int status, const char *fmt, ...)
{
	struct http_response res;
	enum MHD_Result ret;
	va_list ap;
	char *msg;

	memset(&res, 0, sizeof(res));
	strbuf_init(&res.body);
	res.fd = -1;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	http_error(&res, status, "%s", msg);
	free(msg);
	ret = send_response(req, &res);
	response_release(&res);
	return ret;
}

/* Finds the route for req: 0 found, else the status to answer (404, 405). */
static int
route(struct http_request *req)
{
	const char *m = !strcmp(req->method, "HEAD") ? "GET" : req->method;
	int t, i, other_method = 0;

	for (t = 0; t < req->srv->ntables; t++) {
		const struct http_routes *tab = &req->srv->tables[t];

		for (i = 0; i < tab->nroutes; i++) {
			const struct http_route *r = &tab->routes[i];

			if (!match(r->pattern, req->path, req->args, &req->nargs)) {
				free_args(req->args, &req->nargs);
				continue;
			}
			if (strcmp(r->method, m) != 0) {
				free_args(req->args, &req->nargs);
				other_method = 1;
				continue;
			}
			req->route = r;
			req->ctx = tab->ctx;
			return 0;
		}
	}
	return other_method ? 405 : 404;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
       const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
	struct http_server *srv = cls;
	struct http_request *req = *con_cls;
	struct http_response res;
	enum MHD_Result ret;
	int rc;

	(void)version;
	if (!req) {
		const char *cl;

		req = xcalloc(1, sizeof(*req));
		req->srv = srv;
		req->conn = conn;
		req->method = method;
		req->path = url;
		strbuf_init(&req->body);
		*con_cls = req;
		if (url[0] != '/' || (url[1] && !http_path_is_safe(url + 1))) {
			req->refused = 1;
			return send_error(req, 400, "bad path");
		}
		rc = route(req);
		if (rc) {
			req->refused = 1;
			return send_error(req, rc, rc == 405 ? "method %s not allowed here"
					  : "no page at this address", method);
		}
		/* Refused before a byte of the body is read. */
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						 MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl) {
			long len;

			if (parse_long(cl, &len) < 0 || len < 0) {
				req->refused = 1;
				return send_error(req, 400, "bad Content-Length");
			}
			if ((size_t)len > req->route->max_body) {
				req->refused = 1;
				return send_error(req, 413, "the body is over %zu bytes",
						  req->route->max_body);
			}
		}
		return MHD_YES;
	}
	if (req->refused) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size) {
		/*
		 * A body without Content-Length (chunked): counted as it comes,
		 * never kept past the limit. MHD can only answer once the body
		 * has ended, so the excess is read and dropped, up to
		 * DISCARD_MAX more; a longer one has its connection closed.
		 */
		req->received += *upload_size;
		if (req->received > req->route->max_body) {
			*upload_size = 0;
			req->too_large = 1;
			strbuf_release(&req->body);
			return req->received - req->route->max_body > DISCARD_MAX ? MHD_NO : MHD_YES;
		}
		strbuf_add(&req->body, upload_data, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (req->too_large)
		return send_error(req, 413, "the body is over %zu bytes", req->route->max_body);
	memset(&res, 0, sizeof(res));
	strbuf_init(&res.body);
	res.fd = -1;
	res.status = 200;
	if (req->route->handler(req, &res, (const char *const *)req->args, req->nargs) < 0)
		http_error(&res, 500, "the server could not answer (see its log)");
	ret = send_response(req, &res);
	response_release(&res);
	return ret;
}

static void
completed(void *cls, struct MHD_Connection *conn, void **con_cls,
	  enum MHD_RequestTerminationCode toe)
{
	struct http_request *req = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (!req)
		return;
	free_args(req->args, &req->nargs);
	strbuf_release(&req->body);
	free(req->decoded);
	free(req);
	*con_cls = NULL;
}

/* "ADDR:PORT" or "[ADDR6]:PORT" into *ss; 0 or -1 (reported). */
static int
parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *sslen)
{
	struct addrinfo hints, *ai;
	const char *colon = strrchr(listen, ':');
	char *host;
	long port;
	int rc;

	if (!colon || parse_long(colon + 1, &port) < 0 || port < 0 || port > 65535)
		return errorx("listen address '%s': not ADDR:PORT", listen);
	if (listen[0] == '[' && colon > listen && colon[-1] == ']')
		host = xasprintf("%.*s", (int)(colon - listen - 2), listen + 1);
	else
		host = xasprintf("%.*s", (int)(colon - listen), listen);
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, colon + 1, &hints, &ai);
	free(host);
	if (rc != 0)
		return errorx("listen address '%s': %s", listen, gai_strerror(rc));
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*sslen = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char *msg = xvasprintf(fmt, ap);
	size_t n = strlen(msg);

	(void)cls;
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_debug("http: %s", msg);
	free(msg);
}

struct http_server *
http_start(const char *listen, const struct http_routes *tables, int ntables,
	   const struct http_limits *limits)
{
	struct http_server *srv;
	struct sockaddr_storage ss;
	socklen_t sslen;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;

	if (parse_listen(listen, &ss, &sslen) < 0)
		return NULL;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	srv = xcalloc(1, sizeof(*srv));
	srv->tables = xcalloc((size_t)ntables, sizeof(*tables));
	memcpy(srv->tables, tables, (size_t)ntables * sizeof(*tables));
	srv->ntables = ntables;
	srv->mhd = MHD_start_daemon(flags, 0, NULL, NULL, handle, srv,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_THREAD_POOL_SIZE, limits->threads,
		MHD_OPTION_CONNECTION_LIMIT, limits->connections,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, limits->per_ip,
		MHD_OPTION_CONNECTION_TIMEOUT, limits->timeout,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, limits->memory,
		MHD_OPTION_NOTIFY_COMPLETED, completed, srv,
		MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, srv,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, srv,
		MHD_OPTION_LISTENING_ADDRESS_REUSE, 1,
		MHD_OPTION_END);
	if (!srv->mhd) {
		errorx("listen address '%s': cannot listen (in use, or not an address of this "
		       "machine)", listen);
		free(srv->tables);
		free(srv);
		return NULL;
	}
	info = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = info ? info->port : 0;
	(void)sslen;
	return srv;
}

int
http_port(const struct http_server *srv)
{
	return srv->port;
}

void
http_stop(struct http_server *srv)
{
	if (!srv)
		return;
	MHD_stop_daemon(srv->mhd);
	free(srv->tables);
	free(srv);
}
