/*
 * network-stress: iperf3 between this host and the guest, both ways. The
 * server runs here on the loopback (QEMU's user-mode network shows it to
 * the guest as 10.0.2.2), one test per server (-1); the client runs in the
 * guest, then again with -R for the other direction.
 *
 * Reads runvars: network_runtime (seconds, default 3), network_min_gbits
 * (optional threshold, both directions), network_server (default 10.0.2.2).
 * Measures: net_guest_to_host, net_host_to_guest (Gbit/s),
 * net_guest_to_host_retransmits, net_host_to_guest_retransmits.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"
#include "guest-os.h"
#include "guest.h"
#include "log.h"
#include "proc.h"
#include "steps.h"
#include "tool-output.h"
#include "util.h"

/* 1 when nothing listens on 127.0.0.1:port (we could bind it). */
static int
port_free(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok;

	if (fd < 0)
		return 0;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

/*
 * 1 when a socket listens on 127.0.0.1:port. Read from /proc/net/tcp, since
 * a test connection would be taken by "iperf3 -1" as its one client.
 */
static int
port_listening(int port)
{
	char *text = read_file("/proc/net/tcp", 4 * 1024 * 1024, NULL), want[32], *p;
	int found = 0;

	if (text == NULL)
		return 0;
	snprintf(want, sizeof(want), "0100007F:%04X 00000000:0000 0A", port);
	for (p = text; (p = strstr(p, want)) != NULL; p++)
		found = 1;
	free(text);
	return found;
}

struct server {
	pid_t pid;
	char *out;	/* its JSON output file */
};

/* The absolute path of prog in $PATH; caller frees; NULL (reported) if none. */
static char *
find_in_path(const char *prog)
{
	const char *path = getenv("PATH"), *p, *colon;

	for (p = path ? path : "/usr/bin:/bin"; *p; p = *colon ? colon + 1 : colon) {
		char *cand;

		colon = strchrnul(p, ':');
		if (colon == p)
			continue;
		cand = xasprintf("%.*s/%s", (int)(colon - p), p, prog);
		if (access(cand, X_OK) == 0)
			return cand;
		free(cand);
	}
	errorx("cannot run '%s': not found in PATH", prog);
	return NULL;
}

/*
 * Starts "iperf3 -s -1" on 127.0.0.1:port. The server must not outlive this
 * step process (a time limit or a killed pvci would leave it listening), so
 * it asks the kernel for SIGKILL when its parent dies, and exits at once if
 * the parent died before it asked. Between fork() and exec() the child makes
 * only async-signal-safe calls: argv, the path and the failure message are
 * all made before fork().
 */
static int
server_start(struct guest *g, int port, const char *tag, struct server *s)
{
	static const char fail_msg[] = "pvci: cannot run the iperf3 server\n";
	char portstr[16], *prog;
	const char *argv[] = { "iperf3", "-s", "-1", "-B", "127.0.0.1", "-p", portstr,
			       "--json", NULL };
	int fd, devnull, logfd = step_log_fd(g->ctx);
	pid_t parent = getpid();
	double deadline;

	snprintf(portstr, sizeof(portstr), "%d", port);
	prog = find_in_path("iperf3");
	if (prog == NULL)
		return -1;
	s->out = xasprintf("%s/iperf3-server-%s.json", step_work_dir(g->ctx), tag);
	fd = open(s->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		free(prog);
		return error("cannot create '%s'", s->out);
	}
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0) {
		close(fd);
		free(prog);
		return error("cannot open '/dev/null'");
	}
	s->pid = fork();
	if (s->pid < 0) {
		close(fd);
		close(devnull);
		free(prog);
		return error("cannot start the iperf3 server");
	}
	if (s->pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(126);
		setpgid(0, 0);
		/* dup2 clears FD_CLOEXEC on the copies. */
		if (dup2(devnull, 0) < 0 || dup2(fd, 1) < 0 || dup2(logfd, 2) < 0)
			_exit(126);
		execve(prog, (char *const *)argv, environ);
		if (write(2, fail_msg, sizeof(fail_msg) - 1) < 0)
			_exit(127);
		_exit(127);
	}
	close(devnull);
	free(prog);
	setpgid(s->pid, s->pid);
	close(fd);
	deadline = now_monotonic() + 10;
	while (!port_listening(port)) {
		int st;

		if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
			s->pid = 0;
			return errorx("the iperf3 server on port %d exited at once", port);
		}
		if (now_monotonic() > deadline)
			return errorx("the iperf3 server did not listen on port %d in 10 s", port);
		usleep(20000);
	}
	step_log(g->ctx, "iperf3 server (pid %ld) listening on 127.0.0.1:%d", (long)s->pid, port);
	return 0;
}

static void
server_stop(struct server *s)
{
	int st;

	if (s->pid > 0 && proc_wait(s->pid, 5, &st) == PROC_TIMEOUT)
		proc_kill_group(s->pid, s->pid, 2.0);
	s->pid = 0;
	free(s->out);
	s->out = NULL;
}

/* One direction. 0 with the results, -1 (logged) and *verdict set otherwise. */
static int
one_way(struct guest *g, int port, int reverse, int runtime, const char *server_ip,
	double *gbits, double *retrans, enum step_status *verdict)
{
	const char *tag = reverse ? "host_to_guest" : "guest_to_host";
	struct server s = { 0 };
	char *cmd = NULL, *out = NULL, *why = NULL;
	struct iperf3_result res = { 0 };
	int status, rc = -1, r;

	*verdict = STEP_BROKEN;
	if (server_start(g, port, tag, &s) < 0)
		goto out;
	cmd = guest_os_net_client_cmd(g->os, server_ip, port, runtime, reverse);
	if (cmd == NULL)
		goto out;
	if (guest_run(g, cmd, guest_time_limit(g, runtime + 60), &status, &out, 0) < 0) {
		*verdict = guest_verdict(g);
		goto out;
	}
	*verdict = STEP_FAIL;
	r = iperf3_output_parse(out, &res, &why);
	if (r == -1)
		step_log(g->ctx, "%s", why);
	if (status != 0 || r == -1) {
		const char *msg = res.error;

		step_log(g->ctx, "iperf3 client (%s) exited with status %d: %s", tag, status,
			 msg ? msg : "see its output below");
		if (!msg)
			dprintf(step_log_fd(g->ctx), "%s\n", out);
		goto out;
	}
	if (r < 0) {
		step_log(g->ctx, "iperf3 (%s) %s", tag, why);
		goto out;
	}
	*gbits = res.gbits;
	*retrans = res.retransmits;
	step_log(g->ctx, "%s: %.3f Gbit/s, %.0f retransmits", tag, *gbits, *retrans);
	rc = 0;
out:
	server_stop(&s);
	iperf3_result_release(&res);
	free(why);
	free(cmd);
	free(out);
	return rc;
}

enum step_status
step_network_stress(struct step_ctx *ctx)
{
	const char *server_ip = step_runvar(ctx, "network_server");
	enum step_status rc = STEP_FAIL, v;
	double started = now_monotonic(), runtime, min, up = 0, down = 0, rup = 0, rdown = 0;
	struct in_addr addr;
	struct guest g;
	int port;

	guest_init(&g, ctx);
	if (server_ip == NULL)
		server_ip = "10.0.2.2";
	if (guest_runvar_double(&g, "network_runtime", 3, &runtime) < 0 || runtime < 1 ||
	    runtime > 3600 || guest_runvar_double(&g, "network_min_gbits", 0, &min) < 0 ||
	    inet_pton(AF_INET, server_ip, &addr) != 1) {
		step_log(ctx, "bad network runvars (network_runtime 1..3600, network_min_gbits, "
			 "network_server an IPv4 address)");
		rc = STEP_BROKEN;
		goto out;
	}
	for (port = (int)step_setting_int(ctx, "network.iperf3_port"); !port_free(port); port++)
		if (port > step_setting_int(ctx, "network.iperf3_port") + 200 || port >= 65535) {
			step_log(ctx, "no free port for iperf3 from %ld on",
				 step_setting_int(ctx, "network.iperf3_port"));
			rc = STEP_BROKEN;
			goto out;
		}
	signal(SIGPIPE, SIG_IGN);
	if (guest_attach(&g) < 0) {
		rc = guest_verdict(&g);
		goto out;
	}
	if (one_way(&g, port, 0, (int)runtime, server_ip, &up, &rup, &v) < 0) {
		rc = v;
		goto out;
	}
	if (one_way(&g, port, 1, (int)runtime, server_ip, &down, &rdown, &v) < 0) {
		rc = v;
		goto out;
	}
	step_measure(ctx, "net_guest_to_host", up, "Gbit/s");
	step_measure(ctx, "net_host_to_guest", down, "Gbit/s");
	step_measure(ctx, "net_guest_to_host_retransmits", rup, "count");
	step_measure(ctx, "net_host_to_guest_retransmits", rdown, "count");
	if (min > 0 && (up < min || down < min)) {
		step_log(ctx, "throughput below network_min_gbits=%g (%.3f / %.3f Gbit/s)", min,
			 up, down);
		goto out;
	}
	rc = STEP_PASS;
out:
	guest_log_harness_time(&g, started);
	guest_release(&g);
	return rc;
}
