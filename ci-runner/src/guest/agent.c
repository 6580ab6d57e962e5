/*
 * The agent transport: the protocol of agent-proto.c over a toolstack
 * console. Every call has a deadline; while it waits, the console read runs
 * the toolstack's event loop (so lifecycle events arrive), and between
 * waits the watch callback and the domain's events may stop the call early.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "log.h"
#include "toolstack.h"
#include "util.h"

#define SLICE_MS	250	/* longest wait between two looks at events */
#define PING_EVERY	2.0	/* seconds between PINGs while waiting for READY */

struct agent {
	struct ts_domain *dom;		/* NULL: a serial device (agent_open_serial) */
	struct ts_console *con;
	int fd;				/* the serial device, when dom is NULL */
	char *dev;
	long next_id;
	struct agent_lines lines;
	unsigned long noise;
	enum agent_error err;
	agent_watch_fn watch;
	void *watch_opaque;
	/* The boot the last agent_wait_ready found ("" before). */
	char boot_id[AGENT_BOOT_ID_MAX + 1];
	/* While a RUN request waits, a reboot fails it at once. */
	int in_run;
	/* The newest READY seen, from any boot. */
	char last_boot_id[AGENT_BOOT_ID_MAX + 1];
	int ready_seen;
	char pending[4096];	/* bytes read but not yet split into lines */
	size_t pending_len, pending_off;
};

struct agent *
agent_open(struct ts_domain *dom, const char *dev)
{
	struct agent *a = xcalloc(1, sizeof(*a));
	struct timespec ts;

	if (toolstack_console_open(dom, dev, &a->con) < 0) {
		free(a);
		return NULL;
	}
	a->dom = dom;
	a->fd = -1;
	a->dev = xstrdup(dev);
	/*
	 * Ids start somewhere new in every session, so a late frame of an
	 * earlier session (before a restore) cannot pass for an answer.
	 */
	clock_gettime(CLOCK_REALTIME, &ts);
	a->next_id = 1 + (long)(((unsigned long)ts.tv_nsec ^ (unsigned long)ts.tv_sec) % 1000000000UL);
	agent_lines_init(&a->lines);
	return a;
}

void
agent_close(struct agent *a)
{
	if (a == NULL)
		return;
	if (a->con)
		ts_console_close(a->con);
	if (a->fd >= 0)
		close(a->fd);
	free(a->dev);
	free(a);
}

void
agent_set_watch(struct agent *a, agent_watch_fn fn, void *opaque)
{
	a->watch = fn;
	a->watch_opaque = opaque;
}

enum agent_error
agent_last_error(const struct agent *a)
{
	return a->err;
}

unsigned long
agent_noise(const struct agent *a)
{
	return a->noise + a->lines.dropped;
}

static long
new_id(struct agent *a)
{
	long id = a->next_id++;

	if (a->next_id > AGENT_ID_MAX)
		a->next_id = 1;
	return id;
}

static const char *
dom_name(const struct agent *a)
{
	return a->dom ? ts_domain_name(a->dom) : a->dev;
}

struct agent *
agent_open_serial(const char *path)
{
	struct agent *a;
	struct termios tio;
	struct timespec ts;
	int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		error("agent serial device '%s'", path);
		return NULL;
	}
	/* Raw, no echo: a tty line discipline would mangle or echo frames. */
	if (isatty(fd) && tcgetattr(fd, &tio) == 0) {
		cfmakeraw(&tio);
		if (tcsetattr(fd, TCSANOW, &tio) < 0) {
			error("agent serial device '%s': raw mode", path);
			close(fd);
			return NULL;
		}
	}
	a = xcalloc(1, sizeof(*a));
	a->fd = fd;
	a->dev = xstrdup(path);
	clock_gettime(CLOCK_REALTIME, &ts);
	a->next_id = 1 + (long)(((unsigned long)ts.tv_nsec ^ (unsigned long)ts.tv_sec) % 1000000000UL);
	agent_lines_init(&a->lines);
	return a;
}

static ssize_t
serial_read(struct agent *a, void *buf, size_t len, int ms)
{
	struct pollfd pfd = { .fd = a->fd, .events = POLLIN };
	ssize_t n;
	int r = poll(&pfd, 1, ms);

	if (r < 0 && errno != EINTR)
		return error("agent serial device '%s': poll", a->dev);
	if (r <= 0)
		return 0;
	n = read(a->fd, buf, len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0)
		return error("agent serial device '%s': read", a->dev);
	if (n == 0)
		return errorx("agent serial device '%s' closed", a->dev);
	return n;
}

static int
serial_write(struct agent *a, const char *buf, size_t len, int ms)
{
	double deadline = now_monotonic() + ms / 1000.0;

	while (len > 0) {
		ssize_t n = write(a->fd, buf, len);

		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return error("agent serial device '%s': write", a->dev);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (now_monotonic() >= deadline)
			return errorx("agent serial device '%s': write timed out", a->dev);
		struct pollfd pfd = { .fd = a->fd, .events = POLLOUT };
		poll(&pfd, 1, 100);
	}
	return 0;
}

/* Looks at the domain's events and the watch; -1 (reported) to stop. */
static int
check_guest(struct agent *a)
{
	enum ts_event ev;

	while (a->dom && toolstack_next_event(a->dom, &ev) == 1) {
		/*
		 * A command's reboot ends it: its answer will never come, and the
		 * agent of the new boot knows nothing of it. Outside a RUN (waiting
		 * for READY, a RUNBG "reboot") a reboot is expected.
		 */
		if (ev == TS_EVENT_REBOOTED && a->in_run) {
			a->err = AGENT_E_GUEST;
			return errorx("domain '%s' rebooted while the agent ran a command",
				      dom_name(a));
		}
		if (ev == TS_EVENT_CRASHED) {
			a->err = AGENT_E_GUEST;
			return errorx("domain '%s' crashed", dom_name(a));
		}
		if (ev == TS_EVENT_EMULATOR_DIED) {
			a->err = AGENT_E_HOST;
			return errorx("the emulator of domain '%s' died under it (killed or "
				      "crashed, not shut down by the guest)", dom_name(a));
		}
		if (ev == TS_EVENT_STOPPED) {
			enum ts_state state;

			/*
			 * A save, or a restart, stops the domain for a moment: only a
			 * domain that is still not running has stopped under us.
			 */
			if (toolstack_state(a->dom, &state) == 0 &&
			    (state == TS_STATE_RUNNING || state == TS_STATE_PAUSED))
				continue;
			a->err = AGENT_E_GUEST;
			return errorx("domain '%s' stopped", dom_name(a));
		}
	}
	if (a->watch && a->watch(a->watch_opaque) < 0) {
		a->err = AGENT_E_GUEST;
		return -1;
	}
	return 0;
}

static int
send_request_len(struct agent *a, long id, const char *op, const void *payload, size_t len)
{
	char *line = agent_encode_request(id, op, payload, len);
	int rc;

	if (line == NULL) {
		a->err = AGENT_E_PROTOCOL;
		return errorx("domain '%s': request too long for the agent (limit %d bytes)",
			      dom_name(a), AGENT_REQUEST_MAX);
	}
	rc = a->dom ? ts_console_write(a->con, line, strlen(line), 5000) :
		      serial_write(a, line, strlen(line), 5000);
	free(line);
	if (rc < 0)
		a->err = AGENT_E_CONSOLE;
	return rc;
}

static int
send_request(struct agent *a, long id, const char *op, const char *payload)
{
	return send_request_len(a, id, op, payload, payload ? strlen(payload) : 0);
}

/*
 * Waits until deadline for the next frame. Returns 1 with *f set, 0 when
 * the deadline passed, -1 on error.
 */
static int
next_frame(struct agent *a, double deadline, struct agent_frame *f)
{
	for (;;) {
		const char *line;
		double left;
		ssize_t n;
		int ms;

		while (a->pending_off < a->pending_len) {
			a->pending_off += agent_lines_feed(&a->lines, a->pending + a->pending_off,
							   a->pending_len - a->pending_off, &line);
			if (line == NULL)
				continue;
			if (agent_parse_frame(line, strlen(line), f) == 0) {
				if (f->type == AGENT_FRAME_READY) {
					memcpy(a->last_boot_id, f->boot_id, sizeof(a->last_boot_id));
					a->ready_seen = 1;
				}
				return 1;
			}
			if (*line && strncmp(line, "PVCI-REQ ", 9) != 0)
				a->noise++;
		}
		a->pending_off = a->pending_len = 0;
		if (check_guest(a) < 0)
			return -1;
		left = deadline - now_monotonic();
		if (left <= 0)
			return 0;
		ms = (int)(left * 1000) + 1;
		if (ms > SLICE_MS)
			ms = SLICE_MS;
		n = a->dom ? ts_console_read(a->con, a->pending, sizeof(a->pending), ms) :
			     serial_read(a, a->pending, sizeof(a->pending), ms);
		if (n < 0 && a->dom == NULL) {
			a->err = AGENT_E_CONSOLE;
			return -1;
		}
		if (n < 0) {
			enum ts_state state;

			/*
			 * The console closes when the domain goes away: say that
			 * rather than blame the console, once its events are in.
			 */
			a->err = AGENT_E_CONSOLE;
			toolstack_wait(ts_domain_toolstack(a->dom), 0);
			if (check_guest(a) < 0)
				return -1;
			if (toolstack_state(a->dom, &state) == 0 && state != TS_STATE_RUNNING) {
				a->err = AGENT_E_GUEST;
				return errorx("domain '%s' is %s", dom_name(a), ts_state_name(state));
			}
			return -1;
		}
		a->pending_len = (size_t)n;
	}
}

int
agent_wait_ready(struct agent *a, int timeout, const char *not_boot_id,
		 char **boot_id_out)
{
	double start = now_monotonic(), deadline = start + timeout, next_ping = 0;
	struct agent_frame f;

	a->err = AGENT_OK;
	if (boot_id_out)
		*boot_id_out = NULL;
	for (;;) {
		int r;

		if (now_monotonic() >= next_ping) {
			if (send_request(a, new_id(a), "PING", NULL) < 0)
				return -1;
			next_ping = now_monotonic() + PING_EVERY;
		}
		r = next_frame(a, deadline < next_ping ? deadline : next_ping, &f);
		if (r < 0)
			return -1;
		if (r == 1 && f.type == AGENT_FRAME_READY) {
			if (not_boot_id && strcmp(f.boot_id, not_boot_id) == 0)
				continue;	/* the old boot, still answering */
			memcpy(a->boot_id, f.boot_id, sizeof(a->boot_id));
			if (boot_id_out)
				*boot_id_out = xstrdup(f.boot_id);
			return 0;
		}
		if (now_monotonic() >= deadline) {
			a->err = AGENT_E_TIMEOUT;
			if (not_boot_id && a->ready_seen)
				return errorx("the agent of domain '%s' did not come back from a "
					      "new boot within %d seconds (still boot '%s')",
					      dom_name(a), timeout, a->last_boot_id);
			return errorx("the agent of domain '%s' was not ready within %d seconds",
				      dom_name(a), timeout);
		}
	}
}

/*
 * Sends op with payload[0..len) and collects its reply within timeout
 * seconds. On success *status, *output (the caller frees it; may be NULL),
 * *outlen and *flags (AGENT_REPLY_TRUNCATED, AGENT_REPLY_KILLED) are set.
 */
static int
request_full(struct agent *a, const char *op, const void *payload, size_t len, int timeout,
	     int *status, char **output, size_t *outlen, int *flags)
{
	double deadline = now_monotonic() + timeout;
	struct agent_reply reply;
	struct agent_frame f = { 0 };	/* next_frame fills it; clang --analyze cannot tell */
	long id = new_id(a);
	int rc = -1;

	a->err = AGENT_OK;
	if (output)
		*output = NULL;
	if (send_request_len(a, id, op, payload, len) < 0)
		return -1;
	agent_reply_init(&reply, id);
	for (;;) {
		int r = next_frame(a, deadline, &f);

		if (r < 0)
			break;
		if (r == 0) {
			a->err = AGENT_E_TIMEOUT;
			errorx("the agent of domain '%s' did not answer request %ld within "
			       "%d seconds", dom_name(a), id, timeout);
			break;
		}
		if (f.type == AGENT_FRAME_READY) {
			/*
			 * The agent says READY when it starts: one from another boot
			 * than ours means the guest rebooted under the request (the
			 * toolstack may have no reboot event to tell us sooner).
			 */
			if (a->boot_id[0] && strcmp(f.boot_id, a->boot_id) != 0) {
				a->err = AGENT_E_GUEST;
				errorx("domain '%s' rebooted during request %ld (boot '%s', "
				       "now '%s')", dom_name(a), id, a->boot_id, f.boot_id);
				break;
			}
			continue;
		}
		/* Frames for another request (a late reply, a confused agent) are ignored. */
		if (f.id != id)
			a->noise++;
		switch (agent_reply_feed(&reply, &f)) {
		case AGENT_REPLY_PENDING:
			continue;
		case AGENT_REPLY_DONE:
			if (status)
				*status = reply.status;
			/* GET's "truncated" only says more of the file is left. */
			if (reply.truncated && strcmp(op, "GET") != 0)
				log_warnx("domain '%s': output of request %ld cut at %d bytes",
					  dom_name(a), id, AGENT_OUTPUT_MAX);
			if (output) {
				*output = (char *)reply.out;
				reply.out = NULL;
			}
			if (outlen)
				*outlen = reply.len;
			if (flags)
				*flags = (reply.truncated ? AGENT_REPLY_TRUNCATED : 0) |
					 (reply.killed ? AGENT_REPLY_KILLED : 0);
			rc = 0;
			break;
		case AGENT_REPLY_REFUSED:
			a->err = AGENT_E_PROTOCOL;
			errorx("the agent of domain '%s' refused request %ld: %s",
			       dom_name(a), id, reply.reason);
			break;
		case AGENT_REPLY_BROKEN:
			a->err = AGENT_E_PROTOCOL;
			errorx("the agent of domain '%s' garbled request %ld: %s",
			       dom_name(a), id, reply.why);
			break;
		}
		break;
	}
	agent_reply_release(&reply);
	return rc;
}

static int
request(struct agent *a, const char *op, const char *cmd, int timeout, int *status,
	char **output)
{
	return request_full(a, op, cmd, cmd ? strlen(cmd) : 0, timeout, status, output, NULL,
			    NULL);
}

int
agent_run(struct agent *a, const char *cmd, int timeout, int *status, char **output)
{
	int st = -1, rc;

	if (cmd == NULL || *cmd == '\0')
		return errorx("domain '%s': empty command for the agent", dom_name(a));
	/* A reboot before this command (guest-reboot's own) is not its news. */
	if (a->dom)
		toolstack_wait(ts_domain_toolstack(a->dom), 0);
	if (check_guest(a) < 0)
		return -1;
	a->in_run = 1;
	rc = request(a, "RUN", cmd, timeout, &st, output);
	a->in_run = 0;
	if (rc < 0)
		return -1;
	if (status)
		*status = st;
	return 0;
}

int
agent_run_bg(struct agent *a, const char *cmd, int timeout)
{
	int st = -1;

	if (cmd == NULL || *cmd == '\0')
		return errorx("domain '%s': empty command for the agent", dom_name(a));
	if (request(a, "RUNBG", cmd, timeout, &st, NULL) < 0)
		return -1;
	if (st != 0) {
		a->err = AGENT_E_PROTOCOL;
		return errorx("the agent of domain '%s' could not start '%s' (status %d)",
			      dom_name(a), cmd, st);
	}
	return 0;
}

int
agent_run_limit(struct agent *a, const char *cmd, int limit, int timeout, int *status,
		int *killed, char **output)
{
	char *payload;
	int st = -1, flags = 0, rc;

	if (cmd == NULL || *cmd == '\0')
		return errorx("domain '%s': empty command for the agent", dom_name(a));
	if (limit < 1)
		return errorx("domain '%s': time limit %d for the agent is not positive",
			      dom_name(a), limit);
	/* The guest's limit comes first, so its answer (killed) can arrive. */
	if (timeout <= limit)
		timeout = limit + 30;
	payload = xasprintf("%d %s", limit, cmd);
	if (a->dom)
		toolstack_wait(ts_domain_toolstack(a->dom), 0);
	if (check_guest(a) < 0) {
		free(payload);
		return -1;
	}
	a->in_run = 1;
	rc = request_full(a, "RUNLIM", payload, strlen(payload), timeout, &st, output, NULL,
			  &flags);
	a->in_run = 0;
	free(payload);
	if (rc < 0)
		return -1;
	if (status)
		*status = st;
	if (killed)
		*killed = !!(flags & AGENT_REPLY_KILLED);
	return 0;
}

int
agent_query(struct agent *a, const char *op, int timeout, int *status, char **output)
{
	return request_full(a, op, NULL, 0, timeout, status, output, NULL, NULL);
}

int
agent_get_file(struct agent *a, const char *path, size_t max, int timeout, void **data,
	       size_t *len)
{
	unsigned char *buf = NULL;
	size_t have = 0;
	int rc = -1;

	*data = NULL;
	*len = 0;
	/* The agent sends AGENT_OUTPUT_MAX bytes a request, from an offset. */
	for (;;) {
		char *payload = xasprintf("%zu %s", have, path), *out = NULL;
		size_t n = 0;
		int st = -1, flags = 0;

		if (request_full(a, "GET", payload, strlen(payload), timeout, &st, &out, &n,
				 &flags) < 0) {
			free(payload);
			goto out;
		}
		free(payload);
		if (st != 0) {
			a->err = AGENT_E_PROTOCOL;
			errorx("domain '%s': cannot read '%s': %s", dom_name(a), path, out);
			free(out);
			goto out;
		}
		if (have + n > max) {
			a->err = AGENT_E_PROTOCOL;
			errorx("domain '%s': '%s' is larger than %zu bytes", dom_name(a), path,
			       max);
			free(out);
			goto out;
		}
		buf = xrealloc(buf, have + n + 1);
		memcpy(buf + have, out, n);
		have += n;
		buf[have] = '\0';
		free(out);
		if (!(flags & AGENT_REPLY_TRUNCATED))
			break;
		if (n == 0) {
			a->err = AGENT_E_PROTOCOL;
			errorx("domain '%s': reading '%s' made no progress", dom_name(a), path);
			goto out;
		}
	}
	if (buf == NULL)
		buf = xcalloc(1, 1);
	*data = buf;
	*len = have;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	return rc;
}

/* Data bytes a PUT request can carry next to a path, within 16 KiB. */
#define PUT_CHUNK 8192

int
agent_put_file(struct agent *a, const char *path, const void *data, size_t len, int timeout)
{
	size_t off = 0, plen = strlen(path);

	if (plen == 0 || plen > 1024 || memchr(path, '\n', plen))
		return errorx("domain '%s': '%s' is not a path the agent takes", dom_name(a),
			      path);
	do {
		size_t n = len - off < PUT_CHUNK ? len - off : PUT_CHUNK;
		char *payload = xmalloc(plen + 1 + n + 1), *out = NULL;
		int st = -1, rc;

		memcpy(payload, path, plen);
		payload[plen] = '\n';
		memcpy(payload + plen + 1, (const char *)data + off, n);
		rc = request_full(a, off == 0 ? "PUT" : "APPEND", payload, plen + 1 + n,
				  timeout, &st, &out, NULL, NULL);
		free(payload);
		if (rc < 0)
			return -1;
		if (st != 0) {
			a->err = AGENT_E_PROTOCOL;
			errorx("domain '%s': cannot write '%s': %s", dom_name(a), path, out);
			free(out);
			return -1;
		}
		free(out);
		off += n;
	} while (off < len);
	return 0;
}
