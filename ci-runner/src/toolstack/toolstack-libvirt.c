/*
 * The libvirt backend: any libvirt URI (qemu:///system, qemu:///embed?root=,
 * qemu+ssh://host/system, xen:///system, test:///default).
 *
 * libvirt's default event loop is registered once per process, before the
 * first connection, and run only while a caller waits (toolstack_wait,
 * console reads and writes). Lifecycle events become ts_push_event calls;
 * console data lands in a bounded buffer per console. A keepalive on remote
 * connections and a close callback tell us when the daemon is gone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "log.h"
#include "toolstack-backend.h"
#include "util.h"

#define CONSOLE_BUF (64 * 1024)

struct lv_conn {
	virConnectPtr conn;
	int lifecycle_cb;	/* -1 when not registered */
	int reboot_cb;		/* -1 when not registered */
	int close_cb;		/* 1 when registered */
	int closed;		/* the connection was closed under us */
};

struct lv_console {
	virStreamPtr st;
	int cb;			/* 1 while the stream callback is registered */
	int reading;		/* READABLE is asked for */
	int eof;
	int err;
	unsigned char buf[CONSOLE_BUF];
	size_t len;
};

static int event_loop_ready;

/*
 * How long a refused connection is tried again: a libvirtd that died is
 * restarted by its supervisor within seconds, and the always steps (log
 * capture, cleanup) that follow a step it broke must still reach it.
 */
#define LV_CONNECT_RETRY 15.0

static void
quiet_error(void *opaque, virErrorPtr err)
{
	/* Errors are reported by us, with their subject, not printed by libvirt. */
	(void)opaque;
	(void)err;
}

static const char *
lv_msg(void)
{
	const char *m = virGetLastErrorMessage();

	return m ? m : "unknown libvirt error";
}

static int
lv_code(void)
{
	virErrorPtr e = virGetLastError();

	return e ? e->code : VIR_ERR_OK;
}

/*
 * Connects to uri, again for a while when the daemon's socket is there but
 * refuses (a daemon that died, not yet restarted); a socket that is not
 * there at all is a mistake of the setup, said at once.
 */
static virConnectPtr
lv_connect(const char *uri)
{
	double until = now_monotonic() + LV_CONNECT_RETRY;
	virConnectPtr conn;
	int said = 0;

	for (;;) {
		virErrorPtr e;

		conn = virConnectOpen(uri);
		e = virGetLastError();
		if (conn || e == NULL || e->domain != VIR_FROM_RPC ||
		    e->code != VIR_ERR_SYSTEM_ERROR || e->int1 != ECONNREFUSED ||
		    now_monotonic() >= until)
			return conn;
		if (!said++)
			log_warnx("libvirt at '%s' refuses connections: trying again for %.0f s",
				  uri, LV_CONNECT_RETRY);
		usleep(500 * 1000);
	}
}

static virConnectPtr
CONN(struct toolstack *ts)
{
	return ((struct lv_conn *)ts->priv)->conn;
}

static virDomainPtr
DOM(struct ts_domain *dom)
{
	return dom->priv;
}

static void
timer_fired(int timer, void *opaque)
{
	(void)timer;
	*(int *)opaque = 1;
}

/* One turn of the event loop: returns after dispatching, or after ms. */
static int
loop_once(int ms)
{
	int fired = 0, timer, rc;

	timer = virEventAddTimeout(ms, timer_fired, &fired, NULL);
	if (timer < 0)
		return errorx("cannot add a libvirt event timer: %s", lv_msg());
	rc = virEventRunDefaultImpl();
	virEventRemoveTimeout(timer);
	if (rc < 0)
		return errorx("libvirt event loop failed: %s", lv_msg());
	return 0;
}

static int
lifecycle_cb(virConnectPtr conn, virDomainPtr d, int event, int detail, void *opaque)
{
	struct toolstack *ts = opaque;
	enum ts_event ev = TS_EVENT_OTHER;
	const char *name = virDomainGetName(d);

	(void)conn;
	switch (event) {
	case VIR_DOMAIN_EVENT_STARTED:
		ev = TS_EVENT_STARTED;
		break;
	case VIR_DOMAIN_EVENT_STOPPED:
		/*
		 * FAILED: QEMU went away without a shutdown from the guest (killed,
		 * crashed, out of memory): the host's fault, not the guest's.
		 */
		ev = detail == VIR_DOMAIN_EVENT_STOPPED_CRASHED ? TS_EVENT_CRASHED
		   : detail == VIR_DOMAIN_EVENT_STOPPED_FAILED ? TS_EVENT_EMULATOR_DIED
		   : TS_EVENT_STOPPED;
		break;
	case VIR_DOMAIN_EVENT_CRASHED:
		ev = TS_EVENT_CRASHED;
		break;
	case VIR_DOMAIN_EVENT_SUSPENDED:
		ev = TS_EVENT_SUSPENDED;
		break;
	case VIR_DOMAIN_EVENT_RESUMED:
		ev = TS_EVENT_RESUMED;
		break;
	default:
		break;
	}
	if (name)
		ts_push_event(ts, name, ev);
	return 0;
}

/* A guest reset: QEMU runs on, so no lifecycle event says so. */
static void
reboot_cb(virConnectPtr conn, virDomainPtr d, void *opaque)
{
	const char *name = virDomainGetName(d);

	(void)conn;
	if (name)
		ts_push_event(opaque, name, TS_EVENT_REBOOTED);
}

static void
close_cb(virConnectPtr conn, int reason, void *opaque)
{
	struct lv_conn *lc = opaque;

	(void)conn;
	(void)reason;
	lc->closed = 1;
}

static int
lv_open(struct toolstack *ts, const struct toolstack_opts *opts)
{
	struct lv_conn *lc;

	if (opts->uri == NULL || *opts->uri == '\0')
		return errorx("toolstack 'libvirt' needs a connection URI (toolstack.uri)");
	if (!event_loop_ready) {
		virSetErrorFunc(NULL, quiet_error);
		if (virEventRegisterDefaultImpl() < 0)
			return errorx("cannot start libvirt's event loop: %s", lv_msg());
		event_loop_ready = 1;
	}
	lc = xcalloc(1, sizeof(*lc));
	lc->lifecycle_cb = -1;
	lc->reboot_cb = -1;
	lc->conn = lv_connect(opts->uri);
	if (lc->conn == NULL) {
		errorx("cannot connect to libvirt at '%s': %s", opts->uri, lv_msg());
		free(lc);
		return -1;
	}
	ts->priv = lc;
	/* Only remote connections have keepalives; local drivers refuse them. */
	virConnectSetKeepAlive(lc->conn, 5, 3);
	if (virConnectRegisterCloseCallback(lc->conn, close_cb, lc, NULL) == 0)
		lc->close_cb = 1;
	lc->lifecycle_cb = virConnectDomainEventRegisterAny(lc->conn, NULL,
			VIR_DOMAIN_EVENT_ID_LIFECYCLE,
			VIR_DOMAIN_EVENT_CALLBACK(lifecycle_cb), ts, NULL);
	if (lc->lifecycle_cb < 0)
		log_debug("no lifecycle events from '%s': %s", opts->uri, lv_msg());
	lc->reboot_cb = virConnectDomainEventRegisterAny(lc->conn, NULL,
			VIR_DOMAIN_EVENT_ID_REBOOT, VIR_DOMAIN_EVENT_CALLBACK(reboot_cb), ts, NULL);
	if (lc->reboot_cb < 0)
		log_debug("no reboot events from '%s': %s", opts->uri, lv_msg());
	return 0;
}

static void
lv_close(struct toolstack *ts)
{
	struct lv_conn *lc = ts->priv;

	if (lc == NULL)
		return;
	if (lc->lifecycle_cb >= 0)
		virConnectDomainEventDeregisterAny(lc->conn, lc->lifecycle_cb);
	if (lc->reboot_cb >= 0)
		virConnectDomainEventDeregisterAny(lc->conn, lc->reboot_cb);
	if (lc->close_cb)
		virConnectUnregisterCloseCallback(lc->conn, close_cb);
	virConnectClose(lc->conn);
	free(lc);
	ts->priv = NULL;
}

static int
lv_alive(struct toolstack *ts)
{
	struct lv_conn *lc = ts->priv;

	return !lc->closed && virConnectIsAlive(lc->conn) == 1;
}

static void
lv_domain_free(struct ts_domain *dom)
{
	if (dom->priv)
		virDomainFree(dom->priv);
	dom->priv = NULL;
}

static int
lv_define(struct ts_domain *dom, const char *xml)
{
	virDomainPtr d;
	const char *got;

	d = virDomainDefineXML(CONN(dom->ts), xml);
	if (d == NULL)
		return errorx("cannot define domain '%s': %s", dom->name, lv_msg());
	got = virDomainGetName(d);
	if (got == NULL || strcmp(got, dom->name) != 0) {
		errorx("domain '%s': the configuration names domain '%s'", dom->name,
		       got ? got : "?");
		virDomainUndefine(d);
		virDomainFree(d);
		return -1;
	}
	dom->priv = d;
	return 0;
}

static int
lv_lookup(struct ts_domain *dom)
{
	virDomainPtr d = virDomainLookupByName(CONN(dom->ts), dom->name);

	if (d == NULL) {
		if (lv_code() == VIR_ERR_NO_DOMAIN)
			return 0;
		return errorx("cannot look up domain '%s': %s", dom->name, lv_msg());
	}
	dom->priv = d;
	return 1;
}

static int
lv_list(struct toolstack *ts, const char *prefix, char ***names)
{
	virDomainPtr *doms = NULL;
	size_t plen = strlen(prefix);
	int n, i, k = 0;

	n = virConnectListAllDomains(CONN(ts), &doms, 0);
	if (n < 0)
		return errorx("cannot list the domains of '%s': %s", ts->uri, lv_msg());
	*names = xcalloc((size_t)n + 1, sizeof(char *));
	for (i = 0; i < n; i++) {
		const char *name = virDomainGetName(doms[i]);

		if (name && strncmp(name, prefix, plen) == 0)
			(*names)[k++] = xstrdup(name);
		virDomainFree(doms[i]);
	}
	free(doms);
	return k;
}

static int
lv_start(struct ts_domain *dom)
{
	if (virDomainCreate(DOM(dom)) < 0)
		return errorx("domain '%s' did not start: %s", dom->name, lv_msg());
	return 0;
}

static int
lv_destroy(struct ts_domain *dom)
{
	int active = virDomainIsActive(DOM(dom));

	if (active < 0)
		return errorx("cannot query domain '%s': %s", dom->name, lv_msg());
	if (active == 0)
		return 0;
	if (virDomainDestroy(DOM(dom)) < 0) {
		/* It may have stopped by itself between the two calls. */
		if (lv_code() == VIR_ERR_OPERATION_INVALID)
			return 0;
		return errorx("cannot destroy domain '%s': %s", dom->name, lv_msg());
	}
	return 0;
}

static int
lv_undefine(struct ts_domain *dom)
{
	unsigned int flags = VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
			     VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
			     VIR_DOMAIN_UNDEFINE_NVRAM;

	if (virDomainUndefineFlags(DOM(dom), flags) == 0)
		return 0;
	/* Drivers without NVRAM (test, older xen) refuse that flag; ask for less. */
	if ((lv_code() == VIR_ERR_INVALID_ARG || lv_code() == VIR_ERR_NO_SUPPORT) &&
	    virDomainUndefineFlags(DOM(dom), flags & ~VIR_DOMAIN_UNDEFINE_NVRAM) == 0)
		return 0;
	if ((lv_code() == VIR_ERR_INVALID_ARG || lv_code() == VIR_ERR_NO_SUPPORT) &&
	    virDomainUndefine(DOM(dom)) == 0)
		return 0;
	return errorx("cannot undefine domain '%s': %s", dom->name, lv_msg());
}

static int
lv_shutdown(struct ts_domain *dom)
{
	if (virDomainShutdown(DOM(dom)) < 0)
		return errorx("cannot ask domain '%s' to shut down: %s", dom->name, lv_msg());
	return 0;
}

static int
lv_save(struct ts_domain *dom, const char *path)
{
	if (virDomainSave(DOM(dom), path) < 0)
		return errorx("cannot save domain '%s' to '%s': %s", dom->name, path, lv_msg());
	return 0;
}

static int
lv_restore(struct ts_domain *dom, const char *path)
{
	virDomainPtr d;

	if (virDomainRestore(CONN(dom->ts), path) < 0)
		return errorx("cannot restore domain '%s' from '%s': %s", dom->name, path,
			      lv_msg());
	/* The restored domain is the same one; take a fresh handle anyway. */
	d = virDomainLookupByName(CONN(dom->ts), dom->name);
	if (d == NULL)
		return errorx("domain '%s' is missing after its restore: %s", dom->name,
			      lv_msg());
	virDomainFree(dom->priv);
	dom->priv = d;
	return 0;
}

static int
lv_state(struct ts_domain *dom, enum ts_state *state)
{
	int st, reason;

	if (virDomainGetState(DOM(dom), &st, &reason, 0) < 0) {
		if (lv_code() == VIR_ERR_NO_DOMAIN) {
			*state = TS_STATE_UNDEFINED;
			return 0;
		}
		return errorx("cannot get the state of domain '%s': %s", dom->name, lv_msg());
	}
	switch (st) {
	case VIR_DOMAIN_RUNNING:
	case VIR_DOMAIN_BLOCKED:
		*state = TS_STATE_RUNNING;
		break;
	case VIR_DOMAIN_PAUSED:
	case VIR_DOMAIN_PMSUSPENDED:
		*state = TS_STATE_PAUSED;
		break;
	case VIR_DOMAIN_SHUTDOWN:
		*state = TS_STATE_SHUTTING_DOWN;
		break;
	case VIR_DOMAIN_SHUTOFF:
		*state = TS_STATE_OFF;
		break;
	case VIR_DOMAIN_CRASHED:
		*state = TS_STATE_CRASHED;
		break;
	default:
		*state = TS_STATE_OTHER;
		break;
	}
	return 0;
}

static int
xml_safe(const char *s)
{
	return strpbrk(s, "<>&'\"") == NULL;
}

static int
lv_media_change(struct ts_domain *dom, const char *target, const char *path)
{
	struct strbuf xml;
	unsigned int flags = VIR_DOMAIN_DEVICE_MODIFY_FORCE;
	int active, rc;

	if (path && !xml_safe(path))
		return errorx("domain '%s': medium path '%s' has characters not allowed in XML",
			      dom->name, path);
	active = virDomainIsActive(DOM(dom));
	if (active < 0)
		return errorx("cannot query domain '%s': %s", dom->name, lv_msg());
	flags |= active ? VIR_DOMAIN_AFFECT_LIVE : VIR_DOMAIN_AFFECT_CONFIG;
	strbuf_init(&xml);
	strbuf_adds(&xml, "<disk type='file' device='cdrom'>");
	if (strcmp(dom->ts->domain_type, "xen") != 0)
		strbuf_adds(&xml, "<driver name='qemu' type='raw'/>");
	if (path)
		strbuf_addf(&xml, "<source file='%s'/>", path);
	strbuf_addf(&xml, "<target dev='%s' bus='ide'/><readonly/></disk>", target);
	rc = virDomainUpdateDeviceFlags(DOM(dom), xml.buf, flags);
	strbuf_release(&xml);
	if (rc < 0) {
		if (path)
			return errorx("cannot insert '%s' into drive '%s' of domain '%s': %s",
				      path, target, dom->name, lv_msg());
		return errorx("cannot eject drive '%s' of domain '%s': %s", target,
			      dom->name, lv_msg());
	}
	return 0;
}

static int
lv_wait(struct toolstack *ts, int timeout_ms)
{
	(void)ts;
	return loop_once(timeout_ms);
}

static void
stream_cb(virStreamPtr st, int events, void *opaque)
{
	struct lv_console *lcon = opaque;

	if (events & VIR_STREAM_EVENT_READABLE) {
		while (lcon->len < sizeof(lcon->buf)) {
			int n = virStreamRecv(st, (char *)lcon->buf + lcon->len,
					      sizeof(lcon->buf) - lcon->len);

			if (n == -2)
				break;
			if (n == 0) {
				lcon->eof = 1;
				break;
			}
			if (n < 0) {
				lcon->err = 1;
				break;
			}
			lcon->len += (size_t)n;
		}
	}
	if (events & (VIR_STREAM_EVENT_ERROR | VIR_STREAM_EVENT_HANGUP))
		lcon->eof = 1;
	if (lcon->eof || lcon->err || lcon->len == sizeof(lcon->buf)) {
		/* Stop asking until the reader has made room (or for good). */
		virStreamEventUpdateCallback(st, 0);
		lcon->reading = 0;
	}
}

static int
lv_console_open(struct ts_console *con, const char *dev)
{
	struct lv_console *lcon;

	lcon = xcalloc(1, sizeof(*lcon));
	lcon->st = virStreamNew(CONN(con->dom->ts), VIR_STREAM_NONBLOCK);
	if (lcon->st == NULL) {
		free(lcon);
		return errorx("cannot make a stream for the console of domain '%s': %s",
			      con->dom->name, lv_msg());
	}
	if (virDomainOpenConsole(DOM(con->dom), dev, lcon->st, VIR_DOMAIN_CONSOLE_FORCE) < 0) {
		errorx("cannot open console '%s' of domain '%s': %s", dev, con->dom->name,
		       lv_msg());
		virStreamFree(lcon->st);
		free(lcon);
		return -1;
	}
	if (virStreamEventAddCallback(lcon->st, VIR_STREAM_EVENT_READABLE |
				      VIR_STREAM_EVENT_ERROR | VIR_STREAM_EVENT_HANGUP,
				      stream_cb, lcon, NULL) < 0) {
		errorx("cannot watch console '%s' of domain '%s': %s", dev, con->dom->name,
		       lv_msg());
		virStreamAbort(lcon->st);
		virStreamFree(lcon->st);
		free(lcon);
		return -1;
	}
	lcon->cb = 1;
	lcon->reading = 1;
	con->priv = lcon;
	return 0;
}

static ssize_t
lv_console_read(struct ts_console *con, void *buf, size_t len, int timeout_ms)
{
	struct lv_console *lcon = con->priv;
	double deadline = now_monotonic() + timeout_ms / 1000.0;

	for (;;) {
		if (lcon->len > 0) {
			size_t n = lcon->len < len ? lcon->len : len;

			memcpy(buf, lcon->buf, n);
			memmove(lcon->buf, lcon->buf + n, lcon->len - n);
			lcon->len -= n;
			if (!lcon->reading && !lcon->eof && !lcon->err) {
				virStreamEventUpdateCallback(lcon->st, VIR_STREAM_EVENT_READABLE |
					VIR_STREAM_EVENT_ERROR | VIR_STREAM_EVENT_HANGUP);
				lcon->reading = 1;
			}
			return (ssize_t)n;
		}
		if (lcon->err)
			return errorx("console '%s' of domain '%s' failed: %s", con->dev,
				      con->dom->name, lv_msg());
		if (lcon->eof)
			return errorx("console '%s' of domain '%s' closed", con->dev,
				      con->dom->name);
		/* A daemon that died says nothing on the stream: its connection closes. */
		if (((struct lv_conn *)con->dom->ts->priv)->closed) {
			lcon->err = 1;
			return errorx("console '%s' of domain '%s': the connection to libvirt "
				      "was lost", con->dev, con->dom->name);
		}
		{
			double left = deadline - now_monotonic();

			if (left <= 0)
				return 0;
			if (loop_once((int)(left * 1000) + 1) < 0)
				return -1;
		}
	}
}

static int
lv_console_write(struct ts_console *con, const void *buf, size_t len, int timeout_ms)
{
	struct lv_console *lcon = con->priv;
	double deadline = now_monotonic() + timeout_ms / 1000.0;
	size_t off = 0;

	while (off < len) {
		int n = virStreamSend(lcon->st, (const char *)buf + off, len - off);

		if (n == -2) {
			if (now_monotonic() >= deadline)
				return errorx("console '%s' of domain '%s' took no input for %d ms",
					      con->dev, con->dom->name, timeout_ms);
			if (loop_once(20) < 0)
				return -1;
			continue;
		}
		if (n < 0)
			return errorx("cannot write to console '%s' of domain '%s': %s",
				      con->dev, con->dom->name, lv_msg());
		off += (size_t)n;
	}
	return 0;
}

static void
lv_console_close(struct ts_console *con)
{
	struct lv_console *lcon = con->priv;

	if (lcon == NULL)
		return;
	if (lcon->cb)
		virStreamEventRemoveCallback(lcon->st);
	virStreamAbort(lcon->st);
	virStreamFree(lcon->st);
	free(lcon);
	con->priv = NULL;
}

static int
lv_off_after_crash(struct ts_domain *dom)
{
	int st, reason;

	if (virDomainGetState(DOM(dom), &st, &reason, 0) < 0)
		return errorx("cannot get the state of domain '%s': %s", dom->name, lv_msg());
	return st == VIR_DOMAIN_SHUTOFF && reason == VIR_DOMAIN_SHUTOFF_CRASHED;
}

const struct ts_backend ts_backend_libvirt = {
	.name = "libvirt",
	.template_file = "domain.xml.in",
	.open = lv_open,
	.close = lv_close,
	.alive = lv_alive,
	.define = lv_define,
	.lookup = lv_lookup,
	.list = lv_list,
	.domain_free = lv_domain_free,
	.start = lv_start,
	.destroy = lv_destroy,
	.undefine = lv_undefine,
	.shutdown = lv_shutdown,
	.save = lv_save,
	.restore = lv_restore,
	.state = lv_state,
	.media_change = lv_media_change,
	.wait = lv_wait,
	.console_open = lv_console_open,
	.console_read = lv_console_read,
	.console_write = lv_console_write,
	.console_close = lv_console_close,
	.off_after_crash = lv_off_after_crash,
};
