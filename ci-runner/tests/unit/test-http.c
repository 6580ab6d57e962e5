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

static int
hello(struct http_request *req, struct http_response *res, const char *const *args, int nargs)
{
	strbuf_addf(&res->body, "hello %s %d %s", (const char *)http_request_ctx(req), nargs,
		    nargs ? args[0] : "-");
	res->type = "text/plain";
	return 0;
}

static int
echo(struct http_request *req, struct http_response *res, const char *const *args, int nargs)
{
	size_t len;
	const char *body = http_request_body(req, &len);

	(void)args;
	(void)nargs;
	strbuf_addf(&res->body, "got %zu %.*s", len, (int)len, body ? body : "");
	res->type = "text/plain";
	return 0;
}

static const struct http_route site[] = {
	{ "GET", "/hello/*", hello, 0 },
};
static const struct http_route hooks[] = {
	{ "POST", "/api/hooks/push", echo, 16 },
};

static size_t
collect(char *p, size_t size, size_t n, void *user)
{
	strbuf_add(user, p, size * n);
	return size * n;
}

/* The status of a request; body into out. */
static long
request(int port, const char *method, const char *path, const char *body, struct strbuf *out)
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
	strbuf_reset(out);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	return code;
}

static void
test_route_tables(void **state)
{
	struct http_routes tables[] = {
		{ site, 1, (void *)"site" },
		{ hooks, 1, (void *)"hooks" },
	};
	struct http_limits lim;
	struct http_server *srv;
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
		cmocka_unit_test(test_route_tables),
		cmocka_unit_test(test_bad_listen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
