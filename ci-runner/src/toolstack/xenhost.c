/*
 * The Xen test host VM: keys, the per-start initrd, the libvirt domain with
 * QEMU's own -kernel/-initrd/-netdev arguments, and the wait for dom0.
 *
 * Why <qemu:commandline> and not <os><kernel>: Xen boots as a multiboot
 * kernel whose modules are given as "-initrd 'vmlinuz ARGS,initrd'", a
 * value libvirt would take for a file name (and try to label). The port
 * forward is a user-mode netdev's hostfwd on 127.0.0.1, so nothing but this
 * machine reaches dom0's sshd and no bridge or address is needed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "ssh.h"
#include "toolstack.h"
#include "util.h"
#include "xenhost.h"

#define KEYGEN_TIMEOUT 60
#define HOST_USER "root"
#define HOST_ADDR "127.0.0.1"

static char *
state_file(const char *dir, const char *name)
{
	return path_join(dir, name);
}

/* A free TCP port on the loopback (the kernel picks it; QEMU binds it next). */
static int
free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

	if (fd < 0)
		return error("cannot make a socket");
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	else
		error("cannot find a free port on " HOST_ADDR);
	close(fd);
	return port;
}

static int
keygen(const char *path)
{
	const char *argv[] = { "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C",
			       "pvci-xenhost", "-f", path, NULL };
	struct proc_opts o = { .out_fd = 2, .timeout = KEYGEN_TIMEOUT };
	char *pub = xasprintf("%s.pub", path);
	int rc;

	unlink(path);
	unlink(pub);
	free(pub);
	rc = proc_run(argv, &o);
	if (rc > 0)
		errorx("cannot make SSH key '%s': ssh-keygen exited with status %d", path, rc);
	return rc == 0 ? 0 : -1;
}

/* One member of a "newc" cpio archive, as the kernel's initramfs reads it. */
static void
cpio_add(struct strbuf *sb, const char *name, unsigned mode, const char *data, size_t len)
{
	static const char zeros[4];
	static unsigned ino = 1000;
	size_t namesize = strlen(name) + 1;

	strbuf_addf(sb, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
		    ino++, mode, 0u, 0u, 1u, 0u, len, 0u, 0u, 0u, 0u, namesize, 0u);
	strbuf_add(sb, name, namesize);
	strbuf_add(sb, zeros, (4 - (110 + namesize) % 4) % 4);
	strbuf_add(sb, data, len);
	strbuf_add(sb, zeros, (4 - len % 4) % 4);
}

/*
 * initrd.img: the image's initramfs followed by a cpio holding dom0's host
 * key and root's authorized key (the kernel unpacks both archives). It
 * holds a private key: readable only by the user QEMU runs as.
 */
static int
write_initrd(const char *dir, const char *image_dir)
{
	char *base = path_join(image_dir, "initramfs.img"), *out = state_file(dir, "initrd.img");
	char *hk = state_file(dir, "ssh_host_ed25519_key"), *ck = state_file(dir, "id_ed25519.pub");
	char *hkt = NULL, *ckt = NULL, *img = NULL;
	size_t hkl, ckl, imgl;
	struct strbuf sb;
	struct passwd *pw;
	int rc = -1;

	strbuf_init(&sb);
	img = read_file(base, 512 * 1024 * 1024, &imgl);
	hkt = read_file(hk, 64 * 1024, &hkl);
	ckt = read_file(ck, 64 * 1024, &ckl);
	if (img == NULL || hkt == NULL || ckt == NULL)
		goto out;
	strbuf_add(&sb, img, imgl);
	/* Members start at a 4-byte boundary of the whole initrd. */
	while (sb.len % 4)
		strbuf_add(&sb, "", 1);
	cpio_add(&sb, "etc/ssh/ssh_host_ed25519_key", 0100600, hkt, hkl);
	cpio_add(&sb, "root/.ssh/authorized_keys", 0100600, ckt, ckl);
	cpio_add(&sb, "TRAILER!!!", 0, "", 0);
	if (write_file_atomic(out, sb.buf, sb.len, 0400) < 0)
		goto out;
	pw = getpwnam("libvirt-qemu");
	if (pw && chown(out, pw->pw_uid, pw->pw_gid) < 0) {
		error("cannot give '%s' to user 'libvirt-qemu'", out);
		goto out;
	}
	rc = 0;
out:
	strbuf_release(&sb);
	free(img);
	free(hkt);
	free(ckt);
	free(base);
	free(out);
	free(hk);
	free(ck);
	return rc;
}

static void
xml_escaped(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': strbuf_adds(sb, "&amp;"); break;
		case '<': strbuf_adds(sb, "&lt;"); break;
		case '>': strbuf_adds(sb, "&gt;"); break;
		case '\'': strbuf_adds(sb, "&apos;"); break;
		case '"': strbuf_adds(sb, "&quot;"); break;
		default: strbuf_add(sb, s, 1);
		}
	}
}

static void
qemu_arg(struct strbuf *sb, const char *value)
{
	strbuf_adds(sb, "    <qemu:arg value='");
	xml_escaped(sb, value);
	strbuf_adds(sb, "'/>\n");
}

static char *
domain_xml(const struct xenhost_opts *o, const char *dir, const char *xen_args,
	   const char *dom0_args, int port)
{
	char *xen = path_join(o->image_dir, "xen"), *vmlinuz = path_join(o->image_dir, "vmlinuz");
	char *initrd = state_file(dir, "initrd.img"), *console = state_file(dir, "console.log");
	char *modules = xasprintf("%s %s,%s", vmlinuz, dom0_args, initrd);
	char *netdev = xasprintf("user,id=pvcinet,hostfwd=tcp:%s:%d-:22", HOST_ADDR, port);
	struct strbuf sb;

	strbuf_init(&sb);
	strbuf_addf(&sb, "<domain type='%s' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\n",
		    o->domain_type ? o->domain_type : "qemu");
	strbuf_addf(&sb, "  <name>%s</name>\n", o->domain);
	strbuf_addf(&sb, "  <memory unit='MiB'>%d</memory>\n", o->memory_mib ? o->memory_mib : 3072);
	strbuf_addf(&sb, "  <vcpu>%d</vcpu>\n", o->vcpus ? o->vcpus : 2);
	strbuf_adds(&sb, "  <os><type arch='x86_64' machine='pc'>hvm</type></os>\n"
			 "  <features><acpi/></features>\n"
			 "  <cpu mode='maximum' check='none'/>\n"
			 "  <on_poweroff>destroy</on_poweroff>\n"
			 "  <on_reboot>destroy</on_reboot>\n"
			 "  <on_crash>destroy</on_crash>\n"
			 "  <devices>\n");
	if (o->emulator) {
		strbuf_adds(&sb, "    <emulator>");
		xml_escaped(&sb, o->emulator);
		strbuf_adds(&sb, "</emulator>\n");
	}
	strbuf_adds(&sb, "    <serial type='file'><source path='");
	xml_escaped(&sb, console);
	strbuf_adds(&sb, "'/><target port='0'/></serial>\n"
			 "    <memballoon model='none'/>\n"
			 "  </devices>\n"
			 "  <qemu:commandline>\n");
	qemu_arg(&sb, "-kernel");
	qemu_arg(&sb, xen);
	qemu_arg(&sb, "-append");
	qemu_arg(&sb, xen_args);
	qemu_arg(&sb, "-initrd");
	qemu_arg(&sb, modules);
	qemu_arg(&sb, "-netdev");
	qemu_arg(&sb, netdev);
	qemu_arg(&sb, "-device");
	qemu_arg(&sb, "virtio-net-pci,netdev=pvcinet");
	strbuf_adds(&sb, "  </qemu:commandline>\n</domain>\n");
	free(xen);
	free(vmlinuz);
	free(initrd);
	free(console);
	free(modules);
	free(netdev);
	return strbuf_detach(&sb);
}

/* The image's Xen and dom0 command lines, checked to be there. */
static int
read_image(const char *image_dir, char **xen_args, char **dom0_args)
{
	char *manifest = path_join(image_dir, "image.json");
	const char *const need[] = { "xen", "vmlinuz", "initramfs.img", NULL };
	json_error_t jerr;
	json_t *root;
	const char *x, *d;
	int rc = -1;

	root = json_load_file(manifest, 0, &jerr);
	if (root == NULL) {
		errorx("%s:%d:%d: %s", manifest, jerr.line, jerr.column, jerr.text);
		goto out;
	}
	x = json_string_value(json_object_get(root, "xen_cmdline"));
	d = json_string_value(json_object_get(root, "kernel_cmdline"));
	if (x == NULL || d == NULL ||
	    strcmp(json_string_value(json_object_get(root, "kind")) ?: "", "xen-host") != 0) {
		errorx("'%s' is not the manifest of a Xen host image (kind xen-host, "
		       "xen_cmdline, kernel_cmdline)", manifest);
		goto out;
	}
	/* The dom0 arguments sit in QEMU's comma-separated module list. */
	if (strchr(d, ',')) {
		errorx("'%s': kernel_cmdline must not contain ','", manifest);
		goto out;
	}
	for (size_t i = 0; need[i]; i++) {
		char *f = path_join(image_dir, need[i]);
		int ok = file_exists(f);

		if (!ok)
			errorx("Xen host image '%s' has no '%s'", image_dir, need[i]);
		free(f);
		if (!ok)
			goto out;
	}
	*xen_args = xstrdup(x);
	*dom0_args = xstrdup(d);
	rc = 0;
out:
	json_decref(root);
	free(manifest);
	return rc;
}

static int
write_known_hosts(const char *dir, int port)
{
	char *pub = state_file(dir, "ssh_host_ed25519_key.pub"), *kh = state_file(dir, "known_hosts");
	char *text = read_file(pub, 64 * 1024, NULL), *line = NULL;
	int rc = -1;

	if (text) {
		line = xasprintf("[%s]:%d %.*s\n", HOST_ADDR, port,
				 (int)strcspn(text, "\n"), text);
		rc = write_file_atomic(kh, line, strlen(line), 0644);
	}
	free(line);
	free(text);
	free(pub);
	free(kh);
	return rc;
}

static void
report_console_tail(const char *dir)
{
	char *path = state_file(dir, "console.log");
	size_t len;
	char *text = read_file(path, 16 * 1024 * 1024, &len), *tail;

	if (text) {
		tail = len > 2000 ? text + len - 2000 : text;
		log_warnx("the Xen host's console ('%s') ends with:\n%s", path, tail);
	}
	free(text);
	free(path);
}

void
xenhost_ssh_release(struct xenhost_ssh *ssh)
{
	free(ssh->uri);
	free(ssh->target);
	free(ssh->port);
	free(ssh->key);
	free(ssh->known_hosts);
	free(ssh->control);
	memset(ssh, 0, sizeof(*ssh));
}

int
xenhost_ssh_load(const char *state_dir, struct xenhost_ssh *ssh)
{
	char *path = state_file(state_dir, "host.json");
	json_error_t jerr;
	json_t *root;
	json_int_t port;

	memset(ssh, 0, sizeof(*ssh));
	if (!file_exists(path)) {
		errorx("no Xen host runs from '%s' (no host.json: start it first)", state_dir);
		free(path);
		return -1;
	}
	root = json_load_file(path, 0, &jerr);
	port = json_integer_value(json_object_get(root, "port"));
	if (root == NULL || port < 1 || port > 65535) {
		errorx("'%s': no valid port", path);
		json_decref(root);
		free(path);
		return -1;
	}
	ssh->uri = xasprintf("ssh://%s@%s:%d", HOST_USER, HOST_ADDR, (int)port);
	ssh->target = xstrdup(HOST_USER "@" HOST_ADDR);
	ssh->port = xasprintf("%d", (int)port);
	ssh->key = state_file(state_dir, "id_ed25519");
	ssh->known_hosts = state_file(state_dir, "known_hosts");
	ssh->control = state_file(state_dir, "ssh.ctl");
	json_decref(root);
	free(path);
	return 0;
}

/* 1 while the host VM runs, 0 when it stopped or libvirt cannot say. */
static int
vm_running(const struct xenhost_opts *o)
{
	struct toolstack_opts lo = { .backend = "libvirt", .uri = o->uri,
				     .domain_type = o->domain_type ? o->domain_type : "qemu" };
	struct toolstack *lv = toolstack_open(&lo);
	struct ts_domain *vm = NULL;
	enum ts_state st = TS_STATE_OTHER;

	if (lv && toolstack_lookup(lv, o->domain, &vm) == 1)
		toolstack_state(vm, &st);
	ts_domain_free(vm);
	toolstack_close(lv);
	return st == TS_STATE_RUNNING;
}

/*
 * Polls dom0 with "xl info" over SSH until it answers or the host VM
 * stops. An attempt may take ConnectTimeout (the port forward accepts
 * before dom0 listens), longer than a libvirt connection's keepalive lets
 * it sit idle: each look at the VM opens a connection of its own.
 */
static int
wait_dom0(const struct xenhost_opts *o)
{
	struct toolstack_opts xo = { .backend = "xl", .domain_type = "xen" };
	char *xl_dir = state_file(o->state_dir, "xl");
	struct xenhost_ssh ssh;
	int timeout = o->boot_timeout > 0 ? o->boot_timeout : 900, rc = -1, fd, saved;
	double t0 = now_monotonic();
	struct toolstack *xl = NULL;

	if (xenhost_ssh_load(o->state_dir, &ssh) < 0) {
		free(xl_dir);
		return -1;
	}
	xo.uri = ssh.uri;
	xo.ssh_key = ssh.key;
	xo.ssh_known_hosts = ssh.known_hosts;
	/* Not the shared connection: a master made before sshd listens fails. */
	xo.state_dir = xl_dir;
	xl = toolstack_open(&xo);
	if (xl == NULL)
		goto out;
	/* The attempts before sshd listens fail by design: keep them quiet. */
	saved = dup(2);
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	for (;;) {
		int alive;

		dup2(fd, 2);
		alive = toolstack_alive(xl);
		dup2(saved, 2);
		if (alive) {
			rc = 0;
			break;
		}
		if (!vm_running(o)) {
			errorx("Xen host VM '%s' stopped while dom0 was booting", o->domain);
			break;
		}
		if (now_monotonic() - t0 > timeout) {
			errorx("Xen host VM '%s': dom0 did not answer 'xl info' over SSH within %d s",
			       o->domain, timeout);
			break;
		}
		usleep(1000 * 1000);
	}
	close(fd);
	close(saved);
	if (rc == 0)
		fprintf(stderr, "pvci: Xen host '%s' ready in %.1f s (dom0 on %s)\n", o->domain,
			now_monotonic() - t0, ssh.uri);
out:
	toolstack_close(xl);
	xenhost_ssh_release(&ssh);
	free(xl_dir);
	return rc;
}

int
xenhost_start(const struct xenhost_opts *o)
{
	struct toolstack_opts lo = {
		.backend = "libvirt",
		.uri = o->uri,
		.domain_type = o->domain_type ? o->domain_type : "qemu",
	};
	char *xen_args = NULL, *dom0_args = NULL, *xml = NULL, *json = NULL;
	char *hk = state_file(o->state_dir, "ssh_host_ed25519_key");
	char *ck = state_file(o->state_dir, "id_ed25519");
	char *hj = state_file(o->state_dir, "host.json");
	char *console = state_file(o->state_dir, "console.log");
	struct toolstack *lv = NULL;
	struct ts_domain *vm = NULL;
	int port, rc = -1, found;

	if (!name_is_valid(o->domain)) {
		errorx("invalid Xen host domain name '%s'", o->domain);
		goto out;
	}
	if (file_exists(hj)) {
		errorx("a Xen host already runs from '%s' (stop it first)", o->state_dir);
		goto out;
	}
	if (read_image(o->image_dir, &xen_args, &dom0_args) < 0 ||
	    mkdir_p(o->state_dir, 0755) < 0 || chmod(o->state_dir, 0755) < 0 ||
	    keygen(hk) < 0 || keygen(ck) < 0 || write_initrd(o->state_dir, o->image_dir) < 0)
		goto out;
	port = free_port();
	if (port < 0 || write_known_hosts(o->state_dir, port) < 0)
		goto out;
	lv = toolstack_open(&lo);
	if (lv == NULL)
		goto out;
	found = toolstack_lookup(lv, o->domain, &vm);
	if (found < 0)
		goto out;
	if (found) {
		errorx("domain '%s' already exists on '%s': not ours to replace", o->domain,
		       o->uri);
		ts_domain_free(vm);
		vm = NULL;
		goto out;
	}
	unlink(console);
	xml = domain_xml(o, o->state_dir, xen_args, dom0_args, port);
	if (toolstack_define(lv, o->domain, xml, &vm) < 0)
		goto out;
	json = xasprintf("{\"domain\": \"%s\", \"uri\": \"%s\", \"port\": %d, \"started\": %ld}\n",
			 o->domain, o->uri, port, now_seconds());
	if (write_file_atomic(hj, json, strlen(json), 0644) < 0 || toolstack_start(vm) < 0) {
		toolstack_undefine(vm);
		unlink(hj);
		goto out;
	}
	/* Not held open while dom0 boots (see wait_dom0). */
	ts_domain_free(vm);
	vm = NULL;
	toolstack_close(lv);
	lv = NULL;
	if (wait_dom0(o) < 0) {
		report_console_tail(o->state_dir);
		xenhost_stop(o->state_dir);
		goto out;
	}
	rc = 0;
out:
	ts_domain_free(vm);
	toolstack_close(lv);
	free(xen_args);
	free(dom0_args);
	free(xml);
	free(json);
	free(hk);
	free(ck);
	free(hj);
	free(console);
	return rc;
}

int
xenhost_stop(const char *state_dir)
{
	char *hj = state_file(state_dir, "host.json");
	struct toolstack_opts lo = { .backend = "libvirt" };
	struct toolstack *lv = NULL;
	struct ts_domain *vm = NULL;
	struct xenhost_ssh ssh;
	json_error_t jerr;
	json_t *root = NULL;
	const char *domain;
	int rc = -1, found;

	if (!file_exists(hj)) {
		free(hj);
		return 0;
	}
	root = json_load_file(hj, 0, &jerr);
	domain = json_string_value(json_object_get(root, "domain"));
	lo.uri = json_string_value(json_object_get(root, "uri"));
	if (domain == NULL || lo.uri == NULL || !name_is_valid(domain)) {
		errorx("'%s': no valid domain and uri", hj);
		goto out;
	}
	if (xenhost_ssh_load(state_dir, &ssh) == 0) {
		struct ssh_target t = { ssh.target, ssh.port, ssh.key, ssh.known_hosts,
					ssh.control };

		ssh_control_exit(&t);
		xenhost_ssh_release(&ssh);
	}
	lv = toolstack_open(&lo);
	if (lv == NULL)
		goto out;
	found = toolstack_lookup(lv, domain, &vm);
	if (found < 0)
		goto out;
	if (found && (toolstack_destroy(vm) < 0 || toolstack_undefine(vm) < 0))
		goto out;
	if (unlink(hj) < 0 && errno != ENOENT) {
		error("cannot remove '%s'", hj);
		goto out;
	}
	rc = 0;
out:
	ts_domain_free(vm);
	toolstack_close(lv);
	json_decref(root);
	free(hj);
	return rc;
}

int
xenhost_run(const char *state_dir, const char *const argv[])
{
	struct proc_opts o = { .out_fd = 2, .timeout = 600, .capture_max = 64 * 1024 * 1024 };
	struct xenhost_ssh ssh;
	struct ssh_target t;
	char *out = NULL;
	int rc;

	if (xenhost_ssh_load(state_dir, &ssh) < 0)
		return -1;
	t.target = ssh.target;
	t.port = ssh.port;
	t.key = ssh.key;
	t.known_hosts = ssh.known_hosts;
	t.control = ssh.control;
	/* stdout goes to the caller's: "xenhost run xl list -l | jq" works. */
	o.capture = &out;
	rc = ssh_run_argv(&t, argv, &o);
	if (out) {
		fputs(out, stdout);
		fflush(stdout);
	}
	free(out);
	if (rc == SSH_LINK_FAILED)
		errorx("Xen host in '%s': the SSH link to dom0 failed", state_dir);
	else if (rc == 127)
		errorx("Xen host in '%s': '%s' not found in dom0", state_dir, argv[0]);
	xenhost_ssh_release(&ssh);
	return rc;
}
