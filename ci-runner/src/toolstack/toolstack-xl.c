/*
 * The xl backend: Xen's xl command, run with an argv. xl keeps no
 * definitions of its own, so "define" writes NAME.cfg into the state
 * directory and "undefine" removes it; the rest maps onto xl subcommands.
 *
 * Not supported (the wrappers say so): consoles, because "xl console" wants a
 * terminal and a pty transport is not written yet, and lifecycle events
 * (toolstack_wait only sleeps; callers poll the state instead).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "toolstack-backend.h"
#include "util.h"
#include "xl-list.h"

#define XL_TIMEOUT 120.0

static int
xl_run(const char *what, const char *const argv[], char **out)
{
	struct proc_opts o = {
		.out_fd = 2,
		.capture = out,
		.capture_max = 64 * 1024,
		.timeout = XL_TIMEOUT,
	};
	int rc = proc_run(argv, &o);

	if (rc == 0)
		return 0;
	if (rc > 0)
		errorx("%s: 'xl %s' exited with status %d", what, argv[1], rc);
	return -1;
}

static char *
cfg_path(struct ts_domain *dom)
{
	char *file = xasprintf("%s.cfg", dom->name);
	char *path = path_join(dom->ts->state_dir, file);

	free(file);
	return path;
}

static int
xl_open(struct toolstack *ts, const struct toolstack_opts *opts)
{
	(void)opts;
	if (ts->state_dir == NULL)
		return errorx("toolstack 'xl' needs a directory for its xl.cfg files");
	if (mkdir_p(ts->state_dir, 0755) < 0)
		return -1;
	return 0;
}

static void
xl_close(struct toolstack *ts)
{
	(void)ts;
}

static int
xl_alive(struct toolstack *ts)
{
	const char *argv[] = { "xl", "info", NULL };
	char *out = NULL;
	int rc;

	(void)ts;
	rc = xl_run("toolstack 'xl'", argv, &out);
	free(out);
	return rc == 0;
}

static int
xl_define(struct ts_domain *dom, const char *config)
{
	char *path = cfg_path(dom);
	int rc;

	rc = write_file_atomic(path, config, strlen(config), 0644);
	free(path);
	return rc;
}

/*
 * The line of "xl list" (every domain) whose first column is the name, in
 * *line (caller frees): 1 when xl lists the domain, 0 when it does not, -1
 * when xl itself failed (no hypervisor: "cannot init xl context"). Only a
 * listing that worked may say "not running": a failing xl is a broken
 * host, not a guest state.
 */
static int
xl_find(struct ts_domain *dom, char **line)
{
	const char *argv[] = { "xl", "list", NULL };
	char *out = NULL, *what = xasprintf("toolstack 'xl': cannot list domains "
					    "(looking for '%s')", dom->name);
	int rc;

	if (line)
		*line = NULL;
	rc = xl_run(what, argv, &out);
	free(what);
	if (rc < 0) {
		free(out);
		return -1;
	}
	rc = xl_list_find(out, dom->name, line);
	free(out);
	return rc;
}

static int
xl_lookup(struct ts_domain *dom)
{
	char *path = cfg_path(dom);
	int found = file_exists(path);

	free(path);
	return found ? 1 : xl_find(dom, NULL);
}

static int
xl_list(struct toolstack *ts, const char *prefix, char ***names)
{
	size_t plen = strlen(prefix), n = 0, alloc = 8;
	struct dirent *de;
	DIR *dir;

	dir = opendir(ts->state_dir);
	if (dir == NULL)
		return error("cannot list '%s'", ts->state_dir);
	*names = xcalloc(alloc, sizeof(char *));
	while ((de = readdir(dir)) != NULL) {
		size_t len = strlen(de->d_name);

		if (len < 5 || strcmp(de->d_name + len - 4, ".cfg") != 0 ||
		    strncmp(de->d_name, prefix, plen) != 0)
			continue;
		if (n + 2 > alloc) {
			alloc *= 2;
			*names = xrealloc(*names, alloc * sizeof(char *));
		}
		(*names)[n++] = xasprintf("%.*s", (int)(len - 4), de->d_name);
		(*names)[n] = NULL;
	}
	closedir(dir);
	return (int)n;
}

static int
xl_start(struct ts_domain *dom)
{
	char *path = cfg_path(dom), *what = xasprintf("domain '%s' did not start", dom->name);
	const char *argv[] = { "xl", "create", path, NULL };
	int rc = xl_run(what, argv, NULL);

	free(what);
	free(path);
	return rc;
}

static int
xl_simple(struct ts_domain *dom, const char *verb, const char *what, const char *arg)
{
	const char *argv[] = { "xl", verb, dom->name, arg, NULL };
	char *msg = xasprintf("cannot %s domain '%s'", what, dom->name);
	int rc = xl_run(msg, argv, NULL);

	free(msg);
	return rc;
}

static int
xl_destroy(struct ts_domain *dom)
{
	int r = xl_find(dom, NULL);

	if (r <= 0)
		return r;
	return xl_simple(dom, "destroy", "destroy", NULL);
}

static int
xl_undefine(struct ts_domain *dom)
{
	char *path = cfg_path(dom);
	int rc = 0;

	if (unlink(path) < 0 && errno != ENOENT)
		rc = error("cannot undefine domain '%s': cannot remove '%s'", dom->name, path);
	free(path);
	return rc;
}

static int
xl_shutdown(struct ts_domain *dom)
{
	return xl_simple(dom, "shutdown", "shut down", NULL);
}

static int
xl_save(struct ts_domain *dom, const char *path)
{
	return xl_simple(dom, "save", "save", path);
}

static int
xl_restore(struct ts_domain *dom, const char *path)
{
	char *cfg = cfg_path(dom), *what = xasprintf("cannot restore domain '%s'", dom->name);
	const char *argv[] = { "xl", "restore", cfg, path, NULL };
	int rc = xl_run(what, argv, NULL);

	free(what);
	free(cfg);
	return rc;
}

static int
xl_state(struct ts_domain *dom, enum ts_state *state)
{
	char *line = NULL;
	int r = xl_find(dom, &line);

	if (r < 0)
		return -1;
	if (r == 0) {
		char *path = cfg_path(dom);

		*state = file_exists(path) ? TS_STATE_OFF : TS_STATE_UNDEFINED;
		free(path);
		return 0;
	}
	*state = xl_list_state(line);
	free(line);
	return 0;
}

static int
xl_media_change(struct ts_domain *dom, const char *target, const char *path)
{
	char *what = xasprintf("cannot change the medium of drive '%s' of domain '%s'",
			       target, dom->name);
	const char *ins[] = { "xl", "cd-insert", dom->name, target, path, NULL };
	const char *ej[] = { "xl", "cd-eject", dom->name, target, NULL };
	int rc = xl_run(what, path ? ins : ej, NULL);

	free(what);
	return rc;
}

static int
xl_wait(struct toolstack *ts, int timeout_ms)
{
	(void)ts;
	usleep((useconds_t)timeout_ms * 1000);
	return 0;
}

const struct ts_backend ts_backend_xl = {
	.name = "xl",
	.template_file = "xl.cfg.in",
	.open = xl_open,
	.close = xl_close,
	.alive = xl_alive,
	.define = xl_define,
	.lookup = xl_lookup,
	.list = xl_list,
	.start = xl_start,
	.destroy = xl_destroy,
	.undefine = xl_undefine,
	.shutdown = xl_shutdown,
	.save = xl_save,
	.restore = xl_restore,
	.state = xl_state,
	.media_change = xl_media_change,
	.wait = xl_wait,
};
