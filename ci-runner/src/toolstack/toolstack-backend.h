/*
 * What a toolstack backend provides: toolstack.c dispatches to one of these,
 * chosen by name. Only toolstack.c and the backends include this file.
 *
 * A backend keeps its own state behind the priv pointers: ts->priv for the
 * connection, dom->priv for a domain, the console's priv for a console.
 * Every operation may be NULL, meaning "not supported"; the wrappers in
 * toolstack.c say so. Operations report their own errors and return -1.
 */
#ifndef PVCI_TOOLSTACK_BACKEND_H
#define PVCI_TOOLSTACK_BACKEND_H

#include "toolstack.h"

struct ts_backend {
	const char *name;
	const char *template_file;	/* guest-images/KIND/<this> */

	int (*open)(struct toolstack *ts, const struct toolstack_opts *opts);
	void (*close)(struct toolstack *ts);
	int (*alive)(struct toolstack *ts);

	int (*define)(struct ts_domain *dom, const char *config);
	int (*lookup)(struct ts_domain *dom);	/* 1 found, 0 none, -1 error */
	int (*list)(struct toolstack *ts, const char *prefix, char ***names);
	void (*domain_free)(struct ts_domain *dom);

	int (*start)(struct ts_domain *dom);
	int (*destroy)(struct ts_domain *dom);
	int (*undefine)(struct ts_domain *dom);
	int (*shutdown)(struct ts_domain *dom);
	int (*save)(struct ts_domain *dom, const char *path);
	int (*restore)(struct ts_domain *dom, const char *path);
	int (*state)(struct ts_domain *dom, enum ts_state *state);
	int (*media_change)(struct ts_domain *dom, const char *target, const char *path);

	int (*wait)(struct toolstack *ts, int timeout_ms);

	int (*console_open)(struct ts_console *con, const char *dev);
	ssize_t (*console_read)(struct ts_console *con, void *buf, size_t len, int timeout_ms);
	int (*console_write)(struct ts_console *con, const void *buf, size_t len, int timeout_ms);
	void (*console_close)(struct ts_console *con);
	/* Optional: 1 when the domain is off because it crashed, else 0; -1 on error. */
	int (*off_after_crash)(struct ts_domain *dom);
};

extern const struct ts_backend ts_backend_libvirt;
extern const struct ts_backend ts_backend_xl;

/* The shared parts; backends read them, toolstack.c owns them. */
struct toolstack {
	const struct ts_backend *be;
	char *domain_type;
	char *uri;
	char *state_dir;
	struct ts_domain *domains;	/* every live handle, for events */
	void *priv;
};

#define TS_EVENT_QUEUE 32

struct ts_domain {
	struct toolstack *ts;
	char *name;
	struct ts_domain *next;
	enum ts_event events[TS_EVENT_QUEUE];
	int nevents;
	void *priv;
};

struct ts_console {
	struct ts_domain *dom;
	char *dev;
	void *priv;
};

/* Queues a lifecycle event for every handle of the domain name. */
void ts_push_event(struct toolstack *ts, const char *name, enum ts_event event);

#endif
