/*
 * xenstore-state: in the dom0 of the instance's Xen host (pvci xenhost
 * start), every frontend and backend of the guest named by runvar
 * xen_domain must be in xenbus state 4 (connected): the handshake the
 * Windows PV drivers are judged by. On failure the guest's whole subtree
 * (its /local/domain/DOMID and its backends) goes into the step log.
 *
 * No host, a dead SSH link, or xl/xenstore-ls missing in dom0 is broken;
 * a guest that does not run, or a device not connected, is fail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "proc.h"
#include "ssh.h"
#include "steps.h"
#include "util.h"
#include "xenhost.h"
#include "xenstore-state.h"

#define LISTING_MAX (8 * 1024 * 1024)

/* Runs cmd in dom0, stdout into *out: 0, 1 when it failed, 2 for broken. */
static int
dom0(struct step_ctx *ctx, const struct xenhost_ssh *ssh, const char *const argv[], char **out)
{
	struct ssh_target t = { ssh->target, ssh->port, ssh->key, ssh->known_hosts, ssh->control };
	struct proc_opts o = {
		.out_fd = step_log_fd(ctx),
		.capture = out,
		.capture_max = LISTING_MAX,
		.timeout = step_seconds_left(ctx) > 10 ? step_seconds_left(ctx) - 5 : 5,
	};
	int rc = ssh_run_argv(&t, argv, &o);

	if (rc == 0)
		return 0;
	if (rc == SSH_LINK_FAILED) {
		step_log(ctx, "'%s' in dom0: the SSH link to %s port %s failed", argv[0],
			 ssh->target, ssh->port);
		return 2;
	}
	if (rc == 127) {
		step_log(ctx, "'%s' not found in dom0", argv[0]);
		return 2;
	}
	if (rc < 0 || rc == PROC_TIMEOUT) {
		step_log(ctx, "'%s' in dom0 did not finish", argv[0]);
		return 2;
	}
	step_log(ctx, "'%s' in dom0 exited with status %d", argv[0], rc);
	return 1;
}

/* The guest's part of the listing: its own tree and its backends. */
static void
log_subtree(struct step_ctx *ctx, const char *listing, long domid)
{
	char *own = xasprintf("/local/domain/%ld/", domid), *mid = xasprintf("/%ld/", domid);
	const char *p = listing;

	step_log(ctx, "xenstore subtree of domain %ld:", domid);
	while (*p) {
		size_t len = strcspn(p, "\n");
		char *line = xasprintf("%.*s", (int)len, p);
		char *b = strstr(line, "/backend/");

		if (strncmp(line, own, strlen(own)) == 0 ||
		    (b && strchr(b + 9, '/') && strncmp(strchr(b + 9, '/'), mid, strlen(mid)) == 0))
			step_log(ctx, "  %s", line);
		free(line);
		p += len;
		if (*p)
			p++;
	}
	free(own);
	free(mid);
}

enum step_status
step_xenstore_state(struct step_ctx *ctx)
{
	const char *name = step_runvar(ctx, "xen_domain");
	char *dir = path_join(step_home(ctx), "xenhost"), *out = NULL, *listing = NULL;
	enum step_status rc = STEP_BROKEN;
	struct xenhost_ssh ssh = { 0 };
	struct strbuf report;
	struct xs_check check;
	long domid;
	int r;

	strbuf_init(&report);
	if (name == NULL || !name_is_valid(name)) {
		step_log(ctx, "runvar 'xen_domain' is not a domain name");
		goto out;
	}
	if (xenhost_ssh_load(dir, &ssh) < 0) {
		step_log(ctx, "no Xen host runs for this instance ('%s'): pvci xenhost start", dir);
		goto out;
	}
	{
		const char *argv[] = { "xl", "domid", name, NULL };

		r = dom0(ctx, &ssh, argv, &out);
	}
	if (r != 0) {
		if (r == 1)
			step_log(ctx, "domain '%s' does not run on the Xen host", name);
		rc = r == 1 ? STEP_FAIL : STEP_BROKEN;
		goto out;
	}
	out[strcspn(out, "\n")] = '\0';
	if (parse_long(out, &domid) < 0 || domid < 1) {
		step_log(ctx, "xl domid '%s' said '%s', not a guest's domain id", name, out);
		goto out;
	}
	{
		const char *argv[] = { "xenstore-ls", "-f", "/local/domain", NULL };

		r = dom0(ctx, &ssh, argv, &listing);
	}
	if (r != 0)
		goto out;	/* reading xenstore failing is the host's fault */
	r = xenstore_state_check(listing, domid, &report, &check);
	step_log(ctx, "domain '%s' (id %ld): %d of %d PV devices connected", name, domid,
		 check.connected, check.devices);
	if (report.buf)
		step_log(ctx, "%s", report.buf);
	if (r < 0)
		goto out;
	step_measure(ctx, "xenstore_devices", check.devices, "devices");
	step_measure(ctx, "xenstore_connected", check.connected, "devices");
	if (r == 0) {
		rc = STEP_PASS;
		goto out;
	}
	log_subtree(ctx, listing, domid);
	rc = STEP_FAIL;
out:
	strbuf_release(&report);
	xenhost_ssh_release(&ssh);
	free(out);
	free(listing);
	free(dir);
	return rc;
}
