/*
 * The xenstore-state check: frontends and backends of a guest, from an
 * "xenstore-ls -f" listing (see xenstore-state.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "xenstore-state.h"

struct xs_entry {
	char *path;
	char *value;
};

struct xs_table {
	struct xs_entry *e;
	size_t n, alloc;
};

const char *
xenbus_state_name(int state)
{
	static const char *const names[] = {
		"unknown", "initialising", "init-wait", "initialised", "connected",
		"closing", "closed", "reconfiguring", "reconfigured",
	};

	if (state < 0 || state >= (int)(sizeof(names) / sizeof(names[0])))
		return "unknown";
	return names[state];
}

static void
table_free(struct xs_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->e[i].path);
		free(t->e[i].value);
	}
	free(t->e);
}

/* "PATH = \"VALUE\"" lines into t; -1 at the first other line. */
static int
parse(const char *listing, struct xs_table *t, struct strbuf *report)
{
	const char *p = listing;
	int lineno = 0;

	while (*p) {
		size_t len = strcspn(p, "\n");
		const char *eq = NULL, *q;

		lineno++;
		for (q = p; q + 3 <= p + len; q++)
			if (strncmp(q, " = ", 3) == 0) {
				eq = q;
				break;
			}
		if (len > 0) {
			const char *v;
			size_t vlen;

			if (p[0] != '/' || eq == NULL) {
				strbuf_addf(report, "line %d of the listing is not 'PATH = \"VALUE\"': %.*s\n",
					    lineno, (int)(len > 200 ? 200 : len), p);
				return -1;
			}
			v = eq + 3;
			vlen = (size_t)(p + len - v);
			if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
				v++;
				vlen -= 2;
			}
			if (t->n == t->alloc) {
				t->alloc = t->alloc ? 2 * t->alloc : 64;
				t->e = xrealloc(t->e, t->alloc * sizeof(*t->e));
			}
			t->e[t->n].path = xasprintf("%.*s", (int)(eq - p), p);
			t->e[t->n].value = xasprintf("%.*s", (int)vlen, v);
			t->n++;
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	return 0;
}

static const char *
lookup(const struct xs_table *t, const char *path)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->e[i].path, path) == 0)
			return t->e[i].value;
	return NULL;
}

/* A state value: 0..8, or -1 when missing or not a number. */
static int
state_of(const char *value)
{
	long v;

	if (value == NULL || parse_long(value, &v) < 0 || v < 0 || v > 8)
		return -1;
	return (int)v;
}

static void
describe(struct strbuf *report, const char *side, int state)
{
	if (state < 0)
		strbuf_addf(report, "%s missing", side);
	else
		strbuf_addf(report, "%s %d (%s)", side, state, xenbus_state_name(state));
}

int
xenstore_state_check(const char *listing, long domid, struct strbuf *report,
		     struct xs_check *out)
{
	struct xs_table t = { 0 };
	char *front = xasprintf("/local/domain/%ld/device/", domid);
	char *back_mid = xasprintf("/%ld/", domid);
	size_t flen = strlen(front);
	int rc;

	memset(out, 0, sizeof(*out));
	if (parse(listing, &t, report) < 0) {
		rc = -1;
		goto out;
	}
	/* Frontends: .../device/TYPE/DEVID/state. */
	for (size_t i = 0; i < t.n; i++) {
		const char *rel = t.e[i].path + flen, *slash;
		char *dev, *bpath, *bstate_path;
		int fs, bs;

		if (strncmp(t.e[i].path, front, flen) != 0)
			continue;
		slash = strchr(rel, '/');
		if (slash == NULL || strchr(slash + 1, '/') == NULL ||
		    strcmp(strchr(slash + 1, '/'), "/state") != 0)
			continue;
		dev = xasprintf("%.*s", (int)(strrchr(rel, '/') - rel), rel);
		{
			char *bkey = xasprintf("%s%s/backend", front, dev);
			const char *b = lookup(&t, bkey);

			bpath = b ? xstrdup(b)
				  : xasprintf("/local/domain/0/backend/%.*s/%ld%s",
					      (int)(slash - rel), rel, domid, slash);
			free(bkey);
		}
		bstate_path = xasprintf("%s/state", bpath);
		fs = state_of(t.e[i].value);
		bs = state_of(lookup(&t, bstate_path));
		out->devices++;
		if (fs == XENBUS_STATE_CONNECTED && bs == XENBUS_STATE_CONNECTED)
			out->connected++;
		strbuf_addf(report, "%s: ", dev);
		describe(report, "frontend", fs);
		strbuf_adds(report, ", ");
		describe(report, "backend", bs);
		strbuf_addf(report, " (%s)\n", bpath);
		free(dev);
		free(bpath);
		free(bstate_path);
	}
	/* Backends of this guest with no frontend: .../backend/TYPE/DOMID/DEVID/state. */
	for (size_t i = 0; i < t.n; i++) {
		const char *p = t.e[i].path, *b = strstr(p, "/backend/"), *type, *mid;
		char *fkey;

		if (strncmp(p, "/local/domain/", 14) != 0 || b == NULL)
			continue;
		type = b + strlen("/backend/");
		mid = strchr(type, '/');
		if (mid == NULL || strncmp(mid, back_mid, strlen(back_mid)) != 0)
			continue;
		{
			const char *devid = mid + strlen(back_mid), *end = strchr(devid, '/');

			if (end == NULL || strcmp(end, "/state") != 0)
				continue;
			fkey = xasprintf("%s%.*s/%.*s/state", front, (int)(mid - type), type,
					 (int)(end - devid), devid);
		}
		if (lookup(&t, fkey) == NULL && strncmp(type, "console/", 8) != 0) {
			out->devices++;
			strbuf_addf(report, "%.*s: frontend missing, ", (int)(strlen(type) - 6), type);
			describe(report, "backend", state_of(t.e[i].value));
			strbuf_addf(report, " (%.*s)\n", (int)(strlen(p) - 6), p);
		}
		free(fkey);
	}
	if (out->devices == 0)
		strbuf_addf(report, "no PV device of domain %ld in xenstore\n", domid);
	rc = out->devices > 0 && out->connected == out->devices ? 0 : 1;
out:
	table_free(&t);
	free(front);
	free(back_mid);
	return rc;
}
