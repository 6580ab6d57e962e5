/*
 * The agent protocol without I/O: framing, parsing, encoding, collecting a
 * reply. Everything here takes bytes from a guest, so every length is
 * checked against a bound before it is used, and nothing is reported: the
 * protocol says to ignore what does not parse, and the transport decides
 * what is worth a message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent-proto.h"

/*
 * This file is also built into the Windows agent, so no pvci helpers: as
 * xmalloc does, running out of memory ends the program.
 */
static void *
proto_alloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		abort();
	return p;
}

static char *
proto_strdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(proto_alloc(n), s, n);
}

static char *
proto_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
proto_printf(const char *fmt, ...)
{
	va_list ap;
	char *out;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	out = proto_alloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(out, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return out;
}

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
agent_base64_encode(const void *data, size_t len)
{
	const unsigned char *in = data;
	char *out = proto_alloc((len + 2) / 3 * 4 + 1), *p = out;
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		*p++ = b64_alphabet[in[i] >> 2];
		*p++ = b64_alphabet[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		*p++ = b64_alphabet[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		*p++ = b64_alphabet[in[i + 2] & 63];
	}
	if (len - i == 1) {
		*p++ = b64_alphabet[in[i] >> 2];
		*p++ = b64_alphabet[(in[i] & 3) << 4];
		*p++ = '=';
		*p++ = '=';
	} else if (len - i == 2) {
		*p++ = b64_alphabet[in[i] >> 2];
		*p++ = b64_alphabet[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		*p++ = b64_alphabet[(in[i + 1] & 15) << 2];
		*p++ = '=';
	}
	*p = '\0';
	return out;
}

static int
b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
agent_base64_decode(const char *in, size_t inlen, unsigned char *out, size_t max,
		    size_t *outlen)
{
	size_t i, n = 0;

	*outlen = 0;
	if (inlen % 4 != 0)
		return -1;
	for (i = 0; i < inlen; i += 4) {
		int v[4], k, pad = 0;
		unsigned long w;

		for (k = 0; k < 4; k++) {
			if (in[i + k] == '=') {
				/* Padding only at the very end, at most two. */
				if (i + 4 != inlen || k < 2)
					return -1;
				pad++;
				v[k] = 0;
				continue;
			}
			if (pad)
				return -1;
			v[k] = b64_value(in[i + k]);
			if (v[k] < 0)
				return -1;
		}
		w = ((unsigned long)v[0] << 18) | ((unsigned long)v[1] << 12) |
		    ((unsigned long)v[2] << 6) | (unsigned long)v[3];
		if (n + 3 - (size_t)pad > max)
			return -1;
		out[n++] = (unsigned char)(w >> 16);
		if (pad < 2)
			out[n++] = (unsigned char)(w >> 8);
		if (pad < 1)
			out[n++] = (unsigned char)w;
	}
	*outlen = n;
	return 0;
}

/* A request id: 1..2^31-1 in decimal, no sign, no leading zero. */
static int
parse_id(const char *s, size_t len, long *id)
{
	long v = 0;
	size_t i;

	if (len == 0 || len > 10 || s[0] == '0')
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v > AGENT_ID_MAX)
		return -1;
	*id = v;
	return 0;
}

static int
parse_uint(const char *s, size_t len, long max, long *out)
{
	long v = 0;
	size_t i;

	if (len == 0 || len > 10 || (len > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

/* A token of 1..max characters from the set allowed by ok. */
static int
copy_token(const char *s, size_t len, size_t max, const char *extra, char *out)
{
	size_t i;

	if (len == 0 || len > max)
		return -1;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || (c && strchr(extra, c))))
			return -1;
	}
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

#define MAX_FIELDS 6

/* Splits at single spaces into exactly want fields (an empty field is kept). */
static int
split(const char *line, size_t len, int want, const char *field[], size_t flen[])
{
	size_t start = 0, i;
	int n = 0;

	for (i = 0; i <= len; i++) {
		if (i < len && line[i] != ' ')
			continue;
		if (n == want)
			return -1;
		field[n] = line + start;
		flen[n] = i - start;
		n++;
		start = i + 1;
	}
	return n == want ? 0 : -1;
}

int
agent_parse_frame(const char *line, size_t len, struct agent_frame *f)
{
	const char *fld[MAX_FIELDS];
	size_t flen[MAX_FIELDS];
	long v;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len < 9 || len > AGENT_LINE_MAX || memchr(line, '\0', len))
		return -1;
	memset(f, 0, offsetof(struct agent_frame, data));
	f->len = 0;
	f->status = 0;
	f->bytes = 0;
	f->truncated = 0;
	f->killed = 0;
	f->reason[0] = '\0';

	if (strncmp(line, "PVCI-READY ", 11) == 0) {
		if (split(line, len, 3, fld, flen) < 0 ||
		    copy_token(fld[1], flen[1], AGENT_BOOT_ID_MAX, "-", f->boot_id) < 0 ||
		    copy_token(fld[2], flen[2], AGENT_VERSION_MAX, "._-", f->version) < 0)
			return -1;
		f->type = AGENT_FRAME_READY;
		return 0;
	}
	if (strncmp(line, "PVCI-OUT ", 9) == 0) {
		if (split(line, len, 3, fld, flen) < 0 ||
		    parse_id(fld[1], flen[1], &f->id) < 0 ||
		    agent_base64_decode(fld[2], flen[2], f->data, sizeof(f->data), &f->len) < 0)
			return -1;
		f->type = AGENT_FRAME_OUT;
		return 0;
	}
	if (strncmp(line, "PVCI-END ", 9) == 0) {
		/* A sixth field, "1", says a RUNLIM command was killed at its limit. */
		int six = split(line, len, 6, fld, flen) == 0;

		if (six && !(flen[5] == 1 && fld[5][0] == '1'))
			return -1;
		if ((!six && split(line, len, 5, fld, flen) < 0) ||
		    parse_id(fld[1], flen[1], &f->id) < 0 ||
		    parse_uint(fld[2], flen[2], 255, &v) < 0)
			return -1;
		f->status = (int)v;
		if (parse_uint(fld[3], flen[3], AGENT_OUTPUT_MAX, &f->bytes) < 0 ||
		    parse_uint(fld[4], flen[4], 1, &v) < 0)
			return -1;
		f->truncated = (int)v;
		f->killed = six;
		f->type = AGENT_FRAME_END;
		return 0;
	}
	if (strncmp(line, "PVCI-ERR ", 9) == 0) {
		if (split(line, len, 3, fld, flen) < 0 ||
		    parse_id(fld[1], flen[1], &f->id) < 0 ||
		    copy_token(fld[2], flen[2], AGENT_REASON_MAX, "-", f->reason) < 0)
			return -1;
		f->type = AGENT_FRAME_ERR;
		return 0;
	}
	return -1;
}

static int
op_is_valid(const char *op)
{
	size_t i, n = strlen(op);

	if (n == 0 || n > 16)
		return 0;
	for (i = 0; i < n; i++)
		if (op[i] < 'A' || op[i] > 'Z')
			return 0;
	return 1;
}

char *
agent_encode_request(long id, const char *op, const void *payload, size_t len)
{
	char *b64, *line;

	if (id < 1 || id > AGENT_ID_MAX || op == NULL || !op_is_valid(op))
		return NULL;
	/* "PVCI-REQ " + id + " " + op + " " + base64 + "\n" */
	if (payload && (len + 2) / 3 * 4 + 9 + 11 + strlen(op) + 2 > AGENT_REQUEST_MAX)
		return NULL;
	b64 = payload ? agent_base64_encode(payload, len) : proto_strdup("-");
	if (*b64 == '\0') {
		free(b64);
		return NULL;	/* an empty payload would read as a missing field */
	}
	line = proto_printf("PVCI-REQ %ld %s %s\n", id, op, b64);
	free(b64);
	if (strlen(line) > AGENT_REQUEST_MAX) {
		free(line);
		return NULL;
	}
	return line;
}

void
agent_lines_init(struct agent_lines *l)
{
	memset(l, 0, sizeof(*l));
}

size_t
agent_lines_feed(struct agent_lines *l, const char *data, size_t len, const char **line)
{
	size_t i;

	*line = NULL;
	for (i = 0; i < len; i++) {
		char c = data[i];

		if (c == '\n') {
			if (l->overflow) {
				l->overflow = 0;
				l->len = 0;
				continue;
			}
			l->buf[l->len] = '\0';
			*line = l->buf;
			/* The line stays readable until the next call clears it. */
			l->len = 0;
			return i + 1;
		}
		if (l->overflow)
			continue;
		if (l->len == AGENT_LINE_MAX) {
			l->overflow = 1;
			l->dropped++;
			continue;
		}
		l->buf[l->len++] = c;
	}
	return len;
}

void
agent_reply_init(struct agent_reply *r, long id)
{
	memset(r, 0, sizeof(*r));
	r->id = id;
	r->state = AGENT_REPLY_PENDING;
	r->out = proto_alloc(1);
	r->out[0] = '\0';
}

void
agent_reply_release(struct agent_reply *r)
{
	free(r->out);
	r->out = NULL;
	r->len = 0;
}

enum agent_reply_state
agent_reply_feed(struct agent_reply *r, const struct agent_frame *f)
{
	if (r->state != AGENT_REPLY_PENDING || f->type == AGENT_FRAME_READY || f->id != r->id)
		return r->state;
	switch (f->type) {
	case AGENT_FRAME_OUT:
		if (f->len > AGENT_PIECE_MAX || r->len + f->len > AGENT_OUTPUT_MAX) {
			r->state = AGENT_REPLY_BROKEN;
			r->why = "more output than the protocol allows";
			break;
		}
		r->out = realloc(r->out, r->len + f->len + 1);
		if (r->out == NULL)
			abort();
		memcpy(r->out + r->len, f->data, f->len);
		r->len += f->len;
		r->out[r->len] = '\0';
		break;
	case AGENT_FRAME_END:
		if (f->bytes != (long)r->len) {
			r->state = AGENT_REPLY_BROKEN;
			r->why = "the output length does not match (a line was lost)";
			break;
		}
		r->status = f->status;
		r->truncated = f->truncated;
		r->killed = f->killed;
		r->state = AGENT_REPLY_DONE;
		break;
	case AGENT_FRAME_ERR:
		memcpy(r->reason, f->reason, sizeof(r->reason));
		r->reason[sizeof(r->reason) - 1] = '\0';
		r->state = AGENT_REPLY_REFUSED;
		break;
	case AGENT_FRAME_READY:
		break;
	}
	return r->state;
}

/* ---- guest side ---- */

void
agent_req_lines_init(struct agent_req_lines *l)
{
	memset(l, 0, sizeof(*l));
}

size_t
agent_req_lines_feed(struct agent_req_lines *l, const char *data, size_t len,
		     const char **line, int *too_long)
{
	size_t i;

	*line = NULL;
	*too_long = 0;
	for (i = 0; i < len; i++) {
		char c = data[i];

		if (c == '\n') {
			l->buf[l->len] = '\0';
			*line = l->buf;
			*too_long = l->overflow;
			l->len = 0;
			l->overflow = 0;
			return i + 1;
		}
		if (l->len == AGENT_REQUEST_MAX) {
			l->overflow = 1;	/* keep the start: it holds the id */
			continue;
		}
		l->buf[l->len++] = c;
	}
	return len;
}

enum agent_request_parse
agent_parse_request(const char *line, size_t len, int too_long, struct agent_request *r)
{
	const char *fld[MAX_FIELDS];
	size_t flen[MAX_FIELDS], idlen;
	const char *sp;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len < 9 || strncmp(line, "PVCI-REQ ", 9) != 0 || memchr(line, '\0', len))
		return AGENT_REQ_IGNORE;
	/* Without an id there is nobody to answer. */
	sp = memchr(line + 9, ' ', len - 9);
	idlen = sp ? (size_t)(sp - (line + 9)) : len - 9;
	if (parse_id(line + 9, idlen, &r->id) < 0)
		return AGENT_REQ_IGNORE;
	if (too_long || len > AGENT_REQUEST_MAX - 1)
		return AGENT_REQ_TOO_LONG;
	if (split(line, len, 4, fld, flen) < 0 || flen[2] == 0 || flen[2] > AGENT_OP_MAX)
		return AGENT_REQ_BAD;
	memcpy(r->op, fld[2], flen[2]);
	r->op[flen[2]] = '\0';
	if (!op_is_valid(r->op))
		return AGENT_REQ_BAD;
	if (flen[3] == 1 && fld[3][0] == '-') {
		r->len = 0;
	} else if (agent_base64_decode(fld[3], flen[3], r->payload, AGENT_REQUEST_MAX,
				       &r->len) < 0 || r->len == 0) {
		return AGENT_REQ_BAD;
	}
	r->payload[r->len] = '\0';
	return AGENT_REQ_OK;
}

/* Tokens a guest frame may carry: what agent_parse_frame accepts. */
static int
token_ok(const char *s, size_t max, const char *extra)
{
	char tmp[AGENT_BOOT_ID_MAX + AGENT_VERSION_MAX + 2];
	size_t n = strlen(s);

	return n < sizeof(tmp) && copy_token(s, n, max, extra, tmp) == 0;
}

char *
agent_encode_ready(const char *boot_id, const char *version)
{
	if (!token_ok(boot_id, AGENT_BOOT_ID_MAX, "-") ||
	    !token_ok(version, AGENT_VERSION_MAX, "._-"))
		return NULL;
	return proto_printf("PVCI-READY %s %s\n", boot_id, version);
}

char *
agent_encode_out(long id, const void *data, size_t len)
{
	char *b64, *line;

	if (id < 1 || id > AGENT_ID_MAX || len == 0 || len > AGENT_PIECE_MAX)
		return NULL;
	b64 = agent_base64_encode(data, len);
	line = proto_printf("PVCI-OUT %ld %s\n", id, b64);
	free(b64);
	return line;
}

char *
agent_encode_end(long id, int status, long bytes, int truncated, int killed)
{
	if (id < 1 || id > AGENT_ID_MAX || status < 0 || status > 255 || bytes < 0 ||
	    bytes > AGENT_OUTPUT_MAX || (truncated != 0 && truncated != 1) ||
	    (killed != 0 && killed != 1))
		return NULL;
	return proto_printf("PVCI-END %ld %d %ld %d%s\n", id, status, bytes, truncated,
			    killed ? " 1" : "");
}

char *
agent_encode_err(long id, const char *reason)
{
	if (id < 1 || id > AGENT_ID_MAX || !token_ok(reason, AGENT_REASON_MAX, "-"))
		return NULL;
	return proto_printf("PVCI-ERR %ld %s\n", id, reason);
}
