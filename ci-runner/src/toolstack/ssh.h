/*
 * Commands in a remote host over SSH, as the xl backend and the Xen test
 * host use them: BatchMode, one key (IdentitiesOnly), the host's key pinned
 * in a known_hosts file of its own (StrictHostKeyChecking=yes), no user
 * ssh_config, bounded connect and keep-alive.
 */
#ifndef PVCI_SSH_H
#define PVCI_SSH_H

#include "util.h"

struct proc_opts;

struct ssh_target {
	const char *target;	/* "root@127.0.0.1" */
	const char *port;
	const char *key;
	const char *known_hosts;
	/*
	 * A control socket shared by the calls (ControlMaster=auto, the
	 * master lingering ControlPersist seconds), or NULL. Under TCG the
	 * key exchange alone takes seconds; a command on the shared
	 * connection, none.
	 */
	const char *control;
};

#define SSH_CONTROL_PERSIST "120"

#define SSH_LINK_FAILED 255	/* ssh's own status: no link, or it died */

/* Appends word quoted for a POSIX shell: 'it'\''s'. */
void ssh_quote(struct strbuf *sb, const char *word);

/*
 * Runs the shell command line cmd in the remote host; returns what
 * proc_run returns (the remote status, SSH_LINK_FAILED, -1, PROC_TIMEOUT).
 */
int ssh_run(const struct ssh_target *t, const char *cmd, const struct proc_opts *o);

/* As ssh_run, argv quoted word by word. */
int ssh_run_argv(const struct ssh_target *t, const char *const argv[], const struct proc_opts *o);

/* Stops the control master of t (ssh -O exit), if one runs. */
void ssh_control_exit(const struct ssh_target *t);

#endif
