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

/* The cached answer at key, when still current; NULL otherwise. */
static struct cached_page *
cache_find(struct site_thread *t, const char *key, long version, long day)
{
	int i;

	for (i = 0; i < CACHE_ENTRIES; i++) {
		struct cached_page *c = &t->pages[i];

		if (c->path && c->version == version && c->day == day && !strcmp(c->path, key))
			return c;
	}
	return NULL;
}

/* Keeps body (taken) as the answer at key, replacing the oldest entry. */
static struct cached_page *
cache_put(struct site_thread *t, const char *key, long version, long day, struct strbuf *body,
	  const char *type, int finished, long last_modified)
{
	struct cached_page *c = &t->pages[t->next];

	t->next = (t->next + 1) % CACHE_ENTRIES;
	free(c->path);
	free(c->etag);
	strbuf_release(&c->body);
	c->path = xstrdup(key);
	c->version = version;
	c->day = day;
	c->type = type;
	c->finished = finished;
	c->etag = finished ? body_etag(body) : NULL;
	c->last_modified = last_modified;
	c->body = *body;
	strbuf_init(body);
	return c;
}

/* The thread's state and the cache's key parts; NULL on error. */
static struct site_thread *
cache_key(struct web_site *site, long *version, long *day)
{
	struct site_thread *t = site_thread(site);

	*day = now_seconds() / 86400;
	if (!t || (*version = db_data_version(t->db)) < 0)
		return NULL;
	return t;
}

static int
page(struct http_request *req, struct http_response *res, const char *const *args, int nargs)
{
	const char *path = http_request_path(req) + 1;
	struct site_thread *t;
	struct cached_page *c;
	struct web_out out;
	long version, day;
	int rc;

	(void)args;
	(void)nargs;
	t = cache_key(http_request_ctx(req), &version, &day);
	if (!t)
		return -1;
	if (!*path)
		path = "index.html";
	c = cache_find(t, path, version, day);
	if (c) {
		answer_cached(res, c);
		return 0;
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
		answer_cached(res, cache_put(t, path, version, day, &out.body, out.type,
					     out.finished, out.last_modified));
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
	const char *key = http_request_path(req);
	long flight = web_flight_arg(args[0]), version, day, finished;
	struct site_thread *t;
	struct cached_page *c;
	struct strbuf body;
	json_t *f;
	int rc;

	if (!flight || (nargs > 1 && !name_is_valid(args[1])))
		return http_error(res, 404, "no such flight or job");
	t = cache_key(http_request_ctx(req), &version, &day);
	if (!t)
		return -1;
	c = cache_find(t, key, version, day);
	if (c) {
		answer_cached(res, c);
		return 0;
	}
	if (db_flight_exists(t->db, flight) != 1)
		return http_error(res, 404, "no flight %ld", flight);
	f = db_flight_json(t->db, flight);
	if (!f)
		return -1;
	finished = (long)json_integer_value(json_object_get(f, "finished"));
	if (nargs > 1) {
		json_t *jobs = json_object_get(f, "jobs"), *j, *found = NULL;
		size_t i;

		json_array_foreach(jobs, i, j)
			if (!strcmp(json_string_value(json_object_get(j, "job")), args[1]))
				found = json_incref(j);
		json_decref(f);
		if (!found)
			return http_error(res, 404, "flight %ld has no job '%s'", flight, args[1]);
		f = found;
	}
	rc = api_send(res, f, finished);
	if (rc == 0 && res->body.len <= CACHE_MAX_BODY) {
		strbuf_init(&body);
		strbuf_add(&body, res->body.buf, res->body.len);
		cache_put(t, key, version, day, &body, res->type, finished != 0, finished);
		strbuf_release(&body);
	}
	return rc;
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
