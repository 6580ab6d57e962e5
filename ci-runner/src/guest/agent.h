/*
 * The guest agent: pvci's control channel to a guest, over a serial console
 * (guest-images/AGENT.md is the protocol).
 *
 * Two layers. The protocol layer (agent-proto.c) is pure: it splits bytes
 * into bounded lines, parses guest frames, encodes requests and collects a
 * reply, without I/O, so it can be unit-tested and fuzzed. The transport
 * (agent.c) speaks it over a toolstack console with a time limit on every
 * call.
 */
#ifndef PVCI_AGENT_H
#define PVCI_AGENT_H

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

/* ---- protocol layer ---- */

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
	char reason[AGENT_REASON_MAX + 1];
	const char *why;
};
void agent_reply_init(struct agent_reply *r, long id);
void agent_reply_release(struct agent_reply *r);
/* Feeds one frame; frames of other ids are ignored. Returns r->state. */
enum agent_reply_state agent_reply_feed(struct agent_reply *r, const struct agent_frame *f);

/* ---- transport ---- */

struct agent;
struct ts_domain;

/* Why the last call failed, so steps can tell "fail" from "broken". */
enum agent_error {
	AGENT_OK = 0,
	AGENT_E_TIMEOUT,	/* the guest did not answer in time */
	AGENT_E_GUEST,		/* the guest stopped, crashed, or the watch said stop */
	AGENT_E_PROTOCOL,	/* the guest answered nonsense or refused */
	AGENT_E_CONSOLE,	/* the console or the toolstack failed */
	AGENT_E_HOST,		/* the guest's emulator died under it: the host's fault */
};

/*
 * Called between waits of every call (a few times a second) so the caller
 * can stop a call early, e.g. when the guest crashed or panicked: return
 * -1 (after reporting why) to stop the call with AGENT_E_GUEST, else 0.
 */
typedef int (*agent_watch_fn)(void *opaque);

/* Opens the console dev ("serial1") of dom; NULL on error (reported). */
struct agent *agent_open(struct ts_domain *dom, const char *dev);
void agent_close(struct agent *a);
void agent_set_watch(struct agent *a, agent_watch_fn fn, void *opaque);
enum agent_error agent_last_error(const struct agent *a);
/*
 * Lines ignored so far: garbage (not frames), lines dropped as too long,
 * and frames for another request than the one waited for.
 */
unsigned long agent_noise(const struct agent *a);

/*
 * Sends PING (again every few seconds, since a PING sent while the guest
 * boots is lost) until a READY arrives whose boot id differs from
 * not_boot_id (NULL: any), within timeout seconds. *boot_id_out (may be
 * NULL) gets a new string.
 */
int agent_wait_ready(struct agent *a, int timeout, const char *not_boot_id,
		     char **boot_id_out);

/*
 * Runs cmd in the guest's shell within timeout seconds: *status gets its
 * exit status, *output (may be NULL) its output, NUL-terminated, at most
 * AGENT_OUTPUT_MAX bytes. A command that ran and exited non-zero is a
 * success of agent_run (0), not an error.
 */
int agent_run(struct agent *a, const char *cmd, int timeout, int *status, char **output);
/* Starts cmd in the background in the guest (reboot, poweroff, servers). */
int agent_run_bg(struct agent *a, const char *cmd, int timeout);

#endif
