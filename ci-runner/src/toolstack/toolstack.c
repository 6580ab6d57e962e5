/*
 * The toolstack dispatcher: checks arguments, then calls the backend chosen
 * at open time, or says the operation is not supported.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "toolstack-backend.h"
#include "util.h"

static const struct ts_backend *const backends[] = {
	&ts_backend_libvirt,
	&ts_backend_xl,
};

static int
unsupported(const struct toolstack *ts, const char *op)
{
	return errorx("operation '%s' is not supported by toolstack '%s'", op,
		      ts->be->name);
}

#define NEED_OP(ts, op)							\
	do {								\
		if ((ts)->be->op == NULL)				\
			return unsupported((ts), #op);			\
	} while (0)

const char *
ts_state_name(enum ts_state state)
{
	switch (state) {
	case TS_STATE_UNDEFINED:	return "undefined";
	case TS_STATE_OFF:		return "shut off";
	case TS_STATE_RUNNING:		return "running";
	case TS_STATE_PAUSED:		return "paused";
	case TS_STATE_SHUTTING_DOWN:	return "shutting down";
	case TS_STATE_CRASHED:		return "crashed";
	case TS_STATE_OTHER:		break;
	}
	return "other";
}

const char *
ts_event_name(enum ts_event event)
{
	switch (event) {
	case TS_EVENT_NONE:		return "none";
	case TS_EVENT_STARTED:		return "started";
	case TS_EVENT_STOPPED:		return "stopped";
	case TS_EVENT_CRASHED:		return "crashed";
	case TS_EVENT_SUSPENDED:	return "suspended";
	case TS_EVENT_RESUMED:		return "resumed";
	case TS_EVENT_REBOOTED:		return "rebooted";
	case TS_EVENT_OTHER:		break;
	case TS_EVENT_EMULATOR_DIED:	return "emulator died";
	}
	return "other";
}

struct toolstack *
toolstack_open(const struct toolstack_opts *opts)
{
	const struct ts_backend *be = NULL;
	struct toolstack *ts;
	size_t i;

	if (opts == NULL || opts->backend == NULL) {
		errorx("no toolstack backend given");
		return NULL;
	}
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strcmp(backends[i]->name, opts->backend) == 0)
			be = backends[i];
	if (be == NULL) {
		errorx("unknown toolstack '%s' (known: libvirt, xl)", opts->backend);
		return NULL;
	}
	if (opts->domain_type && strcmp(opts->domain_type, "kvm") &&
	    strcmp(opts->domain_type, "qemu") && strcmp(opts->domain_type, "xen")) {
		errorx("unknown domain type '%s' (known: kvm, qemu, xen)", opts->domain_type);
		return NULL;
	}
	ts = xcalloc(1, sizeof(*ts));
	ts->be = be;
	ts->domain_type = xstrdup(opts->domain_type ? opts->domain_type : "qemu");
	ts->uri = opts->uri ? xstrdup(opts->uri) : NULL;
	ts->state_dir = opts->state_dir ? xstrdup(opts->state_dir) : NULL;
	if (be->open(ts, opts) < 0) {
		free(ts->domain_type);
		free(ts->uri);
		free(ts->state_dir);
		free(ts);
		return NULL;
	}
	return ts;
}

void
toolstack_close(struct toolstack *ts)
{
	if (ts == NULL)
		return;
	/* Handles outliving their connection are the caller's bug; detach them. */
	while (ts->domains) {
		struct ts_domain *d = ts->domains;

		ts->domains = d->next;
		d->next = NULL;
		if (ts->be->domain_free)
			ts->be->domain_free(d);
		d->priv = NULL;
		d->ts = NULL;
	}
	ts->be->close(ts);
	free(ts->domain_type);
	free(ts->uri);
	free(ts->state_dir);
	free(ts);
}

const char *
toolstack_name(const struct toolstack *ts)
{
	return ts->be->name;
}

const char *
toolstack_domain_type(const struct toolstack *ts)
{
	return ts->domain_type;
}

const char *
toolstack_template_file(const struct toolstack *ts)
{
	return ts->be->template_file;
}

int
toolstack_alive(struct toolstack *ts)
{
	if (ts == NULL)
		return 0;
	if (ts->be->alive == NULL)
		return 1;
	return ts->be->alive(ts);
}

static struct ts_domain *
domain_new(struct toolstack *ts, const char *name)
{
	struct ts_domain *dom = xcalloc(1, sizeof(*dom));

	dom->ts = ts;
	dom->name = xstrdup(name);
	dom->next = ts->domains;
	ts->domains = dom;
	return dom;
}

void
ts_domain_free(struct ts_domain *dom)
{
	struct ts_domain **pp;

	if (dom == NULL)
		return;
	if (dom->ts) {
		for (pp = &dom->ts->domains; *pp; pp = &(*pp)->next)
			if (*pp == dom) {
				*pp = dom->next;
				break;
			}
		if (dom->ts->be->domain_free)
			dom->ts->be->domain_free(dom);
	}
	free(dom->name);
	free(dom);
}

const char *
ts_domain_name(const struct ts_domain *dom)
{
	return dom->name;
}

struct toolstack *
ts_domain_toolstack(struct ts_domain *dom)
{
	return dom->ts;
}

void
ts_push_event(struct toolstack *ts, const char *name, enum ts_event event)
{
	struct ts_domain *d;

	for (d = ts->domains; d; d = d->next) {
		if (strcmp(d->name, name) != 0)
			continue;
		if (d->nevents == TS_EVENT_QUEUE) {
			/* Keep the newest: the state now matters more than history. */
			memmove(d->events, d->events + 1,
				(TS_EVENT_QUEUE - 1) * sizeof(d->events[0]));
			d->nevents--;
		}
		d->events[d->nevents++] = event;
	}
}

int
toolstack_define(struct toolstack *ts, const char *name, const char *config,
		 struct ts_domain **out)
{
	struct ts_domain *dom;

	if (name == NULL || !name_is_valid(name))
		return errorx("invalid domain name '%s'", name ? name : "(null)");
	if (config == NULL || *config == '\0')
		return errorx("domain '%s': empty configuration", name);
	NEED_OP(ts, define);
	dom = domain_new(ts, name);
	if (ts->be->define(dom, config) < 0) {
		ts_domain_free(dom);
		return -1;
	}
	*out = dom;
	return 0;
}

int
toolstack_lookup(struct toolstack *ts, const char *name, struct ts_domain **out)
{
	struct ts_domain *dom;
	int r;

	*out = NULL;
	if (name == NULL || !name_is_valid(name))
		return errorx("invalid domain name '%s'", name ? name : "(null)");
	NEED_OP(ts, lookup);
	dom = domain_new(ts, name);
	r = ts->be->lookup(dom);
	if (r <= 0) {
		ts_domain_free(dom);
		return r;
	}
	*out = dom;
	return 1;
}

int
toolstack_list(struct toolstack *ts, const char *prefix, char ***names)
{
	*names = NULL;
	NEED_OP(ts, list);
	return ts->be->list(ts, prefix ? prefix : "", names);
}

#define DOM_OP(op, ...)							\
	do {								\
		if (dom == NULL || dom->ts == NULL)			\
			return errorx("operation '%s' on a closed domain handle", #op); \
		NEED_OP(dom->ts, op);					\
		return dom->ts->be->op(dom, ##__VA_ARGS__);		\
	} while (0)

int
toolstack_start(struct ts_domain *dom)
{
	DOM_OP(start);
}

int
toolstack_destroy(struct ts_domain *dom)
{
	DOM_OP(destroy);
}

int
toolstack_undefine(struct ts_domain *dom)
{
	DOM_OP(undefine);
}

int
toolstack_shutdown(struct ts_domain *dom)
{
	DOM_OP(shutdown);
}

int
toolstack_save(struct ts_domain *dom, const char *path)
{
	if (path == NULL || *path != '/')
		return errorx("domain '%s': save file '%s' must be an absolute path",
			      dom ? dom->name : "?", path ? path : "(null)");
	DOM_OP(save, path);
}

int
toolstack_restore(struct ts_domain *dom, const char *path)
{
	if (path == NULL || *path != '/')
		return errorx("domain '%s': restore file '%s' must be an absolute path",
			      dom ? dom->name : "?", path ? path : "(null)");
	DOM_OP(restore, path);
}

int
toolstack_state(struct ts_domain *dom, enum ts_state *state)
{
	*state = TS_STATE_OTHER;
	DOM_OP(state, state);
}

int
toolstack_off_after_crash(struct ts_domain *dom)
{
	if (dom == NULL || dom->ts == NULL || dom->ts->be->off_after_crash == NULL)
		return 0;
	return dom->ts->be->off_after_crash(dom);
}

int
toolstack_media_change(struct ts_domain *dom, const char *target, const char *path)
{
	if (target == NULL || !name_is_valid(target))
		return errorx("domain '%s': invalid drive '%s'", dom ? dom->name : "?",
			      target ? target : "(null)");
	if (path && *path != '/')
		return errorx("domain '%s': medium '%s' must be an absolute path",
			      dom ? dom->name : "?", path);
	DOM_OP(media_change, target, path);
}

int
toolstack_next_event(struct ts_domain *dom, enum ts_event *event)
{
	*event = TS_EVENT_NONE;
	if (dom == NULL || dom->nevents == 0)
		return 0;
	*event = dom->events[0];
	memmove(dom->events, dom->events + 1, (size_t)(dom->nevents - 1) * sizeof(dom->events[0]));
	dom->nevents--;
	return 1;
}

int
toolstack_wait(struct toolstack *ts, int timeout_ms)
{
	NEED_OP(ts, wait);
	return ts->be->wait(ts, timeout_ms < 0 ? 0 : timeout_ms);
}

int
toolstack_console_open(struct ts_domain *dom, const char *dev, struct ts_console **out)
{
	struct ts_console *con;

	*out = NULL;
	if (dom == NULL || dom->ts == NULL)
		return errorx("console of a closed domain handle");
	if (dev == NULL || !name_is_valid(dev))
		return errorx("domain '%s': invalid console device '%s'", dom->name,
			      dev ? dev : "(null)");
	NEED_OP(dom->ts, console_open);
	con = xcalloc(1, sizeof(*con));
	con->dom = dom;
	con->dev = xstrdup(dev);
	if (dom->ts->be->console_open(con, dev) < 0) {
		free(con->dev);
		free(con);
		return -1;
	}
	*out = con;
	return 0;
}

ssize_t
ts_console_read(struct ts_console *con, void *buf, size_t len, int timeout_ms)
{
	if (len == 0)
		return errorx("console read of zero bytes");
	return con->dom->ts->be->console_read(con, buf, len, timeout_ms < 0 ? 0 : timeout_ms);
}

int
ts_console_write(struct ts_console *con, const void *buf, size_t len, int timeout_ms)
{
	if (len == 0)
		return 0;
	return con->dom->ts->be->console_write(con, buf, len, timeout_ms < 0 ? 0 : timeout_ms);
}

void
ts_console_close(struct ts_console *con)
{
	if (con == NULL)
		return;
	if (con->dom && con->dom->ts && con->dom->ts->be->console_close)
		con->dom->ts->be->console_close(con);
	free(con->dev);
	free(con);
}

struct ts_domain *
ts_console_domain(struct ts_console *con)
{
	return con->dom;
}
