/*
 * The agent protocol layer (agent-proto.c): frames in and out, the bounded
 * line splitter and reply collection. Table-driven: each row is a line from
 * a guest and what must come of it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent.h"
#include "util.h"

struct frame_case {
	const char *line;
	int ok;				/* 0 parsed, -1 ignored */
	enum agent_frame_type type;
	long id;
	const char *text;		/* READY boot id, OUT data, ERR reason */
	int status;
	long bytes;
	int truncated;
};

static const struct frame_case frame_cases[] = {
	/* Well-formed frames. */
	{ "PVCI-READY 3f2a9c1e-5b7d 1", 0, AGENT_FRAME_READY, 0, "3f2a9c1e-5b7d", 0, 0, 0 },
	{ "PVCI-READY 3f2a9c1e-5b7d 1\r", 0, AGENT_FRAME_READY, 0, "3f2a9c1e-5b7d", 0, 0, 0 },
	{ "PVCI-READY d4070a7d-61cc-4198-8911-6c117fd13f70 1.2-x", 0, AGENT_FRAME_READY, 0,
	  "d4070a7d-61cc-4198-8911-6c117fd13f70", 0, 0, 0 },
	{ "PVCI-OUT 2 Ni4xLjAtMjgtY2xvdWQtYW1kNjQK", 0, AGENT_FRAME_OUT, 2,
	  "6.1.0-28-cloud-amd64\n", 0, 0, 0 },
	{ "PVCI-OUT 7 YQ==", 0, AGENT_FRAME_OUT, 7, "a", 0, 0, 0 },
	{ "PVCI-OUT 7 YWI=", 0, AGENT_FRAME_OUT, 7, "ab", 0, 0, 0 },
	{ "PVCI-OUT 2147483647 YWJj", 0, AGENT_FRAME_OUT, 2147483647L, "abc", 0, 0, 0 },
	{ "PVCI-END 2 0 21 0", 0, AGENT_FRAME_END, 2, NULL, 0, 21, 0 },
	{ "PVCI-END 9 255 65536 1", 0, AGENT_FRAME_END, 9, NULL, 255, 65536, 1 },
	{ "PVCI-ERR 4 too-long", 0, AGENT_FRAME_ERR, 4, "too-long", 0, 0, 0 },
	{ "PVCI-ERR 4 busy", 0, AGENT_FRAME_ERR, 4, "busy", 0, 0, 0 },

	/* Malformed: ignored. */
	{ "", -1, 0, 0, NULL, 0, 0, 0 },
	{ "hello world", -1, 0, 0, NULL, 0, 0, 0 },
	{ "PVCI-REQ 1 PING -", -1, 0, 0, NULL, 0, 0, 0 },	/* our own echo */
	{ "PVCI-READY", -1, 0, 0, NULL, 0, 0, 0 },
	{ "PVCI-READY abc", -1, 0, 0, NULL, 0, 0, 0 },
	{ "PVCI-READY abc 1 extra", -1, 0, 0, NULL, 0, 0, 0 },
	{ "PVCI-READY ab_c 1", -1, 0, 0, NULL, 0, 0, 0 },
	{ "PVCI-READY  abc 1", -1, 0, 0, NULL, 0, 0, 0 },	/* double space */
	{ "PVCI-READY 0123456789012345678901234567890123456789012345678901234567890123456789 1",
	  -1, 0, 0, NULL, 0, 0, 0 },				/* boot id > 64 */
	{ "PVCI-OUT 0 YQ==", -1, 0, 0, NULL, 0, 0, 0 },		/* id 0 */
	{ "PVCI-OUT 01 YQ==", -1, 0, 0, NULL, 0, 0, 0 },		/* leading zero */
	{ "PVCI-OUT -1 YQ==", -1, 0, 0, NULL, 0, 0, 0 },
	{ "PVCI-OUT 2147483648 YQ==", -1, 0, 0, NULL, 0, 0, 0 },	/* > 2^31-1 */
	{ "PVCI-OUT 99999999999 YQ==", -1, 0, 0, NULL, 0, 0, 0 },
	{ "PVCI-OUT 1 YQ=", -1, 0, 0, NULL, 0, 0, 0 },		/* not a multiple of 4 */
	{ "PVCI-OUT 1 Y===", -1, 0, 0, NULL, 0, 0, 0 },		/* three pads */
	{ "PVCI-OUT 1 YQ==YQ==", -1, 0, 0, NULL, 0, 0, 0 },	/* pad in the middle */
	{ "PVCI-OUT 1 Y!==", -1, 0, 0, NULL, 0, 0, 0 },
	{ "PVCI-OUT 1", -1, 0, 0, NULL, 0, 0, 0 },
	{ "PVCI-END 2 256 0 0", -1, 0, 0, NULL, 0, 0, 0 },	/* status > 255 */
	{ "PVCI-END 2 -1 0 0", -1, 0, 0, NULL, 0, 0, 0 },
	{ "PVCI-END 2 0 65537 0", -1, 0, 0, NULL, 0, 0, 0 },	/* more than the limit */
	{ "PVCI-END 2 0 0 2", -1, 0, 0, NULL, 0, 0, 0 },		/* truncated not 0/1 */
	{ "PVCI-END 2 0 0", -1, 0, 0, NULL, 0, 0, 0 },
	{ "PVCI-END 2 0 0 0 0", -1, 0, 0, NULL, 0, 0, 0 },
	{ "PVCI-END 2 00 0 0", -1, 0, 0, NULL, 0, 0, 0 },
	{ "PVCI-ERR 4 too long", -1, 0, 0, NULL, 0, 0, 0 },
	{ "PVCI-ERR 4 ", -1, 0, 0, NULL, 0, 0, 0 },
	{ "PVCI-ERR 4 this-reason-is-far-too-long-to-be-accepted", -1, 0, 0, NULL, 0, 0, 0 },
	{ "pvci-ready abc 1", -1, 0, 0, NULL, 0, 0, 0 },
	{ " PVCI-READY abc 1", -1, 0, 0, NULL, 0, 0, 0 },
};

static void
test_frames(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(frame_cases) / sizeof(frame_cases[0]); i++) {
		const struct frame_case *c = &frame_cases[i];
		struct agent_frame f;
		int r = agent_parse_frame(c->line, strlen(c->line), &f);

		if (r != c->ok)
			fail_msg("'%s': parse returned %d, want %d", c->line, r, c->ok);
		if (r < 0)
			continue;
		assert_int_equal(f.type, c->type);
		switch (f.type) {
		case AGENT_FRAME_READY:
			assert_string_equal(f.boot_id, c->text);
			break;
		case AGENT_FRAME_OUT:
			assert_int_equal(f.id, c->id);
			assert_int_equal(f.len, strlen(c->text));
			assert_memory_equal(f.data, c->text, f.len);
			break;
		case AGENT_FRAME_END:
			assert_int_equal(f.id, c->id);
			assert_int_equal(f.status, c->status);
			assert_int_equal(f.bytes, c->bytes);
			assert_int_equal(f.truncated, c->truncated);
			break;
		case AGENT_FRAME_ERR:
			assert_int_equal(f.id, c->id);
			assert_string_equal(f.reason, c->text);
			break;
		}
	}
}

/* An OUT piece may decode to 3072 bytes, not one more. */
static void
test_out_piece_bound(void **state)
{
	unsigned char data[AGENT_PIECE_MAX + 3];
	struct agent_frame f;
	char *b64, *line;

	(void)state;
	memset(data, 'x', sizeof(data));
	b64 = agent_base64_encode(data, AGENT_PIECE_MAX);
	line = xasprintf("PVCI-OUT 1 %s", b64);
	assert_int_equal(agent_parse_frame(line, strlen(line), &f), 0);
	assert_int_equal(f.len, AGENT_PIECE_MAX);
	free(b64);
	free(line);
	b64 = agent_base64_encode(data, AGENT_PIECE_MAX + 3);
	line = xasprintf("PVCI-OUT 1 %s", b64);
	assert_int_equal(agent_parse_frame(line, strlen(line), &f), -1);
	free(b64);
	free(line);
}

/* A NUL inside a line is not a frame. */
static void
test_nul_in_line(void **state)
{
	static const char line[] = "PVCI-END 2 0 0 0\0junk";
	struct agent_frame f;

	(void)state;
	assert_int_equal(agent_parse_frame(line, sizeof(line) - 1, &f), -1);
	assert_int_equal(agent_parse_frame(line, 16, &f), 0);
}

static void
test_base64_roundtrip(void **state)
{
	static const char *const samples[] = { "", "a", "ab", "abc", "abcd", "\xff\x00\xfe", NULL };
	unsigned char out[64];
	size_t i, n;
	char *b64;

	(void)state;
	for (i = 0; samples[i]; i++) {
		size_t len = strlen(samples[i]) + (i == 5 ? 3 - strlen(samples[i]) : 0);
		b64 = agent_base64_encode(samples[i], len);

		assert_int_equal(agent_base64_decode(b64, strlen(b64), out, sizeof(out), &n), 0);
		assert_int_equal(n, len);
		assert_memory_equal(out, samples[i], len);
		free(b64);
	}
	b64 = agent_base64_encode("uname -r", 8);
	assert_string_equal(b64, "dW5hbWUgLXI=");
	free(b64);
	/* The output bound is checked before writing. */
	assert_int_equal(agent_base64_decode("YWJj", 4, out, 2, &n), -1);
}

static void
test_encode_request(void **state)
{
	char *line, *big;

	(void)state;
	line = agent_encode_request(1, "PING", NULL, 0);
	assert_string_equal(line, "PVCI-REQ 1 PING -\n");
	free(line);
	line = agent_encode_request(2, "RUN", "uname -r", 8);
	assert_string_equal(line, "PVCI-REQ 2 RUN dW5hbWUgLXI=\n");
	free(line);
	assert_null(agent_encode_request(0, "RUN", "x", 1));
	assert_null(agent_encode_request(AGENT_ID_MAX + 1, "RUN", "x", 1));
	assert_null(agent_encode_request(3, "run", "x", 1));
	assert_null(agent_encode_request(3, "RUN X", "x", 1));
	assert_null(agent_encode_request(3, "RUN", "", 0));
	/* Oversized: a request line is at most 16 KiB. */
	big = xmalloc(13000);
	memset(big, 'y', 13000);
	assert_null(agent_encode_request(4, "RUN", big, 13000));
	line = agent_encode_request(4, "RUN", big, 12000);
	assert_non_null(line);
	assert_true(strlen(line) <= AGENT_REQUEST_MAX);
	free(line);
	free(big);
}

static void
test_lines(void **state)
{
	struct agent_lines l;
	const char *line;
	const char *in = "noise\nPVCI-READY a 1\r\npartial";
	size_t off = 0, n;
	char *huge;

	(void)state;
	agent_lines_init(&l);
	n = agent_lines_feed(&l, in, strlen(in), &line);
	assert_string_equal(line, "noise");
	off += n;
	n = agent_lines_feed(&l, in + off, strlen(in) - off, &line);
	assert_string_equal(line, "PVCI-READY a 1\r");
	off += n;
	n = agent_lines_feed(&l, in + off, strlen(in) - off, &line);
	assert_null(line);
	assert_int_equal(off + n, strlen(in));
	n = agent_lines_feed(&l, " end\n", 5, &line);
	assert_string_equal(line, "partial end");

	/* A line over the bound is dropped whole and counted, never cut. */
	huge = xmalloc(AGENT_LINE_MAX + 100);
	memset(huge, 'z', AGENT_LINE_MAX + 99);
	huge[AGENT_LINE_MAX + 99] = '\n';
	n = agent_lines_feed(&l, huge, AGENT_LINE_MAX + 100, &line);
	assert_null(line);
	assert_int_equal(n, AGENT_LINE_MAX + 100);
	assert_int_equal(l.dropped, 1);
	n = agent_lines_feed(&l, "ok\n", 3, &line);
	assert_string_equal(line, "ok");
	/* Exactly at the bound is kept. */
	huge[AGENT_LINE_MAX] = '\n';
	n = agent_lines_feed(&l, huge, AGENT_LINE_MAX + 1, &line);
	assert_non_null(line);
	assert_int_equal(strlen(line), AGENT_LINE_MAX);
	free(huge);
}

static void
feed_line(struct agent_reply *r, const char *text)
{
	struct agent_frame f;

	assert_int_equal(agent_parse_frame(text, strlen(text), &f), 0);
	agent_reply_feed(r, &f);
}

static void
test_reply(void **state)
{
	struct agent_reply r;

	(void)state;
	/* Frames of other ids (late ones of an abandoned request) are ignored. */
	agent_reply_init(&r, 5);
	feed_line(&r, "PVCI-OUT 4 YWJj");
	feed_line(&r, "PVCI-END 4 1 3 0");
	feed_line(&r, "PVCI-READY x 1");
	assert_int_equal(r.state, AGENT_REPLY_PENDING);
	feed_line(&r, "PVCI-OUT 5 YWJj");
	feed_line(&r, "PVCI-OUT 5 ZGVm");
	feed_line(&r, "PVCI-END 5 3 6 0");
	assert_int_equal(r.state, AGENT_REPLY_DONE);
	assert_int_equal(r.status, 3);
	assert_string_equal((char *)r.out, "abcdef");
	/* After END nothing changes it. */
	feed_line(&r, "PVCI-ERR 5 busy");
	assert_int_equal(r.state, AGENT_REPLY_DONE);
	agent_reply_release(&r);

	/* A lost OUT line shows in the byte count. */
	agent_reply_init(&r, 6);
	feed_line(&r, "PVCI-OUT 6 YWJj");
	feed_line(&r, "PVCI-END 6 0 6 0");
	assert_int_equal(r.state, AGENT_REPLY_BROKEN);
	agent_reply_release(&r);

	agent_reply_init(&r, 7);
	feed_line(&r, "PVCI-ERR 7 unknown-op");
	assert_int_equal(r.state, AGENT_REPLY_REFUSED);
	assert_string_equal(r.reason, "unknown-op");
	agent_reply_release(&r);
}

/* More output than 64 KiB is a broken reply, not a bigger buffer. */
static void
test_reply_oversized(void **state)
{
	unsigned char data[AGENT_PIECE_MAX];
	struct agent_reply r;
	char *b64, *line;
	int i;

	(void)state;
	memset(data, 'q', sizeof(data));
	b64 = agent_base64_encode(data, sizeof(data));
	line = xasprintf("PVCI-OUT 8 %s", b64);
	agent_reply_init(&r, 8);
	for (i = 0; i < AGENT_OUTPUT_MAX / AGENT_PIECE_MAX; i++)
		feed_line(&r, line);
	assert_int_equal(r.state, AGENT_REPLY_PENDING);
	feed_line(&r, line);
	assert_int_equal(r.state, AGENT_REPLY_BROKEN);
	assert_true(r.len <= AGENT_OUTPUT_MAX);
	agent_reply_release(&r);
	free(b64);
	free(line);
}


/* END's sixth field: "1" only, and only as a sixth. */
static void
test_end_killed(void **state)
{
	struct agent_frame f;

	(void)state;
	assert_int_equal(agent_parse_frame("PVCI-END 5 255 0 0 1", 20, &f), 0);
	assert_int_equal(f.killed, 1);
	assert_int_equal(f.status, 255);
	assert_int_equal(agent_parse_frame("PVCI-END 5 0 0 0", 16, &f), 0);
	assert_int_equal(f.killed, 0);
	assert_int_equal(agent_parse_frame("PVCI-END 5 0 0 0 0", 18, &f), -1);
	assert_int_equal(agent_parse_frame("PVCI-END 5 0 0 0 1 1", 20, &f), -1);
	assert_int_equal(agent_parse_frame("PVCI-END 5 0 0 0 ", 17, &f), -1);
}

struct request_case {
	const char *line;
	int too_long;
	enum agent_request_parse want;
	long id;
	const char *op;
	const char *payload;
};

/* The guest side of the framing, as the Windows agent uses it. */
static void
test_parse_request(void **state)
{
	static const struct request_case cases[] = {
		{ "PVCI-REQ 1 PING -", 0, AGENT_REQ_OK, 1, "PING", "" },
		{ "PVCI-REQ 2 RUN dW5hbWUgLXI=\r", 0, AGENT_REQ_OK, 2, "RUN", "uname -r" },
		{ "PVCI-REQ 2147483647 GET MCBDOlx4", 0, AGENT_REQ_OK, 2147483647, "GET",
		  "0 C:\\x" },
		{ "PVCI-REQ 3 RUN !!!!", 0, AGENT_REQ_BAD, 3, NULL, NULL },
		{ "PVCI-REQ 4 RUN", 0, AGENT_REQ_BAD, 4, NULL, NULL },
		{ "PVCI-REQ 5 run -", 0, AGENT_REQ_BAD, 5, NULL, NULL },
		{ "PVCI-REQ 6 RUN  dW5h", 0, AGENT_REQ_BAD, 6, NULL, NULL },
		{ "PVCI-REQ 7 RUN dW5h extra", 0, AGENT_REQ_BAD, 7, NULL, NULL },
		{ "PVCI-REQ 8 ABCDEFGHIJKLMNOPQ -", 0, AGENT_REQ_BAD, 8, NULL, NULL },
		{ "PVCI-REQ 9 RUN dW5h", 1, AGENT_REQ_TOO_LONG, 9, NULL, NULL },
		{ "PVCI-REQ 0 PING -", 0, AGENT_REQ_IGNORE, 0, NULL, NULL },
		{ "PVCI-REQ 01 PING -", 0, AGENT_REQ_IGNORE, 0, NULL, NULL },
		{ "PVCI-REQ 2147483648 PING -", 0, AGENT_REQ_IGNORE, 0, NULL, NULL },
		{ "PVCI-REQ x PING -", 0, AGENT_REQ_IGNORE, 0, NULL, NULL },
		{ "PVCI-OUT 1 AAAA", 0, AGENT_REQ_IGNORE, 0, NULL, NULL },
		{ "", 0, AGENT_REQ_IGNORE, 0, NULL, NULL },
	};
	static struct agent_request r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct request_case *c = &cases[i];
		enum agent_request_parse got;

		got = agent_parse_request(c->line, strlen(c->line), c->too_long, &r);
		if (got != c->want)
			fail_msg("'%s': got %d, want %d", c->line, got, c->want);
		if (c->want == AGENT_REQ_IGNORE)
			continue;
		assert_int_equal(r.id, c->id);
		if (c->op) {
			assert_string_equal(r.op, c->op);
			assert_string_equal((const char *)r.payload, c->payload);
			assert_int_equal(r.len, strlen(c->payload));
		}
	}
}

/* What agent_encode_request makes, agent_parse_request reads back. */
static void
test_request_roundtrip(void **state)
{
	static struct agent_request r;
	unsigned char data[300];
	char *line;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7);
	line = agent_encode_request(42, "PUT", data, sizeof(data));
	assert_non_null(line);
	assert_int_equal(agent_parse_request(line, strlen(line) - 1, 0, &r), AGENT_REQ_OK);
	assert_int_equal(r.id, 42);
	assert_int_equal(r.len, sizeof(data));
	assert_memory_equal(r.payload, data, sizeof(data));
	free(line);
}

/* Long request lines are cut, not lost: the id still gets its answer. */
static void
test_req_lines(void **state)
{
	static struct agent_req_lines l;
	static struct agent_request r;
	static char big[AGENT_REQUEST_MAX + 100];
	const char *line;
	size_t used;
	int too_long;

	(void)state;
	agent_req_lines_init(&l);
	used = agent_req_lines_feed(&l, "PVCI-REQ 1 PI", 13, &line, &too_long);
	assert_int_equal(used, 13);
	assert_null(line);
	used = agent_req_lines_feed(&l, "NG -\nrest", 9, &line, &too_long);
	assert_int_equal(used, 5);
	assert_string_equal(line, "PVCI-REQ 1 PING -");
	assert_int_equal(too_long, 0);

	memset(big, 'A', sizeof(big));
	memcpy(big, "PVCI-REQ 77 RUN ", 16);
	big[sizeof(big) - 1] = '\n';
	agent_req_lines_init(&l);
	used = agent_req_lines_feed(&l, big, sizeof(big), &line, &too_long);
	assert_int_equal(used, sizeof(big));
	assert_non_null(line);
	assert_int_equal(too_long, 1);
	assert_int_equal(agent_parse_request(line, strlen(line), too_long, &r),
			 AGENT_REQ_TOO_LONG);
	assert_int_equal(r.id, 77);
	/* The next line is whole again. */
	used = agent_req_lines_feed(&l, "PVCI-REQ 2 PING -\n", 18, &line, &too_long);
	assert_int_equal(too_long, 0);
	assert_string_equal(line, "PVCI-REQ 2 PING -");
}

/* The guest's encoders make what the host's parser reads, and refuse the rest. */
static void
test_guest_encoders(void **state)
{
	unsigned char piece[AGENT_PIECE_MAX + 1];
	struct agent_frame f;
	char *line;

	(void)state;
	memset(piece, 0xa5, sizeof(piece));
	line = agent_encode_ready("1c32fbe5-7f94", "win-1");
	assert_string_equal(line, "PVCI-READY 1c32fbe5-7f94 win-1\n");
	assert_int_equal(agent_parse_frame(line, strlen(line) - 1, &f), 0);
	free(line);
	line = agent_encode_out(9, piece, AGENT_PIECE_MAX);
	assert_int_equal(agent_parse_frame(line, strlen(line) - 1, &f), 0);
	assert_int_equal(f.len, AGENT_PIECE_MAX);
	free(line);
	line = agent_encode_end(9, 255, 3072, 0, 1);
	assert_string_equal(line, "PVCI-END 9 255 3072 0 1\n");
	free(line);
	line = agent_encode_end(9, 0, 0, 1, 0);
	assert_string_equal(line, "PVCI-END 9 0 0 1\n");
	free(line);
	line = agent_encode_err(9, "too-long");
	assert_string_equal(line, "PVCI-ERR 9 too-long\n");
	free(line);
	assert_null(agent_encode_out(9, piece, AGENT_PIECE_MAX + 1));
	assert_null(agent_encode_out(0, piece, 1));
	assert_null(agent_encode_end(9, 256, 0, 0, 0));
	assert_null(agent_encode_end(9, 0, AGENT_OUTPUT_MAX + 1, 0, 0));
	assert_null(agent_encode_err(9, "two words"));
	assert_null(agent_encode_ready("bad id", "1"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_out_piece_bound),
		cmocka_unit_test(test_nul_in_line),
		cmocka_unit_test(test_base64_roundtrip),
		cmocka_unit_test(test_encode_request),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_reply_oversized),
		cmocka_unit_test(test_end_killed),
		cmocka_unit_test(test_parse_request),
		cmocka_unit_test(test_request_roundtrip),
		cmocka_unit_test(test_req_lines),
		cmocka_unit_test(test_guest_encoders),
	};

	return cmocka_run_group_tests_name("agent", tests, NULL, NULL);
}
