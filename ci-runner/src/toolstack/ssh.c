/*
 * Remote commands over SSH, with one set of options for every caller.
 */
#include <stdlib.h>

#include "proc.h"
#include "ssh.h"
#include "util.h"

void
ssh_quote(struct strbuf *sb, const char *word)
{
	const char *p;

	strbuf_adds(sb, "'");
	for (p = word; *p; p++) {
		if (*p == '\'')
			strbuf_adds(sb, "'\\''");
		else
			strbuf_add(sb, p, 1);
	}
	strbuf_adds(sb, "'");
}

int
ssh_run(const struct ssh_target *t, const char *cmd, const struct proc_opts *o)
{
	char *kh = xasprintf("UserKnownHostsFile=%s", t->known_hosts);
	char *cp = xasprintf("ControlPath=%s", t->control ? t->control : "none");
	const char *argv[] = {
		"ssh", "-F", "/dev/null", "-o", "BatchMode=yes",
		"-o", "IdentitiesOnly=yes", "-i", t->key,
		"-o", kh, "-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=30",
		"-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=4",
		"-o", "LogLevel=ERROR", "-p", t->port,
		"-o", t->control ? "ControlMaster=auto" : "ControlMaster=no",
		"-o", cp, "-o", "ControlPersist=" SSH_CONTROL_PERSIST,
		t->target, "--", cmd, NULL,
	};
	int rc = proc_run(argv, o);

	free(kh);
	free(cp);
	return rc;
}

void
ssh_control_exit(const struct ssh_target *t)
{
	char *cp;
	struct proc_opts o = { .out_fd = -1, .timeout = 30 };

	if (t->control == NULL || !file_exists(t->control))
		return;
	cp = xasprintf("ControlPath=%s", t->control);
	{
		const char *argv[] = { "ssh", "-F", "/dev/null", "-o", cp, "-O", "exit",
				       "-p", t->port, t->target, NULL };

		proc_run(argv, &o);
	}
	free(cp);
}

int
ssh_run_argv(const struct ssh_target *t, const char *const argv[], const struct proc_opts *o)
{
	struct strbuf cmd;
	int rc;

	strbuf_init(&cmd);
	for (size_t i = 0; argv[i]; i++) {
		if (i)
			strbuf_adds(&cmd, " ");
		ssh_quote(&cmd, argv[i]);
	}
	rc = ssh_run(t, cmd.buf, o);
	strbuf_release(&cmd);
	return rc;
}
