/*
 * guest-start: a qcow2 overlay on the golden image, a domain from the
 * template of the guest OS the image's kind names (guest-os.h), started,
 * and its agent ready.
 *
 * Reads runvars: image (default "testguest").
 * Sets runvars: guest_domain, guest_overlay, guest_boot_id.
 * Measures: boot_seconds (start to a ready agent), overlay_seconds.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "guest-os.h"
#include "guest.h"
#include "log.h"
#include "steps.h"
#include "toolstack.h"
#include "util.h"

/* guest-images/DIR/FILE, DIR the guest OS entry's; caller frees. */
static char *
template_path(const struct guest_os *os, const char *file)
{
	return xasprintf("%s/guest-images/%s/%s", data_dir(), os->template_dir, file);
}

struct var {
	const char *name;
	const char *value;
};

/*
 * Replaces every @NAME@ of the template; a placeholder we do not know, or a
 * value XML cannot hold as it is, is an error naming it.
 */
static char *
expand(const char *tmpl, const char *what, const struct var *vars, size_t nvars)
{
	struct strbuf sb;
	const char *p = tmpl, *at, *end;

	strbuf_init(&sb);
	while ((at = strchr(p, '@')) != NULL) {
		size_t i, len;

		strbuf_add(&sb, p, (size_t)(at - p));
		end = strchr(at + 1, '@');
		len = end ? (size_t)(end - at - 1) : 0;
		if (end == NULL || len == 0 || len > 32 ||
		    strspn(at + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789") != len) {
			/* Not a placeholder: a lone '@'. */
			strbuf_add(&sb, "@", 1);
			p = at + 1;
			continue;
		}
		for (i = 0; i < nvars; i++)
			if (strlen(vars[i].name) == len && strncmp(vars[i].name, at + 1, len) == 0)
				break;
		if (i == nvars) {
			errorx("%s: unknown placeholder '@%.*s@'", what, (int)len, at + 1);
			strbuf_release(&sb);
			return NULL;
		}
		if (strpbrk(vars[i].value, "<>&'\"")) {
			errorx("%s: the value of '@%s@' ('%s') has characters XML would "
			       "misread", what, vars[i].name, vars[i].value);
			strbuf_release(&sb);
			return NULL;
		}
		strbuf_adds(&sb, vars[i].value);
		p = end + 1;
	}
	strbuf_adds(&sb, p);
	return strbuf_detach(&sb);
}

/*
 * Under qemu:///system QEMU runs as libvirt-qemu: every parent of the files
 * it opens must be searchable by others. Names the first that is not.
 */
static int
check_traversable(const char *path)
{
	char *copy = xstrdup(path), *slash;
	struct stat st;

	while ((slash = strrchr(copy, '/')) != NULL && slash != copy) {
		*slash = '\0';
		if (stat(copy, &st) == 0 && !(st.st_mode & S_IXOTH)) {
			errorx("directory '%s' (mode %04o) is not traversable by others, so "
			       "QEMU (user libvirt-qemu under qemu:///system) cannot reach '%s': "
			       "put the instance where every parent is (e.g. mktemp -d -p "
			       "/var/tmp; chmod 755) or chmod o+x '%s'", copy,
			       (unsigned)(st.st_mode & 07777), path, copy);
			free(copy);
			return -1;
		}
	}
	free(copy);
	return 0;
}

static char *
image_cmdline(const char *imgdir)
{
	char *path = path_join(imgdir, "image.json");
	json_t *root = json_load_file(path, 0, NULL);
	const char *s = json_string_value(json_object_get(root, "kernel_cmdline"));
	char *out = xstrdup(s ? s : "console=ttyS0,115200 panic=-1 oops=panic");

	json_decref(root);
	free(path);
	return out;
}

static int
remove_leftover(struct guest *g)
{
	struct ts_domain *old = NULL;
	int r = toolstack_lookup(g->ts, g->name, &old);

	if (r <= 0)
		return r;
	step_log(g->ctx, "domain '%s' is left from an earlier run: destroying it", g->name);
	r = toolstack_destroy(old) < 0 || toolstack_undefine(old) < 0 ? -1 : 0;
	ts_domain_free(old);
	return r;
}

static int
make_overlay(struct guest *g, const char *golden, const char *format)
{
	const char *argv[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-b", golden,
			       "-F", format, g->overlay, NULL };
	char *dir = xstrdup(g->overlay);
	int rc;

	*strrchr(dir, '/') = '\0';
	rc = mkdir_p(dir, 0755);
	free(dir);
	if (rc < 0)
		return -1;
	if (unlink(g->overlay) < 0 && errno != ENOENT)
		return error("cannot remove the old overlay '%s'", g->overlay);
	rc = step_run(g->ctx, argv, NULL, NULL, 60);
	if (rc != 0)
		return errorx("cannot make overlay '%s' of '%s'", g->overlay, golden);
	return 0;
}

enum step_status
step_guest_start(struct step_ctx *ctx)
{
	int boot_timeout = (int)step_setting_int(ctx, "guest.boot_timeout");
	const char *image = step_runvar(ctx, "image");
	const char *golden, *format, *kind;
	char *imgdir = NULL, *tmplfile = NULL, *tmpl = NULL, *xml = NULL, *cmdline = NULL;
	char *kernel = NULL, *initrd = NULL, *tools = NULL, *mem = NULL, *vcpus = NULL;
	char *xmlfile = NULL;
	enum step_status rc = STEP_BROKEN;
	double started = now_monotonic(), t0;
	struct guest g;
	json_t *img;
	int status;

	guest_init(&g, ctx);
	if (image == NULL)
		image = "testguest";
	img = step_image(ctx, image);
	if (img == NULL) {
		step_log(ctx, "image '%s' is not registered (run 'pvci image build %s')", image,
			 image);
		goto out;
	}
	golden = json_string_value(json_object_get(img, "path"));
	format = json_string_value(json_object_get(img, "format"));
	kind = json_string_value(json_object_get(img, "kind"));
	if (!golden || !format || !kind) {
		step_log(ctx, "image '%s' has no path, format or kind", image);
		goto out;
	}
	step_log(ctx, "image '%s' (%s, %s): %s", image, kind, format, golden);
	if (guest_pick_os(&g, kind) < 0)
		goto out;
	step_log(ctx, "guest operating system '%s'", g.os->name);
	imgdir = xstrdup(golden);
	*strrchr(imgdir, '/') = '\0';

	if (guest_open_toolstack(&g) < 0)
		goto out;
	tmplfile = template_path(g.os, toolstack_template_file(g.ts));
	tmpl = read_file(tmplfile, 1024 * 1024, NULL);
	if (tmpl == NULL)
		goto out;
	if (strncmp(step_setting(ctx, "toolstack.uri"), "qemu:///system", 14) == 0 &&
	    (check_traversable(golden) < 0 || check_traversable(g.overlay) < 0))
		goto out;
	if (remove_leftover(&g) < 0)
		goto out;

	t0 = now_monotonic();
	if (make_overlay(&g, golden, format) < 0)
		goto out;
	step_measure(ctx, "overlay_seconds", now_monotonic() - t0, "s");
	step_set_runvar(ctx, "guest_overlay", g.overlay);

	/* A fresh console log per boot of this job. */
	step_work_dir(ctx);
	if (unlink(g.console_log) < 0 && errno != ENOENT)
		log_warn("cannot remove '%s'", g.console_log);

	kernel = path_join(imgdir, "vmlinuz");
	initrd = path_join(imgdir, "initramfs.img");
	tools = path_join(imgdir, "tools.ext4");
	cmdline = image_cmdline(imgdir);
	mem = xasprintf("%ld", step_setting_int(ctx, "guest.memory_mib"));
	vcpus = xasprintf("%ld", step_setting_int(ctx, "guest.vcpus"));
	{
		const struct var vars[] = {
			{ "NAME", g.name },
			{ "DOMAIN_TYPE", toolstack_domain_type(g.ts) },
			{ "MEMORY_MIB", mem },
			{ "VCPUS", vcpus },
			{ "KERNEL", kernel },
			{ "INITRD", initrd },
			{ "CMDLINE", cmdline },
			{ "EMULATOR", step_setting(ctx, "toolstack.emulator") },
			{ "OVERLAY", g.overlay },
			{ "TOOLS", tools },
			{ "CONSOLE_LOG", g.console_log },
			{ "IMAGE_DIR", imgdir },
			{ "GOLDEN", golden },
		};

		xml = expand(tmpl, tmplfile, vars, sizeof(vars) / sizeof(vars[0]));
	}
	if (xml == NULL)
		goto out;
	xmlfile = path_join(step_work_dir(ctx), toolstack_template_file(g.ts));
	xmlfile[strlen(xmlfile) - 3] = '\0';	/* drop ".in" */
	if (write_file_atomic(xmlfile, xml, strlen(xml), 0644) == 0)
		step_log(ctx, "domain configuration in '%s'", xmlfile);

	if (toolstack_define(g.ts, g.name, xml, &g.dom) < 0)
		goto out;
	step_set_runvar(ctx, "guest_domain", g.name);
	t0 = now_monotonic();
	if (toolstack_start(g.dom) < 0)
		goto out;
	step_log(ctx, "domain '%s' started in %.2f s", g.name, now_monotonic() - t0);

	if (guest_connect(&g, guest_time_limit(&g, boot_timeout), NULL, NULL) < 0) {
		/* Nothing of the drivers is in the guest yet: not their failure. */
		guest_verdict(&g);
		goto out;
	}
	step_measure(ctx, "boot_seconds", now_monotonic() - t0, "s");
	step_set_runvar(ctx, "guest_boot_id", g.boot_id);
	if (guest_run(&g, g.os->identify_cmd, guest_time_limit(&g, 30), &status, NULL, 1) < 0) {
		rc = guest_verdict(&g);
		goto out;
	}
	rc = STEP_PASS;
out:
	guest_log_harness_time(&g, started);
	guest_release(&g);
	json_decref(img);
	free(imgdir);
	free(tmplfile);
	free(tmpl);
	free(xml);
	free(xmlfile);
	free(cmdline);
	free(kernel);
	free(initrd);
	free(tools);
	free(mem);
	free(vcpus);
	return rc;
}
