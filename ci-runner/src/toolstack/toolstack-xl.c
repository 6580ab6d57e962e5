/*
 * The xl backend: Xen's xl command, run with an argv, either on this
 * machine or in a Xen host's dom0 over SSH (as OSSTEST does), when the
 * toolstack's uri is "ssh://USER@HOST:PORT". xl keeps no definitions of its
 * own, so "define" writes NAME.cfg into the state directory and "undefine"
 * removes it; over SSH "start" and "restore" first copy the file to dom0
 * (XL_REMOTE_CFG_DIR), as the file xl reads must be dom0's.
 *
 * Over SSH, ssh gets BatchMode, the instance's key only, and a known_hosts
 * file pinning the host's key (StrictHostKeyChecking=yes); the remote
 * command is the argv, each word quoted for dom0's shell. ssh exiting 255
 * is a dead link, 127 is a missing xl: both are reported with that reason
 * and fail the operation; toolstack_alive ("xl info") then says 0, which
 * steps turn into "broken", never into a guest state.
 *
 * "xl shutdown" is bounded here: the guest gets shutdown_timeout seconds
 * to go, then it is destroyed (with a warning), so toolstack_shutdown of
 * this backend returns with the domain gone.
 *
 * Not supported (the wrappers say so): consoles, because "xl console" wants a
 * terminal and a pty transport is not written yet, and lifecycle events
 * (toolstack_wait only sleeps; callers poll the state instead).
 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "ssh.h"
#include "toolstack-backend.h"
#include "util.h"
#include "xl-list.h"

#define XL_TIMEOUT 600.0
#define XL_LIST_MAX (4 * 1024 * 1024)
#define XL_REMOTE_CFG_DIR "/var/lib/pvci/cfg"
#define XL_SHUTDOWN_DEFAULT 60

struct xl_priv {
	char *ssh_target;	/* "root@127.0.0.1", or NULL: xl runs here */
	char *ssh_port;
	char *ssh_key;
	char *ssh_known_hosts;
	char *ssh_control;
	int shutdown_timeout;
};

#define PRIV(ts) ((struct xl_priv *)(ts)->priv)

/*
 * Runs a command in dom0 (remote: a shell command line) or here (argv).
 * Exactly one of argv, remote is used: remote only over SSH. Returns 0, or
 * -1 with the reason reported under what.
 */
static int
xl_exec(struct toolstack *ts, const char *what, const char *const argv[], const char *remote,
	char **out, int quiet)
{
	struct xl_priv *p = PRIV(ts);
	struct proc_opts o = {
		.out_fd = quiet ? -1 : 2,
		.capture = out,
		.capture_max = XL_LIST_MAX,
		.timeout = XL_TIMEOUT,
	};
	struct strbuf cmd;
	int rc;

	if (p->ssh_target == NULL) {
		rc = proc_run(argv, &o);
		if (rc == 0)
			return 0;
		if (rc > 0)
			errorx("%s: 'xl %s' exited with status %d", what, argv[1], rc);
		return -1;
	}
	strbuf_init(&cmd);
	if (remote)
		strbuf_adds(&cmd, remote);
	else
		for (size_t i = 0; argv[i]; i++) {
			if (i)
				strbuf_adds(&cmd, " ");
			ssh_quote(&cmd, argv[i]);
		}
	{
		struct ssh_target t = { p->ssh_target, p->ssh_port, p->ssh_key,
					p->ssh_known_hosts, p->ssh_control };

		rc = ssh_run(&t, cmd.buf, &o);
	}
	if (rc == SSH_LINK_FAILED)
		errorx("%s: the SSH link to '%s' port %s failed (dom0 down or unreachable)",
		       what, p->ssh_target, p->ssh_port);
	else if (rc == 127)
		errorx("%s: '%s' not found in dom0 of '%s' port %s", what,
		       remote ? "a command" : argv[0], p->ssh_target, p->ssh_port);
	else if (rc > 0)
		errorx("%s: '%s' in dom0 exited with status %d", what,
		       remote ? cmd.buf : argv[1] ? argv[1] : argv[0], rc);
	strbuf_release(&cmd);
	return rc == 0 ? 0 : -1;
}

static int
xl_run(struct toolstack *ts, const char *what, const char *const argv[], char **out)
{
	return xl_exec(ts, what, argv, NULL, out, 0);
}

static char *
cfg_path(struct ts_domain *dom)
{
	char *file = xasprintf("%s.cfg", dom->name);
	char *path = path_join(dom->ts->state_dir, file);

	free(file);
	return path;
}

/*
 * The xl.cfg path xl must read: the local one, or over SSH a copy put into
 * dom0 now. Caller frees.
 */
static char *
cfg_for_xl(struct ts_domain *dom)
{
	char *local = cfg_path(dom), *remote, *text, *what;
	struct strbuf cmd;
	int rc;

	if (PRIV(dom->ts)->ssh_target == NULL)
		return local;
	text = read_file(local, 1024 * 1024, NULL);
	free(local);
	if (text == NULL)
		return NULL;
	remote = xasprintf("%s/%s.cfg", XL_REMOTE_CFG_DIR, dom->name);
	strbuf_init(&cmd);
	strbuf_adds(&cmd, "mkdir -p " XL_REMOTE_CFG_DIR " && printf %s ");
	ssh_quote(&cmd, text);
	strbuf_adds(&cmd, " > ");
	ssh_quote(&cmd, remote);
	what = xasprintf("domain '%s': cannot copy its xl.cfg to dom0", dom->name);
	rc = xl_exec(dom->ts, what, NULL, cmd.buf, NULL, 0);
	free(what);
	strbuf_release(&cmd);
	free(text);
	if (rc < 0) {
		free(remote);
		return NULL;
	}
	return remote;
}

/* "ssh://USER@HOST:PORT" into the private state. */
static int
parse_ssh_uri(struct xl_priv *p, const char *uri)
{
	const char *rest = uri + strlen("ssh://"), *colon = strrchr(rest, ':');
	long port;

	if (colon == NULL || colon == rest || strchr(rest, '/') ||
	    parse_long(colon + 1, &port) < 0 || port < 1 || port > 65535)
		return errorx("toolstack 'xl': uri '%s' is not ssh://USER@HOST:PORT", uri);
	p->ssh_target = xasprintf("%.*s", (int)(colon - rest), rest);
	p->ssh_port = xasprintf("%ld", port);
	return 0;
}

static void xl_close(struct toolstack *ts);

static int
xl_open(struct toolstack *ts, const struct toolstack_opts *opts)
{
	struct xl_priv *p = xcalloc(1, sizeof(*p));

	ts->priv = p;
	p->shutdown_timeout = opts->shutdown_timeout > 0 ? opts->shutdown_timeout
							 : XL_SHUTDOWN_DEFAULT;
	if (ts->state_dir == NULL) {
		errorx("toolstack 'xl' needs a directory for its xl.cfg files");
		goto fail;
	}
	if (opts->uri && strncmp(opts->uri, "ssh://", 6) == 0) {
		if (parse_ssh_uri(p, opts->uri) < 0)
			goto fail;
		if (opts->ssh_key == NULL || opts->ssh_known_hosts == NULL) {
			errorx("toolstack 'xl': uri '%s' needs an SSH key and a known_hosts file",
			       opts->uri);
			goto fail;
		}
		p->ssh_key = xstrdup(opts->ssh_key);
		p->ssh_known_hosts = xstrdup(opts->ssh_known_hosts);
		p->ssh_control = opts->ssh_control ? xstrdup(opts->ssh_control) : NULL;
	} else if (opts->uri && *opts->uri) {
		errorx("toolstack 'xl': uri '%s' is not ssh://USER@HOST:PORT", opts->uri);
		goto fail;
	}
	if (mkdir_p(ts->state_dir, 0755) < 0)
		goto fail;
	return 0;
fail:
	xl_close(ts);
	return -1;
}

static void
xl_close(struct toolstack *ts)
{
	struct xl_priv *p = PRIV(ts);

	if (p == NULL)
		return;
	free(p->ssh_target);
	free(p->ssh_port);
	free(p->ssh_key);
	free(p->ssh_known_hosts);
	free(p->ssh_control);
	free(p);
	ts->priv = NULL;
}

static int
xl_alive(struct toolstack *ts)
{
	const char *argv[] = { "xl", "info", NULL };
	char *out = NULL;
	int rc;

	rc = xl_run(ts, "toolstack 'xl'", argv, &out);
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
 * The domains xl knows ("xl list -l", JSON): names in *names (a
 * NULL-terminated array, caller frees), or -1 when xl itself failed or its
 * output is not the JSON expected. A failing xl is a broken host, never "no
 * such domain".
 */
static int
xl_names(struct toolstack *ts, const char *prefix, char ***names)
{
	const char *argv[] = { "xl", "list", "-l", NULL };
	char *out = NULL;
	json_error_t jerr;
	json_t *root, *d;
	size_t i, n = 0, plen = strlen(prefix);

	*names = NULL;
	if (xl_run(ts, "toolstack 'xl': cannot list domains", argv, &out) < 0) {
		free(out);
		return -1;
	}
	/* xl prints nothing at all when only dom0 runs on some versions. */
	root = json_loads(out && *out ? out : "[]", 0, &jerr);
	free(out);
	if (root == NULL || !json_is_array(root)) {
		json_decref(root);
		return errorx("toolstack 'xl': 'xl list -l' output is not a JSON array (%s, line %d)",
			      root ? "not an array" : jerr.text, jerr.line);
	}
	*names = xcalloc(json_array_size(root) + 1, sizeof(char *));
	json_array_foreach(root, i, d) {
		const char *name = json_string_value(json_object_get(
			json_object_get(json_object_get(d, "config"), "c_info"), "name"));

		if (name && strncmp(name, prefix, plen) == 0)
			(*names)[n++] = xstrdup(name);
	}
	json_decref(root);
	return (int)n;
}

static void
free_names(char **names)
{
	for (size_t i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
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
	rc = xl_run(dom->ts, what, argv, &out);
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
	char *path = cfg_path(dom), **names = NULL;
	int found = file_exists(path), n, i;

	free(path);
	if (found)
		return 1;
	n = xl_names(dom->ts, dom->name, &names);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (strcmp(names[i], dom->name) == 0)
			found = 1;
	free_names(names);
	return found;
}

/* Defined (an xl.cfg here) or running (xl lists it), each name once. */
static int
xl_list(struct toolstack *ts, const char *prefix, char ***names)
{
	size_t plen = strlen(prefix), n = 0, alloc = 8;
	char **running = NULL;
	struct dirent *de;
	DIR *dir;
	int nrun, i;

	nrun = xl_names(ts, prefix, &running);
	if (nrun < 0)
		return -1;
	dir = opendir(ts->state_dir);
	if (dir == NULL) {
		free_names(running);
		return error("cannot list '%s'", ts->state_dir);
	}
	*names = xcalloc(alloc, sizeof(char *));
	while ((de = readdir(dir)) != NULL || nrun > 0) {
		char *name;
		size_t k;

		if (de) {
			size_t len = strlen(de->d_name);

			if (len < 5 || strcmp(de->d_name + len - 4, ".cfg") != 0 ||
			    strncmp(de->d_name, prefix, plen) != 0)
				continue;
			name = xasprintf("%.*s", (int)(len - 4), de->d_name);
		} else {
			name = running[--nrun];
			running[nrun] = NULL;
		}
		for (k = 0; k < n && strcmp((*names)[k], name) != 0; k++)
			;
		if (k < n) {
			free(name);
			continue;
		}
		if (n + 2 > alloc) {
			alloc *= 2;
			*names = xrealloc(*names, alloc * sizeof(char *));
		}
		(*names)[n++] = name;
		(*names)[n] = NULL;
	}
	closedir(dir);
	for (i = 0; running[i]; i++)
		free(running[i]);
	free(running);
	return (int)n;
}

static int
xl_start(struct ts_domain *dom)
{
	char *path = cfg_for_xl(dom), *what;
	int rc;

	if (path == NULL)
		return -1;
	what = xasprintf("domain '%s' did not start", dom->name);
	{
		const char *argv[] = { "xl", "create", path, NULL };

		rc = xl_run(dom->ts, what, argv, NULL);
	}
	free(what);
	free(path);
	return rc;
}

static int
xl_simple(struct ts_domain *dom, const char *verb, const char *what, const char *arg)
{
	const char *argv[] = { "xl", verb, dom->name, arg, NULL };
	char *msg = xasprintf("cannot %s domain '%s'", what, dom->name);
	int rc = xl_run(dom->ts, msg, argv, NULL);

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

/*
 * Asks, then waits at most shutdown_timeout seconds for the domain to go
 * ("xl shutdown -w" returns before it is gone), then destroys it.
 */
static int
xl_shutdown(struct ts_domain *dom)
{
	double deadline;
	int r;

	if (xl_simple(dom, "shutdown", "shut down", NULL) < 0)
		return -1;
	deadline = now_monotonic() + PRIV(dom->ts)->shutdown_timeout;
	while ((r = xl_find(dom, NULL)) == 1 && now_monotonic() < deadline)
		usleep(500 * 1000);
	if (r <= 0)
		return r;
	log_warnx("domain '%s' did not shut down within %d s: destroying it", dom->name,
		  PRIV(dom->ts)->shutdown_timeout);
	return xl_simple(dom, "destroy", "destroy", NULL);
}

static int
xl_save(struct ts_domain *dom, const char *path)
{
	return xl_simple(dom, "save", "save", path);
}

static int
xl_restore(struct ts_domain *dom, const char *path)
{
	char *cfg = cfg_for_xl(dom), *what;
	int rc;

	if (cfg == NULL)
		return -1;
	what = xasprintf("cannot restore domain '%s'", dom->name);
	{
		const char *argv[] = { "xl", "restore", cfg, path, NULL };

		rc = xl_run(dom->ts, what, argv, NULL);
	}
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
	int rc = xl_run(dom->ts, what, path ? ins : ej, NULL);

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
