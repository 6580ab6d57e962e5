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

#include "agent-proto.h"

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

/*
 * An agent on a serial device of this host (a pty, a real port), not a
 * toolstack console: for pvci agent, and for testing the Windows agent
 * under Wine. No domain, so no lifecycle events; messages name the path.
 */
struct agent *agent_open_serial(const char *path);

/*
 * Operations of the Windows agent (AGENT.md, "Operations"). RUNLIM runs
 * cmd with a limit of limit seconds kept by the guest, which kills it and
 * its children there: *killed says so. The host's timeout is raised above
 * the limit when it is not.
 */
#define AGENT_REPLY_TRUNCATED	1
#define AGENT_REPLY_KILLED	2
int agent_run_limit(struct agent *a, const char *cmd, int limit, int timeout, int *status,
		    int *killed, char **output);
/* An operation without payload (DRIVERS, SERVICES, EVENTS, DUMPS, REBOOT, ...). */
int agent_query(struct agent *a, const char *op, int timeout, int *status, char **output);
/* Reads a guest file of at most max bytes (*data NUL-terminated, caller frees). */
int agent_get_file(struct agent *a, const char *path, size_t max, int timeout, void **data,
		   size_t *len);
/* Writes (replaces) a guest file, in pieces. */
int agent_put_file(struct agent *a, const char *path, const void *data, size_t len,
		   int timeout);

#endif
