#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "db.h"
#include "layout.h"
#include "log.h"
#include "pages.h"
#include "serve.h"
#include "util.h"

#define API_LIMIT_DEFAULT 50
#define API_LIMIT_MAX 1000

/*
 * Rendered pages are kept per worker thread, keyed by path, the
 * connection's data_version (any commit by another process changes it)
 * and the day (pages say "failing since ... D days"): a page is rendered
 * again only when the database or the day changed, so a flight page
 * viewed by many costs one rendering.
 */
#define CACHE_ENTRIES 32
#define CACHE_MAX_BODY (8 * 1024 * 1024)

struct cached_page {
	char *path;
	long version, day;
	struct strbuf body;
	const char *type;
	char *etag;
	long last_modified;
	int finished;
};

/* What each worker thread keeps: its connection and its pages. */
struct site_thread {
	struct db *db;
	struct cached_page pages[CACHE_ENTRIES];
	int next;		/* the entry replaced next */
};

struct web_site {
	char *home;
	char *db_path;
	pthread_key_t key;
};

static void
thread_free(void *p)
{
	struct site_thread *t = p;
	int i;

	if (!t)
		return;
	for (i = 0; i < CACHE_ENTRIES; i++) {
		free(t->pages[i].path);
		strbuf_release(&t->pages[i].body);
		free(t->pages[i].etag);
	}
	db_close(t->db);
	free(t);
}

/* This thread's state, its read-only connection opened on first use; NULL on error. */
static struct site_thread *
site_thread(struct web_site *site)
{
	struct site_thread *t = pthread_getspecific(site->key);
	int i;

	if (t)
		return t;
	t = xcalloc(1, sizeof(*t));
	for (i = 0; i < CACHE_ENTRIES; i++)
		strbuf_init(&t->pages[i].body);
	t->db = db_open_mode(site->db_path, DB_READ);
	if (!t->db) {
		free(t);
		return NULL;
	}
	pthread_setspecific(site->key, t);
	return t;
}

static struct db *
site_db(struct web_site *site)
{
	struct site_thread *t = site_thread(site);

	return t ? t->db : NULL;
}

/* A strong ETag from the bytes sent (FNV-1a): equal bodies, equal tags. */
static char *
body_etag(const struct strbuf *sb)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < sb->len; i++) {
		h ^= (unsigned char)sb->buf[i];
		h *= 1099511628211ULL;
	}
	return xasprintf("\"%016llx-%zx\"", (unsigned long long)h, sb->len);
}

static void
take_body(struct http_response *res, struct strbuf *body)
{
	strbuf_release(&res->body);
	res->body = *body;
	strbuf_init(body);
}

/* Answers from a cached page: fills res. */
static void
answer_cached(struct http_response *res, const struct cached_page *c)
{
	strbuf_reset(&res->body);
	strbuf_add(&res->body, c->body.buf, c->body.len);
	res->type = c->type;
	res->compressible = 1;
	if (c->finished) {
		res->etag = xstrdup(c->etag);
		res->last_modified = c->last_modified;
	} else
		res->no_store = 1;
}

static int
page(struct http_request *req, struct http_response *res, const char *const *args, int nargs)
{
	struct web_site *site = http_request_ctx(req);
	const char *path = http_request_path(req) + 1;
	struct site_thread *t = site_thread(site);
	struct cached_page *c;
	struct web_out out;
	long version, day = now_seconds() / 86400;
	int rc, i;

	(void)args;
	(void)nargs;
	if (!t || (version = db_data_version(t->db)) < 0)
		return -1;
	if (!*path)
		path = "index.html";
	for (i = 0; i < CACHE_ENTRIES; i++) {
		c = &t->pages[i];
		if (c->path && c->version == version && c->day == day && !strcmp(c->path, path)) {
			answer_cached(res, c);
			return 0;
		}
	}
	rc = web_render(t->db, path, &out);
	if (rc < 0) {
		web_out_release(&out);
		return -1;
	}
	if (rc == WEB_NOT_FOUND) {
		http_error(res, 404, "%s", out.body.buf);
		web_out_release(&out);
		return 0;
	}
	if (out.body.len <= CACHE_MAX_BODY) {
		c = &t->pages[t->next];
		t->next = (t->next + 1) % CACHE_ENTRIES;
		free(c->path);
		free(c->etag);
		strbuf_release(&c->body);
		c->path = xstrdup(path);
		c->version = version;
		c->day = day;
		c->type = out.type;
		c->finished = out.finished;
		c->etag = out.finished ? body_etag(&out.body) : NULL;
		c->last_modified = out.last_modified;
		c->body = out.body;
		strbuf_init(&out.body);
		answer_cached(res, c);
		web_out_release(&out);
		return 0;
	}
	res->type = out.type;
	res->compressible = 1;
	if (out.finished) {
		res->etag = body_etag(&out.body);
		res->last_modified = out.last_modified;
	} else
		res->no_store = 1;
	take_body(res, &out.body);
	web_out_release(&out);
	return 0;
}

/* /logs/FLIGHT/JOB/NN.STEP.log */
static int
log_file(struct http_request *req, struct http_response *res, const char *const *args,
	 int nargs)
{
	struct web_site *site = http_request_ctx(req);
	size_t n = strlen(args[2]);
	char *rel;
	int rc;

	(void)nargs;
	if (!web_flight_arg(args[0]) || !name_is_valid(args[1]) || n < 8 ||
	    strcmp(args[2] + n - 4, ".log") || args[2][2] != '.')
		return http_error(res, 404, "no such log");
	rel = xasprintf("logs/%s/%s/%s", args[0], args[1], args[2]);
	rc = http_file(req, res, site->home, rel, "text/plain; charset=utf-8");
	free(rel);
	return rc;
}

static const struct {
	const char *ext;
	const char *type;
} types[] = {
	{ ".log", "text/plain; charset=utf-8" },
	{ ".txt", "text/plain; charset=utf-8" },
	{ "SHA256SUMS", "text/plain; charset=utf-8" },
	{ ".json", "application/json" },
	{ ".p7s", "application/pkcs7-signature" },
	{ ".tar", "application/x-tar" },
	{ ".iso", "application/x-iso9660-image" },
	{ ".inf", "text/plain; charset=utf-8" },
	{ ".html", "text/plain; charset=utf-8" },	/* never rendered: it came from a build */
	{ ".svg", "text/plain; charset=utf-8" },
	{ ".png", "image/png" },
};

static int
artifact(struct http_request *req, struct http_response *res, const char *const *args,
	 int nargs)
{
	struct web_site *site = http_request_ctx(req);
	const char *type = "application/octet-stream";
	size_t i, n = strlen(args[0]);
	char *rel;
	int rc;

	(void)nargs;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t e = strlen(types[i].ext);

		if (n >= e && !strcmp(args[0] + n - e, types[i].ext)) {
			type = types[i].type;
			break;
		}
	}
	rel = xasprintf("artifacts/%s", args[0]);
	rc = http_file(req, res, site->home, rel, type);
	free(rel);
	return rc;
}

/* Sends j (taken) as the JSON answer; finished: the data will not change. */
static int
api_send(struct http_response *res, json_t *j, long finished)
{
	char *text;

	if (!j)
		return -1;
	text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (!text)
		return errorx("api: cannot encode the answer");
	strbuf_adds(&res->body, text);
	strbuf_adds(&res->body, "\n");
	free(text);
	res->type = "application/json";
	res->compressible = 1;
	if (finished) {
		res->etag = body_etag(&res->body);
		res->last_modified = finished;
	} else
		res->no_store = 1;
	return 0;
}

static int
api_flights(struct http_request *req, struct http_response *res, const char *const *args,
	    int nargs)
{
	struct db *db = site_db(http_request_ctx(req));
	const char *branch = http_request_arg(req, "branch");
	char *b = branch ? xstrdup(branch) : NULL;
	const char *limit_s = http_request_arg(req, "limit");
	long limit = API_LIMIT_DEFAULT;
	int rc;

	(void)args;
	(void)nargs;
	if (!db) {
		free(b);
		return -1;
	}
	if (b && !name_is_valid(b)) {
		free(b);
		return http_error(res, 400, "query 'branch': not a branch name");
	}
	if (limit_s && (parse_long(limit_s, &limit) < 0 || limit < 1 || limit > API_LIMIT_MAX)) {
		free(b);
		return http_error(res, 400, "query 'limit': not a number from 1 to %d",
				  API_LIMIT_MAX);
	}
	rc = api_send(res, db_flight_list_json(db, b, limit), 0);
	free(b);
	return rc;
}

static int
api_flight(struct http_request *req, struct http_response *res, const char *const *args,
	   int nargs)
{
	struct db *db = site_db(http_request_ctx(req));
	long flight = web_flight_arg(args[0]);
	json_t *f;

	if (!db)
		return -1;
	if (!flight || (nargs > 1 && !name_is_valid(args[1])))
		return http_error(res, 404, "no such flight or job");
	if (db_flight_exists(db, flight) != 1)
		return http_error(res, 404, "no flight %ld", flight);
	f = db_flight_json(db, flight);
	if (!f)
		return -1;
	if (nargs > 1) {
		json_t *jobs = json_object_get(f, "jobs"), *j, *found = NULL;
		long finished = (long)json_integer_value(json_object_get(f, "finished"));
		size_t i;

		json_array_foreach(jobs, i, j)
			if (!strcmp(json_string_value(json_object_get(j, "job")), args[1]))
				found = json_incref(j);
		json_decref(f);
		if (!found)
			return http_error(res, 404, "flight %ld has no job '%s'", flight, args[1]);
		return api_send(res, found, finished);
	}
	return api_send(res, f, (long)json_integer_value(json_object_get(f, "finished")));
}

static int
api_branches(struct http_request *req, struct http_response *res, const char *const *args,
	     int nargs)
{
	struct db *db = site_db(http_request_ctx(req));

	(void)args;
	(void)nargs;
	return db ? api_send(res, db_branches_json(db), 0) : -1;
}

static int
api_regressions(struct http_request *req, struct http_response *res, const char *const *args,
		int nargs)
{
	struct db *db = site_db(http_request_ctx(req));
	const char *branch = http_request_arg(req, "branch");
	char *b = branch ? xstrdup(branch) : NULL;
	const char *all = http_request_arg(req, "all");
	struct db_regression *r;
	json_t *arr;
	int n, i;

	(void)args;
	(void)nargs;
	if (!db || (b && !name_is_valid(b))) {
		free(b);
		return db ? http_error(res, 400, "query 'branch': not a branch name") : -1;
	}
	if (db_regressions_list(db, b, all && !strcmp(all, "1"), &r, &n) < 0) {
		free(b);
		return -1;
	}
	free(b);
	arr = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:i}",
			"branch", r[i].branch, "job", r[i].job, "step", r[i].testid,
			"first_fail", (json_int_t)r[i].first_fail,
			"last_pass", (json_int_t)r[i].last_pass,
			"fixed_in", (json_int_t)r[i].fixed_in, "opened", (json_int_t)r[i].opened,
			"last_fail", (json_int_t)r[i].last_fail, "flights", r[i].nflights));
	db_regressions_free(r, n);
	return api_send(res, arr, 0);
}

static const struct http_route site_routes[] = {
	{ "GET", "/", page, 0 },
	{ "GET", "/index.html", page, 0 },
	{ "GET", "/regressions.html", page, 0 },
	{ "GET", "/badge/*", page, 0 },
	{ "GET", "/flight/*", page, 0 },
	{ "GET", "/flight/*/*", page, 0 },
	{ "GET", "/history/*/*", page, 0 },
	{ "GET", "/host/*", page, 0 },
	{ "GET", "/trends/*", page, 0 },
	{ "GET", "/diff/*/*", page, 0 },
	{ "GET", "/logs/*/*/*", log_file, 0 },
	{ "GET", "/artifacts/**", artifact, 0 },
	{ "GET", "/api/flights", api_flights, 0 },
	{ "GET", "/api/flights/*", api_flight, 0 },
	{ "GET", "/api/flights/*/jobs/*", api_flight, 0 },
	{ "GET", "/api/branches", api_branches, 0 },
	{ "GET", "/api/regressions", api_regressions, 0 },
};

struct web_site *
web_site_new(const char *home)
{
	struct web_site *site = xcalloc(1, sizeof(*site));

	site->home = xstrdup(home);
	site->db_path = layout_db(home);
	if (pthread_key_create(&site->key, thread_free) != 0) {
		free(site->home);
		free(site->db_path);
		free(site);
		errorx("web: cannot make a thread key");
		return NULL;
	}
	return site;
}

void
web_site_free(struct web_site *site)
{
	if (!site)
		return;
	/* This thread's state; the listener's threads freed theirs as they ended. */
	thread_free(pthread_getspecific(site->key));
	pthread_key_delete(site->key);
	free(site->home);
	free(site->db_path);
	free(site);
}

struct http_routes
web_site_routes(struct web_site *site)
{
	struct http_routes r = { site_routes, (int)(sizeof(site_routes) / sizeof(site_routes[0])),
				 site };

	return r;
}
