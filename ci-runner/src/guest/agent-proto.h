/*
 * The agent protocol layer (guest-images/AGENT.md), both sides: framing,
 * parsing and encoding without I/O. It is compiled into pvci (the host
 * side, agent.c) and into the Windows agent (guest-images/windows/agent,
 * cross-built with mingw-w64), so it uses the C library only: no pvci
 * header, no POSIX. One implementation of the framing to test and fuzz.
 */
#ifndef PVCI_AGENT_PROTO_H
#define PVCI_AGENT_PROTO_H

#include <stddef.h>

/* Bounds of the protocol (AGENT.md, "Limits and time"). */
#define AGENT_LINE_MAX		8192		/* longest guest line kept */
#define AGENT_REQUEST_MAX	16384		/* longest request line sent */
#define AGENT_PIECE_MAX		3072		/* decoded bytes in one OUT frame */
#define AGENT_OUTPUT_MAX	65536		/* output of one request */
#define AGENT_BOOT_ID_MAX	64
#define AGENT_VERSION_MAX	32
#define AGENT_REASON_MAX	32
#define AGENT_ID_MAX		2147483647L
#define AGENT_OP_MAX		16

enum agent_frame_type {
	AGENT_FRAME_READY,
	AGENT_FRAME_OUT,
	AGENT_FRAME_END,
	AGENT_FRAME_ERR,
};

struct agent_frame {
	enum agent_frame_type type;
	long id;					/* OUT, END, ERR */
	char boot_id[AGENT_BOOT_ID_MAX + 1];		/* READY */
	char version[AGENT_VERSION_MAX + 1];		/* READY */
	unsigned char data[AGENT_PIECE_MAX];		/* OUT, decoded */
	size_t len;
	int status;					/* END: 0..255 */
	long bytes;					/* END: output bytes sent */
	int truncated;					/* END: 0 or 1 */
	int killed;					/* END: 1 when killed at its limit */
	char reason[AGENT_REASON_MAX + 1];		/* ERR */
};

/*
 * Parses one line (without its "\n"; a trailing "\r" is allowed) into *f.
 * Returns 0 for a well-formed guest frame, -1 for anything else (which the
 * protocol says to ignore). Reports nothing.
 */
int agent_parse_frame(const char *line, size_t len, struct agent_frame *f);

/*
 * Encodes "PVCI-REQ <id> <op> <base64>\n" (payload NULL: "-"). Returns a
 * new string, or NULL when the line would exceed AGENT_REQUEST_MAX or the
 * id or op is invalid.
 */
char *agent_encode_request(long id, const char *op, const void *payload, size_t len);

/* RFC 4648 base64 with padding. decode: -1 on bad input or if it exceeds max. */
char *agent_base64_encode(const void *data, size_t len);
int agent_base64_decode(const char *in, size_t inlen, unsigned char *out, size_t max,
			size_t *outlen);

/*
 * A line splitter with a bound: bytes in, whole lines out. Lines longer
 * than AGENT_LINE_MAX are dropped (and counted), never returned in part.
 */
struct agent_lines {
	char buf[AGENT_LINE_MAX + 1];
	size_t len;
	int overflow;		/* inside a line being dropped */
	unsigned long dropped;
};
void agent_lines_init(struct agent_lines *l);
/*
 * Takes bytes from data[0..len); stops after one whole line and returns
 * the bytes consumed, setting *line (NUL-terminated, lent until the next
 * call) or leaving it NULL when the data ran out first.
 */
size_t agent_lines_feed(struct agent_lines *l, const char *data, size_t len,
			const char **line);

/* The reply to one request, collected from its frames. */
enum agent_reply_state {
	AGENT_REPLY_PENDING,
	AGENT_REPLY_DONE,	/* END arrived and checked */
	AGENT_REPLY_REFUSED,	/* ERR arrived: reason in reply->reason */
	AGENT_REPLY_BROKEN,	/* the frames did not add up: why in reply->why */
};

struct agent_reply {
	long id;
	enum agent_reply_state state;
	unsigned char *out;	/* output so far, NUL-terminated, owned */
	size_t len;
	int status;
	int truncated;
	int killed;		/* RUNLIM: the guest killed it at its limit */
	char reason[AGENT_REASON_MAX + 1];
	const char *why;
};
void agent_reply_init(struct agent_reply *r, long id);
void agent_reply_release(struct agent_reply *r);
/* Feeds one frame; frames of other ids are ignored. Returns r->state. */
enum agent_reply_state agent_reply_feed(struct agent_reply *r, const struct agent_frame *f);

/* ---- guest side: what an agent needs (the Windows agent uses it) ---- */

/*
 * The agent's line splitter: requests may be AGENT_REQUEST_MAX long. A
 * longer line is cut, not dropped, so its id can still be read and
 * answered with "too-long".
 */
struct agent_req_lines {
	char buf[AGENT_REQUEST_MAX + 1];
	size_t len;
	int overflow;
};
void agent_req_lines_init(struct agent_req_lines *l);
/*
 * As agent_lines_feed: returns the bytes consumed; *line is a whole line
 * (NUL-terminated, without "\n", lent until the next call) or NULL, and
 * *too_long 1 when that line was longer than AGENT_REQUEST_MAX (cut).
 */
size_t agent_req_lines_feed(struct agent_req_lines *l, const char *data, size_t len,
			    const char **line, int *too_long);

/* A parsed request; payload decoded and NUL-terminated ("-": empty). */
struct agent_request {
	long id;
	char op[AGENT_OP_MAX + 1];
	unsigned char payload[AGENT_REQUEST_MAX + 1];
	size_t len;
};

enum agent_request_parse {
	AGENT_REQ_OK,		/* *r is a request to run */
	AGENT_REQ_IGNORE,	/* not a request, or no id to answer: say nothing */
	AGENT_REQ_BAD,		/* r->id set: answer "PVCI-ERR id bad-frame" */
	AGENT_REQ_TOO_LONG,	/* r->id set: answer "PVCI-ERR id too-long" */
};
/*
 * Parses one request line (a trailing "\r" allowed); too_long says the
 * splitter cut it. Reports nothing.
 */
enum agent_request_parse agent_parse_request(const char *line, size_t len, int too_long,
					     struct agent_request *r);

/*
 * Guest frames, each a new string ending in "\n"; NULL when an argument
 * is outside the protocol (a bad id, a piece longer than AGENT_PIECE_MAX, a
 * status over 255, a token with other characters). END prints its sixth
 * field only when killed is 1, so hosts that know no RUNLIM read it as
 * before.
 */
char *agent_encode_ready(const char *boot_id, const char *version);
char *agent_encode_out(long id, const void *data, size_t len);
char *agent_encode_end(long id, int status, long bytes, int truncated, int killed);
char *agent_encode_err(long id, const char *reason);

#endif
