/*
 * pvci image build windows --iso PATH --edition E [--dry-run] ...
 *
 * Installs a Windows golden image unattended: the answer file
 * (guest-images/windows/autounattend.xml.in, guest/windows-image.c) and
 * pvci-agent.exe go on a medium of their own; the installer boots through
 * the toolstack with both media; Setup finds the answer file, and the last
 * thing it does is start the agent, whose READY is the ready marker. pvci
 * then asks the build number, shuts the guest down and registers the
 * image (kind windows-E, with edition and build in image.json).
 *
 * --dry-run prints the answer file and the domain definition and boots
 * nothing: tested here. The rest needs Windows media and a lab host: it is
 * written to run there, untested here.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "cmd.h"
#include "config.h"
#include "instance.h"
#include "log.h"
#include "proc.h"
#include "toolstack.h"
#include "util.h"
#include "windows-image.h"

#define WIN_USAGE "image build windows --iso PATH --edition " WIN_EDITION_NAMES \
	" [--dry-run] [--dir DIR] [--test-signing on|off] [--timeout S]"
#define INSTALL_TIMEOUT	(4 * 3600)	/* TCG on a small host is slow */
#define DISK_SIZE	"64G"
#define PASSWORD_FILE	"keys/windows-admin-password"

int image_build_windows(struct cmd_opts *opts, int argc, char **argv);
int image_register_dir(struct instance *inst, const char *name, const char *dir);

static const struct cmd_form win_form = { "image build windows", WIN_USAGE };

/*
 * The instance's administrator password for Windows images: made once,
 * kept 0600 (a lab keeps it to log in on the console), the same for every
 * image of the instance.
 */
static char *
admin_password(const struct instance *inst, char **path_out)
{
	char *path = instance_resolve(inst->home, PASSWORD_FILE), *pw, *dir, *slash;
	struct stat st;
	size_t len;
	int fd;

	*path_out = path;
	if (stat(path, &st) == 0) {
		if (st.st_mode & 077) {
			errorx("'%s' (mode %04o) may be read by others: chmod 600 it", path,
			       (unsigned)(st.st_mode & 07777));
			return NULL;
		}
		pw = read_file(path, 128, &len);
		if (pw == NULL)
			return NULL;
		pw[strcspn(pw, "\r\n")] = '\0';
		if (!win_password_is_valid(pw)) {
			errorx("'%s' does not hold a password pvci made (12..64 of A-Z a-z 0-9 "
			       "- _ . +)", path);
			free(pw);
			return NULL;
		}
		return pw;
	}
	pw = win_password_generate();
	if (pw == NULL)
		return NULL;
	dir = xstrdup(path);
	slash = strrchr(dir, '/');
	*slash = '\0';
	if (mkdir_p(dir, 0700) < 0) {
		free(dir);
		free(pw);
		return NULL;
	}
	free(dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, pw, strlen(pw)) != (ssize_t)strlen(pw) || write(fd, "\n", 1) != 1) {
		error("cannot keep the administrator password in '%s'", path);
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		free(pw);
		return NULL;
	}
	close(fd);
	return pw;
}

/* The agent built by make (source tree) or installed with the image recipes. */
static char *
agent_exe(void)
{
	char *p = xasprintf("%s/guest-images/windows/agent/pvci-agent.exe", data_dir());

	if (file_exists(p))
		return p;
	free(p);
	p = xasprintf("%s/build/pvci-agent.exe", data_dir());
	if (file_exists(p))
		return p;
	errorx("no pvci-agent.exe in '%s/guest-images/windows/agent/' or '%s/build/' "
	       "(make builds it; install-deps installs mingw-w64)", data_dir(), data_dir());
	free(p);
	return NULL;
}

static int
run_tool(const char *const argv[], int timeout)
{
	struct proc_opts po = { .out_fd = 2, .timeout = timeout };
	int r = proc_run(argv, &po);

	if (r != 0) {
		if (r > 0)
			errorx("'%s' exited with status %d", argv[0], r);
		return -1;
	}
	return 0;
}

/* "Microsoft Windows [Version 10.0.20348.587]" -> 20348. */
static long
build_number(const char *ver)
{
	const char *p = ver ? strstr(ver, "Version 10.0.") : NULL;
	long v = 0;

	if (p == NULL)
		return -1;
	for (p += 13; *p >= '0' && *p <= '9' && v < 1000000; p++)
		v = v * 10 + (*p - '0');
	return v > 0 ? v : -1;
}

/*
 * The lab-host path, untested here (no Windows media): media, disk,
 * install through the toolstack, wait for the agent, shut down, register.
 */
static int
install(struct instance *inst, const struct win_edition *ed, const char *dir,
	const char *answer, const char *xml, int timeout)
{
	char *mediadir = path_join(dir, "media"), *disk = path_join(dir, "disk.qcow2");
	char *media = path_join(dir, "media.iso"), *exe = agent_exe(), *ans = NULL, *dst = NULL;
	char *img = NULL, *kind = NULL, *name = NULL, *ver = NULL, *manifest = NULL;
	struct toolstack_opts to = {
		.backend = config_str(inst->cfg, "toolstack.backend"),
		.uri = config_str(inst->cfg, "toolstack.uri"),
		.domain_type = config_str(inst->cfg, "toolstack.domain_type"),
	};
	struct toolstack *ts = NULL;
	struct ts_domain *dom = NULL;
	struct agent *a = NULL;
	json_t *m = NULL;
	int rc = -1, st = -1;
	long build;
	size_t len;
	char *data;

	if (exe == NULL || mkdir_p(mediadir, 0755) < 0)
		goto out;
	ans = path_join(mediadir, "autounattend.xml");
	dst = path_join(mediadir, "pvci-agent.exe");
	data = read_file(exe, 16 << 20, &len);
	if (data == NULL || write_file_atomic(ans, answer, strlen(answer), 0600) < 0 ||
	    write_file_atomic(dst, data, len, 0644) < 0) {
		free(data);
		goto out;
	}
	free(data);
	{
		const char *mk[] = { "xorriso", "-as", "mkisofs", "-quiet", "-J", "-R", "-V",
				     "PVCI", "-o", media, mediadir, NULL };
		const char *qi[] = { "qemu-img", "create", "-q", "-f", "qcow2", disk, DISK_SIZE,
				     NULL };

		if (run_tool(mk, 300) < 0 || run_tool(qi, 300) < 0)
			goto out;
	}
	ts = toolstack_open(&to);
	if (ts == NULL)
		goto out;
	name = xasprintf("pvci-image-win-%s", ed->name);
	if (toolstack_define(ts, name, xml, &dom) < 0 || toolstack_start(dom) < 0)
		goto out;
	fprintf(stderr, "pvci: installing %s in domain '%s'; waiting up to %d s for the agent\n",
		ed->name, name, timeout);
	a = agent_open(dom, "serial1");
	if (a == NULL || agent_wait_ready(a, timeout, NULL, NULL) < 0)
		goto out;
	if (agent_run(a, "ver", 120, &st, &ver) < 0)
		goto out;
	build = build_number(ver);
	if (build < 0) {
		errorx("domain '%s': no Windows build number in 'ver' output '%s'", name, ver);
		goto out;
	}
	if (agent_query(a, "SHUTDOWN", 120, &st, NULL) < 0 || st != 0)
		goto out;
	agent_close(a);
	a = NULL;
	{
		double deadline = now_monotonic() + 900;
		enum ts_state state = TS_STATE_RUNNING;

		while (toolstack_state(dom, &state) == 0 && state != TS_STATE_OFF &&
		       now_monotonic() < deadline)
			toolstack_wait(ts, 1000);
		if (state != TS_STATE_OFF) {
			errorx("domain '%s' did not power off within 900 s of SHUTDOWN", name);
			goto out;
		}
	}
	if (toolstack_undefine(dom) < 0)
		goto out;
	kind = xasprintf("windows-%s", ed->name);
	m = json_pack("{s:s, s:s, s:s, s:i}", "kind", kind, "format", "qcow2", "edition",
		      ed->name, "build", (json_int_t)build);
	manifest = path_join(dir, "image.json");
	if (json_dump_file(m, manifest, JSON_INDENT(2)) < 0) {
		errorx("cannot write '%s'", manifest);
		goto out;
	}
	img = xasprintf("win-%s", ed->name);
	rc = image_register_dir(inst, img, dir);
out:
	agent_close(a);
	if (dom && rc < 0)
		fprintf(stderr, "pvci: domain '%s' is left as it is, to look at\n", name);
	ts_domain_free(dom);
	toolstack_close(ts);
	json_decref(m);
	free(mediadir);
	free(disk);
	free(media);
	free(exe);
	free(ans);
	free(dst);
	free(img);
	free(kind);
	free(name);
	free(ver);
	free(manifest);
	return rc;
}

int
image_build_windows(struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "iso", required_argument, NULL, 'i' },
		{ "edition", required_argument, NULL, 'e' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "dir", required_argument, NULL, 'd' },
		{ "test-signing", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *iso_opt = NULL, *edition = NULL, *dir_opt = NULL, *signing = NULL;
	char *iso = NULL, *dir = NULL, *images = NULL, *pw = NULL, *pwpath = NULL;
	char *atmpl = NULL, *dtmpl = NULL, *apath = NULL, *dpath = NULL, *answer = NULL;
	char *xml = NULL, *ca = NULL, *disk = NULL, *media = NULL, *console = NULL, *name = NULL;
	const struct win_edition *ed;
	struct instance *inst = NULL;
	struct win_answer wa;
	struct win_domain wd;
	int c, dry = 0, timeout = INSTALL_TIMEOUT, rc = EXIT_ERROR, test_signing;
	struct stat st;
	size_t len;

	optind = 0;
	while ((c = cmd_getopt(&win_form, opts, argc, argv, "", longopts)) != -1) {
		long v;

		switch (c) {
		case 'i': iso_opt = optarg; break;
		case 'e': edition = optarg; break;
		case 'n': dry = 1; break;
		case 'd': dir_opt = optarg; break;
		case 's': signing = optarg; break;
		case 't':
			if (parse_long(optarg, &v) < 0 || v < 60 || v > 86400)
				return cmd_form_error(&win_form, "--timeout '%s' is not 60..86400 "
						      "seconds", optarg);
			timeout = (int)v;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc || strcmp(argv[optind], "windows") != 0)
		return cmd_form_error(&win_form, "takes no other arguments");
	if (iso_opt == NULL || edition == NULL)
		return cmd_form_error(&win_form, "needs --iso and --edition");
	if (signing && strcmp(signing, "on") != 0 && strcmp(signing, "off") != 0)
		return cmd_form_error(&win_form, "--test-signing '%s' is not on or off", signing);
	ed = win_edition_lookup(edition);
	if (ed == NULL)
		return EXIT_USAGE;
	if (stat(iso_opt, &st) < 0 || !S_ISREG(st.st_mode) || access(iso_opt, R_OK) < 0) {
		errorx("installation medium '%s': %s", iso_opt,
		       errno && stat(iso_opt, &st) < 0 ? strerror(errno) :
		       "not a readable regular file");
		return EXIT_ERROR;
	}
	iso = path_absolute(iso_opt);
	inst = instance_open(opts->home, INSTANCE_WRITE);
	if (inst == NULL)
		goto out;
	pw = admin_password(inst, &pwpath);
	if (pw == NULL)
		goto out;
	/*
	 * Drivers signed by the instance's own CA (pvci keys) load only with
	 * test signing on; drivers signed by Microsoft need it off.
	 */
	ca = instance_path(inst, "signing.ca");
	test_signing = signing ? strcmp(signing, "on") == 0 : file_exists(ca);
	if (dir_opt)
		dir = path_absolute(dir_opt);
	else {
		char *sub = xasprintf("win-%s", ed->name);

		images = instance_path(inst, "images.dir");
		dir = path_join(images, sub);
		free(sub);
	}
	apath = xasprintf("%s/guest-images/windows/autounattend.xml.in", data_dir());
	dpath = xasprintf("%s/guest-images/windows/domain.xml.in", data_dir());
	atmpl = read_file(apath, 1 << 20, &len);
	dtmpl = atmpl ? read_file(dpath, 1 << 20, &len) : NULL;
	if (dtmpl == NULL)
		goto out;
	wa = (struct win_answer){ .edition = ed, .password = pw, .test_signing = test_signing };
	answer = win_answer_file(atmpl, &wa);
	disk = path_join(dir, "disk.qcow2");
	media = path_join(dir, "media.iso");
	console = path_join(dir, "console.log");
	name = xasprintf("pvci-image-win-%s", ed->name);
	wd = (struct win_domain){
		.edition = ed, .name = name,
		.domain_type = config_str(inst->cfg, "toolstack.domain_type"),
		.emulator = config_str(inst->cfg, "toolstack.emulator"),
		.disk = disk, .iso = iso, .media = media, .console_log = console,
		.memory_mib = 4096, .vcpus = 2,
	};
	xml = answer ? win_domain_xml(dtmpl, &wd) : NULL;
	if (xml == NULL)
		goto out;
	fprintf(stderr, "pvci: %s from '%s'; test signing %s (%s); administrator password "
		"kept in '%s' (0600)\n", ed->name, iso, test_signing ? "on" : "off",
		signing ? "--test-signing" : test_signing ? "signing.ca is a private CA" :
		"no signing.ca: drivers signed by Microsoft", pwpath);
	if (dry) {
		printf("==> autounattend.xml <==\n%s\n==> domain.xml <==\n%s", answer, xml);
		rc = cmd_flush_stdout() < 0 ? EXIT_ERROR : EXIT_PASS;
		goto out;
	}
	if (mkdir_p(dir, 0755) < 0)
		goto out;
	rc = install(inst, ed, dir, answer, xml, timeout) == 0 ? EXIT_PASS : EXIT_BROKEN;
out:
	instance_close(inst);
	free(iso);
	free(dir);
	free(images);
	free(pw);
	free(pwpath);
	free(atmpl);
	free(dtmpl);
	free(apath);
	free(dpath);
	free(answer);
	free(xml);
	free(ca);
	free(disk);
	free(media);
	free(console);
	free(name);
	return rc;
}
