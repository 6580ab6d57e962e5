/*
 * The HTTP listener: which paths are safe, and a listener started with two
 * route tables (as the daemon adds its own to the site's), over a real
 * socket: routing, 404/405, a body within its route's limit, and one over
 * it refused with 413.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "http.h"

static void
test_safe_paths(void **state)
{
	static const struct { const char *path; int safe; } cases[] = {
		{ "index.html", 1 }, { "flight/12.html", 1 }, { "logs/1/test-x/02.c.log", 1 },
		{ "a_b-c.d", 1 }, { "", 0 }, { "..", 0 }, { "logs/../x", 0 }, { "logs/./x", 0 },
		{ ".hidden", 0 }, { "-opt", 0 }, { "a//b", 0 }, { "a/", 0 }, { "/etc/passwd", 0 },
		{ "%2e%2e/x", 0 }, { "a%00b", 0 }, { "a\\b", 0 }, { "a b", 0 }, { "a?b", 0 },
		{ "caf\xc3\xa9", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("# '%s'\n", cases[i].path);
		assert_int_equal(http_path_is_safe(cases[i].path), cases[i].safe);
	}
}

static void
test_ranges(void **state)
{
	static const struct { const char *h; long long size; int rc; long long from, len; } cases[] = {
		{ "bytes=0-3", 100, 1, 0, 4 }, { "bytes=-10", 100, 1, 90, 10 },
		{ "bytes=-1000", 100, 1, 0, 100 }, { "bytes=95-", 100, 1, 95, 5 },
		{ "bytes=90-200", 100, 1, 90, 10 }, { "bytes=100-", 100, -1, 0, 0 },
		{ "bytes=-0", 100, -1, 0, 0 }, { "bytes=0-", 0, -1, 0, 0 },
		{ "bytes=5-3", 100, 0, 0, 0 }, { "bytes=0-1,5-6", 100, 0, 0, 0 },
		{ "items=0-3", 100, 0, 0, 0 }, { "bytes=x-3", 100, 0, 0, 0 },
		{ "bytes=--5", 100, 0, 0, 0 }, { "bytes=", 100, 0, 0, 0 },
		{ "bytes=99999999999999999999-", 100, 0, 0, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		off_t from = -1, len = -1;
		int rc = http_parse_range(cases[i].h, (off_t)cases[i].size, &from, &len);

		print_message("# '%s'\n", cases[i].h);
		assert_int_equal(rc, cases[i].rc);
		if (rc == 1) {
			assert_int_equal(from, cases[i].from);
			assert_int_equal(len, cases[i].len);
		}
	}
}

static void
test_decode(void **state)
{
	static const struct { const char *raw, *want; } cases[] = {
		{ "trunk", "trunk" }, { "a+b", "a b" }, { "a%2Fb", "a/b" }, { "%41%62", "Ab" },
		{ "%00", NULL }, { "a%0", NULL }, { "a%zz", NULL }, { "%", NULL }, { "", "" },
		{ "%252e", "%2e" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = http_decode_arg(cases[i].raw);

		print_message("# '%s'\n", cases[i].raw);
		if (cases[i].want)
			assert_string_equal(got, cases[i].want);
		else
			assert_null(got);
		free(got);
	}
}

static int
hello(struct http_request *req, struct http_response *res, const char *const *args, int nargs)
{
	strbuf_addf(&res->body, "hello %s %d %s", (const char *)http_request_ctx(req), nargs,
		    nargs ? args[0] : "-");
	res->type = "text/plain";
	return 0;
}

static void
count_header(void *arg, const char *name, const char *value)
{
	if (!strcmp(name, "X-Hub-Signature-256") && !strcmp(value, "sha256=ab"))
		(*(int *)arg)++;
}

static int
echo(struct http_request *req, struct http_response *res, const char *const *args, int nargs)
{
	size_t len;
	const char *body = http_request_body(req, &len);

	int sig = 0, n = http_request_headers(req, count_header, &sig);

	(void)args;
	(void)nargs;
	strbuf_addf(&res->body, "got %zu %.*s", len, (int)len, body ? body : "");
	if (sig)
		strbuf_addf(&res->body, " signed (%d headers)", n > 1 ? 2 : n);
	res->type = "text/plain";
	return 0;
}

static const struct http_route site[] = {
	{ "GET", "/hello/*", hello, 0 },
	{ "GET", "/api/flights", hello, 0 },
};
/* As the daemon adds its own: a POST beside the site's GET of the same path. */
static const struct http_route hooks[] = {
	{ "POST", "/api/hooks/push", echo, 16 },
	{ "POST", "/api/flights", echo, 64 },
};

static size_t
collect(char *p, size_t size, size_t n, void *user)
{
	strbuf_add(user, p, size * n);
	return size * n;
}

/* The status of a request; body into out. */
static long
request_h(int port, const char *method, const char *path, const char *body,
	  struct curl_slist *headers, struct strbuf *out)
{
	CURL *c = curl_easy_init();
	char url[256];
	long code = 0;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	if (headers)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	strbuf_reset(out);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	return code;
}

static long
request(int port, const char *method, const char *path, const char *body, struct strbuf *out)
{
	return request_h(port, method, path, body, NULL, out);
}

static void
test_route_tables(void **state)
{
	struct http_routes tables[] = {
		{ site, 2, (void *)"site" },
		{ hooks, 2, (void *)"hooks" },
	};
	struct http_limits lim;
	struct http_server *srv;
	struct curl_slist *hdrs;
	struct strbuf out;
	int port;

	(void)state;
	http_limits_default(&lim);
	srv = http_start("127.0.0.1:0", tables, 2, &lim);
	assert_non_null(srv);
	port = http_port(srv);
	assert_true(port > 0);
	strbuf_init(&out);
	assert_int_equal(request(port, "GET", "/hello/world", NULL, &out), 200);
	assert_string_equal(out.buf, "hello site 1 world");
	assert_int_equal(request(port, "HEAD", "/hello/world", NULL, &out), 200);
	assert_int_equal(out.len, 0);
	assert_int_equal(request(port, "GET", "/nothing", NULL, &out), 404);
	assert_int_equal(request(port, "GET", "/hello/..", NULL, &out), 400);
	assert_int_equal(request(port, "GET", "/api/hooks/push", NULL, &out), 405);
	assert_int_equal(request(port, "POST", "/api/hooks/push", "{\"ref\":1}", &out), 200);
	assert_string_equal(out.buf, "got 9 {\"ref\":1}");
	assert_int_equal(request(port, "GET", "/api/flights", NULL, &out), 200);
	assert_string_equal(out.buf, "hello site 0 -");
	assert_int_equal(request(port, "POST", "/api/flights", "{\"recipe\":\"push\"}", &out), 200);
	assert_string_equal(out.buf, "got 17 {\"recipe\":\"push\"}");
	assert_int_equal(request(port, "PUT", "/api/flights", "x", &out), 405);
	hdrs = curl_slist_append(NULL, "X-Hub-Signature-256: sha256=ab");
	assert_int_equal(request_h(port, "POST", "/api/hooks/push", "{}", hdrs, &out), 200);
	curl_slist_free_all(hdrs);
	assert_string_equal(out.buf, "got 2 {} signed (2 headers)");
	assert_int_equal(request(port, "POST", "/api/hooks/push", "0123456789abcdefX", &out), 413);
	assert_non_null(strstr(out.buf, "over 16 bytes"));
	strbuf_release(&out);
	http_stop(srv);
}

static void
test_bad_listen(void **state)
{
	struct http_routes t = { site, 1, NULL };
	struct http_limits lim;

	(void)state;
	http_limits_default(&lim);
	assert_null(http_start("nonsense", &t, 1, &lim));
	assert_null(http_start("127.0.0.1:99999", &t, 1, &lim));
	assert_null(http_start("example.org:80", &t, 1, &lim));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_safe_paths),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_route_tables),
		cmocka_unit_test(test_bad_listen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
