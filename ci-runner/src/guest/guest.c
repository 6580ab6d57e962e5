/*
 * Shared helpers of the guest steps (see guest.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "config.h"
#include "guest-os.h"
#include "guest.h"
#include "instance.h"
#include "layout.h"
#include "log.h"
#include "toolstack.h"
#include "util.h"

#define PANIC_TEXT	"Kernel panic"
#define TAIL_MAX	(64 * 1024)

char *
guest_domain_name(const char *prefix, long flight, const char *job)
{
	return xasprintf("%s-%ld-%s", prefix, flight, job);
}

void
guest_init(struct guest *g, struct step_ctx *ctx)
{
	const struct config *cfg = step_config(ctx);
	const char *home = step_home(ctx);
	char *work;
	long flight = step_flight(ctx);
	const char *job = step_job(ctx);
	struct stat st;

	memset(g, 0, sizeof(*g));
	g->ctx = ctx;
	g->name = guest_domain_name(config_str(cfg, "guest.name_prefix"), flight, job);
	g->overlay = layout_overlay(home, cfg, flight, job);
	/* Not step_work_dir(): cleanup must not create what it is removing. */
	work = layout_job_work(home, flight, job);
	g->console_log = path_join(work, "serial0.log");
	g->save_file = path_join(work, "guest.save");
	free(work);
	/* Only a panic from now on is news; an older one had its step. */
	if (stat(g->console_log, &st) == 0)
		g->scanned = (long long)st.st_size;
}

void
guest_release(struct guest *g)
{
	guest_disconnect(g);
	ts_domain_free(g->dom);
	toolstack_close(g->ts);
	free(g->name);
	free(g->overlay);
	free(g->console_log);
	free(g->save_file);
	memset(g, 0, sizeof(*g));
}

int
guest_open_toolstack(struct guest *g)
{
	const struct config *cfg = step_config(g->ctx);
	struct toolstack_opts o = {
		.backend = config_str(cfg, "toolstack.backend"),
		.uri = config_str(cfg, "toolstack.uri"),
		.domain_type = config_str(cfg, "toolstack.domain_type"),
	};
	char *xl_dir = xasprintf("%s/xl", step_home(g->ctx));
	double t0 = now_monotonic();

	o.state_dir = xl_dir;
	/*
	 * An embedded driver runs QEMU inside the process that opened it, and
	 * each step is a process of its own: the guest would end with the
	 * first step and read as a guest failure.
	 */
	if (strcmp(o.backend, "libvirt") == 0 && o.uri && strstr(o.uri, ":///embed")) {
		free(xl_dir);
		return errorx("toolstack.uri '%s': an embedded driver keeps its guests only "
			      "while the step that started them runs; use qemu:///system "
			      "(or another daemon URI)", o.uri);
	}
	g->ts = toolstack_open(&o);
	free(xl_dir);
	if (g->ts == NULL)
		return -1;
	step_log(g->ctx, "toolstack '%s' (%s, domain type %s) opened in %.2f s",
		 toolstack_name(g->ts), o.uri ? o.uri : "-", o.domain_type,
		 now_monotonic() - t0);
	return 0;
}

int
guest_find(struct guest *g)
{
	int r = toolstack_lookup(g->ts, g->name, &g->dom);

	if (r < 0)
		return -1;
	if (r == 0)
		return errorx("domain '%s' does not exist (did guest-start run?)", g->name);
	return 0;
}

/* The agent's watch: a panic on serial0, or a domain no longer running. */
static int
guest_watch(void *opaque)
{
	struct guest *g = opaque;

	if (guest_console_panicked(g)) {
		g->down = 1;
		g->panicked = 1;
		return errorx("domain '%s': kernel panic on the console", g->name);
	}
	return 0;
}

void
guest_disconnect(struct guest *g)
{
	agent_close(g->agent);
	g->agent = NULL;
	free(g->boot_id);
	g->boot_id = NULL;
}

int
guest_connect(struct guest *g, int timeout, const char *expect_boot_id,
	      const char *not_boot_id)
{
	double t0 = now_monotonic();
	char *boot_id = NULL;
	int rc;

	guest_disconnect(g);
	g->agent = agent_open(g->dom, GUEST_AGENT_DEV);
	if (g->agent == NULL)
		return -1;
	agent_set_watch(g->agent, guest_watch, g);
	rc = agent_wait_ready(g->agent, timeout, not_boot_id, &boot_id);
	g->guest_seconds += now_monotonic() - t0;
	if (rc < 0) {
		if (agent_last_error(g->agent) == AGENT_E_GUEST)
			g->down = 1;
		if (agent_last_error(g->agent) == AGENT_E_HOST)
			g->down = g->emulator_died = 1;
		return -1;
	}
	if (expect_boot_id && strcmp(boot_id, expect_boot_id) != 0) {
		errorx("domain '%s' rebooted behind our back (boot '%s', expected '%s')",
		       g->name, boot_id, expect_boot_id);
		free(boot_id);
		g->down = 1;
		return -1;
	}
	g->boot_id = boot_id;
	step_log(g->ctx, "agent of '%s' ready (boot %s) after %.2f s", g->name, boot_id,
		 now_monotonic() - t0);
	return 0;
}

int
guest_pick_os(struct guest *g, const char *kind)
{
	const char *image = step_runvar(g->ctx, "image");
	json_t *img = NULL;

	if (kind == NULL) {
		if (image == NULL || *image == '\0')
			image = "testguest";
		img = step_image(g->ctx, image);
		if (img == NULL) {
			g->no_os = 1;
			return errorx("image '%s' is not registered (run 'pvci image build %s')",
				      image, image);
		}
		kind = json_string_value(json_object_get(img, "kind"));
	}
	g->os = guest_os_lookup(kind);
	json_decref(img);
	g->no_os = g->os == NULL;
	return g->os ? 0 : -1;
}

int
guest_attach(struct guest *g)
{
	const char *boot_id = step_runvar(g->ctx, "guest_boot_id");

	if ((g->os == NULL && guest_pick_os(g, NULL) < 0) || guest_open_toolstack(g) < 0 ||
	    guest_find(g) < 0)
		return -1;
	return guest_connect(g, guest_time_limit(g, 30), boot_id, NULL);
}

static void
log_output(struct guest *g, const char *out)
{
	int fd = step_log_fd(g->ctx);
	size_t len = strlen(out);

	if (len == 0)
		return;
	if (write(fd, out, len) < 0 || (out[len - 1] != '\n' && write(fd, "\n", 1) < 0))
		log_warn("cannot write to the step log");
}

int
guest_run(struct guest *g, const char *cmd, int timeout, int *status, char **output,
	  int log_out)
{
	double t0 = now_monotonic();
	char *out = NULL;
	int st = -1, rc;
	unsigned long noise = agent_noise(g->agent);

	step_log(g->ctx, "guest '%s' $ %s", g->name, cmd);
	rc = agent_run(g->agent, cmd, timeout, &st, &out);
	g->guest_seconds += now_monotonic() - t0;
	if (agent_noise(g->agent) > noise)
		step_log(g->ctx, "ignored %lu lines on the agent's port (garbage, too long, or "
			 "frames for another request)", agent_noise(g->agent) - noise);
	if (rc < 0) {
		if (agent_last_error(g->agent) == AGENT_E_GUEST)
			g->down = 1;
		if (agent_last_error(g->agent) == AGENT_E_HOST)
			g->down = g->emulator_died = 1;
		return -1;
	}
	if (log_out)
		log_output(g, out);
	step_log(g->ctx, "exit status %d after %.2f s", st, now_monotonic() - t0);
	if (status)
		*status = st;
	if (output)
		*output = out;
	else
		free(out);
	return 0;
}

enum step_status
guest_verdict(struct guest *g)
{
	enum ts_state state;

	/* Which guest this is could not be told: reported, and not the guest's fault. */
	if (g->no_os)
		return STEP_BROKEN;
	if (g->ts == NULL || !toolstack_alive(g->ts)) {
		errorx("the toolstack is unreachable: broken, not a guest failure");
		return STEP_BROKEN;
	}
	if (g->emulator_died) {
		errorx("the emulator of domain '%s' died under it: broken, not a guest failure",
		       g->name);
		return STEP_BROKEN;
	}
	/*
	 * A console that closed under us: libvirt can take a few seconds to
	 * see the domain stop (and why). Polled, bounded.
	 */
	if (g->agent && g->dom && agent_last_error(g->agent) == AGENT_E_CONSOLE) {
		int i;

		for (i = 0; i < 50; i++) {
			if (toolstack_state(g->dom, &state) < 0 || state != TS_STATE_RUNNING)
				break;
			toolstack_wait(g->ts, 100);
		}
	}
	/* Say the real cause last: it becomes the step's note. */
	if (guest_console_panicked(g) || g->panicked) {
		g->down = 1;
		guest_log_console_tail(g, 50);
		errorx("domain '%s' panicked (kernel panic on its console)", g->name);
		return STEP_FAIL;
	}
	if (g->dom && toolstack_state(g->dom, &state) == 0 && state != TS_STATE_RUNNING) {
		g->down = 1;
		guest_log_console_tail(g, 50);
		/*
		 * Off after a crash with no panic on the console (looked for
		 * above): the emulator went away under the guest (killed,
		 * crashed), which the host answers for. libvirt's STOPPED_FAILED
		 * event says the same when it reaches us in time.
		 */
		if (state == TS_STATE_OFF && toolstack_off_after_crash(g->dom) == 1) {
			errorx("the emulator of domain '%s' died under it: broken, not a guest "
			       "failure", g->name);
			return STEP_BROKEN;
		}
		errorx("domain '%s' is %s", g->name, ts_state_name(state));
		return STEP_FAIL;
	}
	guest_log_console_tail(g, 50);
	return STEP_FAIL;
}

char *
guest_domain_log(struct guest *g)
{
	const char *dir = step_setting(g->ctx, "toolstack.log_dir");
	const char *backend = step_setting(g->ctx, "toolstack.backend");
	char *file, *folder, *path;

	if (dir == NULL || *dir == '\0')
		return NULL;
	if (strcmp(backend, "xl") == 0)
		file = xasprintf("qemu-dm-%s.log", g->name);
	else
		file = xasprintf("%s.log", g->name);
	folder = instance_resolve(step_home(g->ctx), dir);
	path = path_join(folder, file);
	free(folder);
	free(file);
	return path;
}

/* The last max bytes of the serial0 log; caller frees. */
static char *
console_tail(struct guest *g, size_t max)
{
	struct stat st;
	char *buf;
	ssize_t n;
	off_t off;
	int fd;

	fd = open(g->console_log, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return NULL;
	}
	off = st.st_size > (off_t)max ? st.st_size - (off_t)max : 0;
	buf = xmalloc(max + 1);
	n = pread(fd, buf, max, off);
	close(fd);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

void
guest_log_console_tail(struct guest *g, int lines)
{
	char *tail = console_tail(g, TAIL_MAX), *p;
	int n = 0;

	if (tail == NULL) {
		step_log(g->ctx, "no console log '%s'", g->console_log);
		return;
	}
	/* Walk back over lines+1 newlines (a last, unfinished line counts). */
	for (p = tail + strlen(tail); p > tail; p--)
		if (p[-1] == '\n' && p[0] != '\0' && ++n > lines)
			break;
	step_log(g->ctx, "---- last %d lines of the console (%s) ----", lines, g->console_log);
	/* Carriage returns, escape sequences and NULs make logs unreadable. */
	{
		char *w = p;

		for (char *q = p; *q; q++) {
			if (*q == '\r')
				continue;
			*w++ = (unsigned char)*q < 32 && *q != '\n' && *q != '\t' ? '.' : *q;
		}
		*w = '\0';
	}
	log_output(g, p);
	step_log(g->ctx, "---- end of the console ----");
	free(tail);
}

int
guest_console_panicked(struct guest *g)
{
	char buf[8192 + sizeof(g->carry)];
	size_t carry = strlen(g->carry);
	int fd, found = 0;
	struct stat st;
	ssize_t n;

	fd = open(g->console_log, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	/* A new QEMU process (restore) may have started the log afresh. */
	if (fstat(fd, &st) == 0 && (long long)st.st_size < g->scanned) {
		g->scanned = 0;
		g->carry[0] = '\0';
		carry = 0;
	}
	for (;;) {
		memcpy(buf, g->carry, carry);
		n = pread(fd, buf + carry, sizeof(buf) - carry - 1, (off_t)g->scanned);
		if (n <= 0)
			break;
		g->scanned += n;
		buf[carry + (size_t)n] = '\0';
		/* NULs in the log would hide the text from strstr; blank them. */
		for (size_t i = 0; i < carry + (size_t)n; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
		if (memmem(buf, carry + (size_t)n, PANIC_TEXT, strlen(PANIC_TEXT)))
			found = 1;
		carry = carry + (size_t)n < sizeof(g->carry) - 1 ? carry + (size_t)n
							      : sizeof(g->carry) - 1;
		memmove(g->carry, buf + strlen(buf) - carry, carry);
		g->carry[carry] = '\0';
	}
	close(fd);
	return found;
}

int
guest_time_limit(struct guest *g, int want)
{
	int left = step_seconds_left(g->ctx) - 5;

	if (left < 1)
		left = 1;
	return want < left ? want : left;
}

int
guest_wait_off(struct guest *g, int timeout)
{
	double deadline = now_monotonic() + timeout;
	enum ts_state state;

	for (;;) {
		if (toolstack_state(g->dom, &state) < 0)
			return -1;
		if (state == TS_STATE_OFF || state == TS_STATE_UNDEFINED) {
			g->guest_seconds += now_monotonic() - (deadline - timeout);
			return 0;
		}
		if (now_monotonic() >= deadline)
			return errorx("domain '%s' is still %s after %d seconds", g->name,
				      ts_state_name(state), timeout);
		if (toolstack_wait(g->ts, 200) < 0)
			return -1;
	}
}

int
guest_runvar_double(struct guest *g, const char *name, double def, double *out)
{
	const char *v = step_runvar(g->ctx, name);
	char *end;

	*out = def;
	if (v == NULL || *v == '\0')
		return 0;
	errno = 0;
	*out = strtod(v, &end);
	if (errno || *end != '\0' || end == v)
		return errorx("runvar '%s' must be a number, not '%s'", name, v);
	return 0;
}

void
guest_log_harness_time(struct guest *g, double started)
{
	double total = now_monotonic() - started;

	step_log(g->ctx, "harness seconds %.2f (step %.2f s, waiting on the guest %.2f s)",
		 total - g->guest_seconds, total, g->guest_seconds);
}

enum step_status
guest_check_driver(struct guest *g, const char *expected)
{
	enum step_status rc = STEP_FAIL;
	char **versions = NULL;
	int n;

	if (expected == NULL) {
		step_log(g->ctx, "no runvar installed_version: not checking the driver");
		return STEP_PASS;
	}
	n = guest_os_driver_versions(g, guest_time_limit(g, 30), &versions);
	if (n < 0)
		return guest_verdict(g);
	if (n != 1 || strcmp(versions[0], expected) != 0)
		errorx("domain '%s': the installed driver reads '%s', not version '%s'", g->name,
		       n == 1 ? versions[0] : n == 0 ? "no version" : "more than one version",
		       expected);
	else {
		step_log(g->ctx, "the driver is still version %s", expected);
		rc = STEP_PASS;
	}
	guest_os_strings_free(versions);
	return rc;
}
