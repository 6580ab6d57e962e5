/*
 * pvci image: golden images of test guests.
 *
 *   image build NAME [--dir DIR | --from DIR]
 *   image list [--json]
 *
 * "build" runs guest-images/NAME/build.sh into DIR (default: the setting
 * images.dir of the instance, then NAME), which is quick when the image
 * there is up to date, so a shared folder can serve many instances; --from
 * registers an image already built in DIR without running anything. Either
 * way the golden disk (DIR/disk.qcow2) is registered in the images table
 * with its format, size, SHA-256 and kind (from DIR/image.json).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "db.h"
#include "instance.h"
#include "log.h"
#include "proc.h"
#include "util.h"
#include "windows-image.h"

#define BUILD_TIMEOUT 3600

/* image build windows ... (cmd-image-windows.c). */
int image_build_windows(struct cmd_opts *opts, int argc, char **argv);

static void
warn_untraversable(const char *path)
{
	char *copy = xstrdup(path), *slash;
	struct stat st;

	while ((slash = strrchr(copy, '/')) != NULL && slash != copy) {
		*slash = '\0';
		if (stat(copy, &st) == 0 && !(st.st_mode & S_IXOTH)) {
			log_warnx("'%s' (mode %04o) is not traversable by others: QEMU running "
				  "as libvirt-qemu (qemu:///system) will not reach '%s'", copy,
				  (unsigned)(st.st_mode & 07777), path);
			break;
		}
	}
	free(copy);
}

#define BUILD_USAGE "image build NAME [--dir DIR | --from DIR]"
#define LIST_USAGE "image list [--json]"

static const struct cmd_form build_form = { "image build", BUILD_USAGE };
static const struct cmd_form list_form = { "image list", LIST_USAGE };

static int
register_dir(struct instance *inst, const char *name, const char *dir)
{
	char *golden = path_join(dir, "disk.qcow2"), *manifest = path_join(dir, "image.json");
	const char *kind = name, *format = "qcow2";
	char hex[65];
	json_error_t jerr;
	json_t *root = NULL;
	off_t size;
	int rc = -1;

	if (!file_exists(golden)) {
		errorx("image '%s': no golden disk '%s'", name, golden);
		goto out;
	}
	if (file_exists(manifest)) {
		root = json_load_file(manifest, 0, &jerr);
		if (root == NULL) {
			errorx("%s:%d:%d: %s", manifest, jerr.line, jerr.column, jerr.text);
			goto out;
		}
		if (json_is_string(json_object_get(root, "kind")))
			kind = json_string_value(json_object_get(root, "kind"));
		if (json_is_string(json_object_get(root, "format")))
			format = json_string_value(json_object_get(root, "format"));
	}
	if (!name_is_valid(kind)) {
		errorx("image '%s': invalid kind '%s' in '%s'", name, kind, manifest);
		goto out;
	}
	if (sha256_file(golden, hex, &size) < 0)
		goto out;
	warn_untraversable(golden);
	if (db_image_register(inst->db, name, golden, format, (long long)size, hex, kind) < 0)
		goto out;
	printf("registered image '%s' (%s, %s, %lld bytes): %s\n", name, kind, format,
	       (long long)size, golden);
	rc = 0;
out:
	json_decref(root);
	free(golden);
	free(manifest);
	return rc;
}

static int
image_build(struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "from", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir_opt = NULL, *from = NULL, *name;
	char *script = NULL, *dir = NULL, *images = NULL;
	struct instance *inst = NULL;
	int c, rc = EXIT_ERROR;

	if (argc >= 2 && strcmp(argv[1], "windows") == 0)
		return image_build_windows(opts, argc, argv);
	optind = 0;
	while ((c = cmd_getopt(&build_form, opts, argc, argv, "", longopts)) != -1) {
		if (c == 'd')
			dir_opt = optarg;
		else if (c == 'f')
			from = optarg;
		else
			return EXIT_USAGE;
	}
	if (optind + 1 != argc)
		return cmd_form_error(&build_form, "needs one NAME");
	if (dir_opt && from)
		return cmd_form_error(&build_form, "--dir and --from exclude each other");
	name = argv[optind];
	if (!name_is_valid(name))
		return cmd_form_error(&build_form, "'%s' is not an image name", name);
	inst = instance_open(opts->home, INSTANCE_WRITE);
	if (inst == NULL)
		return EXIT_ERROR;
	if (from) {
		dir = path_absolute(from);
	} else {
		const char *argv2[3];
		struct proc_opts po = { .out_fd = 2, .timeout = BUILD_TIMEOUT };
		int r;

		script = xasprintf("%s/guest-images/%s/build.sh", data_dir(), name);
		if (!file_exists(script)) {
			errorx("no recipe for image '%s' ('%s' is missing)", name, script);
			goto out;
		}
		if (dir_opt)
			dir = path_absolute(dir_opt);
		else {
			images = instance_path(inst, "images.dir");
			dir = path_join(images, name);
		}
		if (mkdir_p(dir, 0755) < 0)
			goto out;
		argv2[0] = script;
		argv2[1] = dir;
		argv2[2] = NULL;
		fprintf(stderr, "pvci: building image '%s' into '%s'\n", name, dir);
		r = proc_run(argv2, &po);
		if (r != 0) {
			if (r > 0)
				errorx("'%s' exited with status %d", script, r);
			goto out;
		}
	}
	if (register_dir(inst, name, dir) == 0)
		rc = EXIT_PASS;
out:
	instance_close(inst);
	free(script);
	free(dir);
	free(images);
	return rc;
}

static int
image_list(struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ NULL, 0, NULL, 0 },
	};
	struct instance *inst;
	json_t *list, *img;
	size_t i;
	int c, json = 0;

	optind = 0;
	while ((c = cmd_getopt(&list_form, opts, argc, argv, "", longopts)) != -1) {
		if (c != 'J')
			return EXIT_USAGE;
		json = 1;
	}
	if (optind != argc)
		return cmd_form_error(&list_form, "takes only --json");
	inst = instance_open(opts->home, INSTANCE_READ);
	if (inst == NULL)
		return EXIT_ERROR;
	list = db_image_list_json(inst->db);
	if (list == NULL) {
		instance_close(inst);
		return EXIT_ERROR;
	}
	if (json) {
		json_dumpf(list, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		printf("%-16s %-18s %-6s %12s  %s\n", "NAME", "KIND", "FORMAT", "SIZE", "PATH");
		json_array_foreach(list, i, img)
			printf("%-16s %-18s %-6s %12lld  %s\n",
			       json_string_value(json_object_get(img, "name")),
			       json_string_value(json_object_get(img, "kind")),
			       json_string_value(json_object_get(img, "format")),
			       (long long)json_integer_value(json_object_get(img, "size")),
			       json_string_value(json_object_get(img, "path")));
	}
	json_decref(list);
	instance_close(inst);
	return EXIT_PASS;
}

static int
cmd_image_exec(struct cmd_opts *opts, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "build") == 0)
		return image_build(opts, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return image_list(opts, argc - 1, argv + 1);
	return cmd_usage_error(&cmd_image_entry, "which image command? (build, list)");
}

const struct cmd_entry cmd_image_entry = {
	.name = "image",
	.usage = BUILD_USAGE " | " LIST_USAGE,
	.summary = "build and register golden images of test guests, list them",
	.help = "  build NAME   run guest-images/NAME/build.sh into DIR (default images.dir/NAME;\n"
		"               up to date images are only checked) and register it\n"
		"  --dir DIR    build into DIR, e.g. a folder shared by several instances\n"
		"  --from DIR   register an image already built in DIR, running nothing\n"
		"  list         the registered images (--json: as JSON)\n"
		"  build windows --iso PATH --edition E [--dry-run] [--dir DIR]\n"
		"               [--test-signing on|off] [--timeout S]\n"
		"               install Windows E (" WIN_EDITION_NAMES ") unattended\n"
		"               from PATH; --dry-run prints the answer file and the domain\n",
	.exec = cmd_image_exec,
};

/* For image build windows (cmd-image-windows.c): registers DIR as NAME. */
int image_register_dir(struct instance *inst, const char *name, const char *dir);

int
image_register_dir(struct instance *inst, const char *name, const char *dir)
{
	return register_dir(inst, name, dir);
}
