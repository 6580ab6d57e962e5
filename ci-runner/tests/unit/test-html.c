/* The pages' escaping helpers and relative links. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "html.h"

static void
test_escape(void **state)
{
	static const struct { const char *in, *txt, *attr; } cases[] = {
		{ "plain", "plain", "plain" },
		{ "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;",
		  "&lt;script&gt;alert(1)&lt;/script&gt;" },
		{ "a&b", "a&amp;b", "a&amp;b" },
		{ "\"x\" 'y'", "\"x\" 'y'", "&quot;x&quot; &#39;y&#39;" },
		{ "\" onmouseover=\"x", "\" onmouseover=\"x", "&quot; onmouseover=&quot;x" },
		{ "", "", "" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strbuf a, b;

		strbuf_init(&a);
		strbuf_init(&b);
		html_txt(&a, cases[i].in);
		html_attr(&b, cases[i].in);
		assert_string_equal(a.buf, cases[i].txt);
		assert_string_equal(b.buf, cases[i].attr);
		strbuf_release(&a);
		strbuf_release(&b);
	}
}

static void
test_relative_links(void **state)
{
	static const struct { const char *path, *link; } cases[] = {
		{ "index.html", "<a href=\"flight/1.html\">1</a>" },
		{ "flight/7.html", "<a href=\"../flight/1.html\">1</a>" },
		{ "flight/7/test-x.html", "<a href=\"../../flight/1.html\">1</a>" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct web_out out;

		web_out_init(&out, cases[i].path);
		html_link(&out, "flight/1.html", "1");
		assert_string_equal(out.body.buf, cases[i].link);
		web_out_release(&out);
	}
}

static void
test_status(void **state)
{
	struct strbuf sb;

	(void)state;
	assert_string_equal(html_status_colour("fail"), "#f28b82");
	assert_string_equal(html_status_colour("pass"), "#8fd694");
	assert_string_equal(html_status_colour("nonsense"), "#ffffff");
	strbuf_init(&sb);
	html_status_td(&sb, "<x>");
	assert_string_equal(sb.buf, "<td class=\"s-&lt;x&gt;\" style=\"background:#ffffff\">");
	strbuf_reset(&sb);
	html_duration(&sb, 100, 165);
	assert_string_equal(sb.buf, "1m 05s");
	strbuf_reset(&sb);
	html_duration(&sb, 100, 0);
	assert_string_equal(sb.buf, "-");
	strbuf_release(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_relative_links),
		cmocka_unit_test(test_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
