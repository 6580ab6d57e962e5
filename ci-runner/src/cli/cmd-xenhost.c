/*
 * pvci xenhost: the instance's Xen test host (a QEMU guest running Xen).
 *
 *   xenhost start [--image DIR] [--timeout S]
 *   xenhost stop
 *   xenhost run CMD [ARG...]
 *   xenhost domain NAME OP [ARG]
 *
 * The host's state lives in INSTANCE/xenhost; its libvirt domain is named
 * GUEST.NAME_PREFIX-xenhost on toolstack.uri (qemu:///system when the
 * instance's toolstack is xl). "domain" drives a guest of the host through
 * pvci's toolstack layer (the xl backend over SSH), one operation a call:
 * create CFG, state, list, save PATH, restore PATH, shutdown, destroy.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "instance.h"
#include "log.h"
#include "toolstack.h"
#include "util.h"
#include "xenhost.h"

#define START_USAGE "xenhost start [--image DIR] [--timeout SECONDS]"
#define STOP_USAGE "xenhost stop"
#define RUN_USAGE "xenhost run CMD [ARG...]"
#define DOMAIN_USAGE "xenhost domain NAME create CFG|state|list|save PATH|restore PATH|" \
	"shutdown|destroy"

static const struct cmd_form start_form = { "xenhost start", START_USAGE };
static const struct cmd_form stop_form = { "xenhost stop", STOP_USAGE };
static const struct cmd_form run_form = { "xenhost run", RUN_USAGE };
static const struct cmd_form domain_form = { "xenhost domain", DOMAIN_USAGE };

static char *
state_dir(const struct instance *inst)
{
	return path_join(inst->home, "xenhost");
}

static int
xh_start(struct cmd_opts *opts, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "image", required_argument, NULL, 'i' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct xenhost_opts xo = { 0 };
	struct instance *inst;
	const char *image = NULL, *backend, *dtype;
	char *dir = NULL, *images = NULL, *img = NULL, *domain = NULL;
	long timeout = 900;
	int c, rc = EXIT_BROKEN;

	optind = 0;
	while ((c = cmd_getopt(&start_form, opts, argc, argv, "", longopts)) != -1) {
		if (c == 'i')
			image = optarg;
		else if (c == 't') {
			if (parse_long(optarg, &timeout) < 0 || timeout < 1 || timeout > 86400)
				return cmd_form_error(&start_form, "--timeout '%s' is not 1..86400",
						      optarg);
		} else
			return EXIT_USAGE;
	}
	if (optind != argc)
		return cmd_form_error(&start_form, "takes no arguments");
	inst = instance_open(opts->home, INSTANCE_WRITE);
	if (inst == NULL)
		return EXIT_ERROR;
	if (image)
		img = path_absolute(image);
	else {
		images = instance_path(inst, "images.dir");
		img = path_join(images, "xenhost");
	}
	dir = state_dir(inst);
	domain = xasprintf("%s-xenhost", config_str(inst->cfg, "guest.name_prefix"));
	backend = config_str(inst->cfg, "toolstack.backend");
	dtype = config_str(inst->cfg, "toolstack.domain_type");
	xo.image_dir = img;
	xo.state_dir = dir;
	xo.domain = domain;
	xo.uri = strcmp(backend, "libvirt") == 0 ? config_str(inst->cfg, "toolstack.uri")
						 : "qemu:///system";
	xo.domain_type = dtype && strcmp(dtype, "kvm") == 0 ? "kvm" : "qemu";
	xo.emulator = config_str(inst->cfg, "toolstack.emulator");
	xo.boot_timeout = (int)timeout;
	if (xenhost_start(&xo) == 0) {
		struct xenhost_ssh ssh;

		if (xenhost_ssh_load(dir, &ssh) == 0)
			printf("xen host '%s' running: dom0 at %s (key '%s')\n", domain, ssh.uri,
			       ssh.key);
		xenhost_ssh_release(&ssh);
		rc = EXIT_PASS;
	}
	instance_close(inst);
	free(dir);
	free(images);
	free(img);
	free(domain);
	return rc;
}

static int
xh_stop(struct cmd_opts *opts, int argc, char **argv)
{
	struct instance *inst;
	char *dir;
	int rc, c;

	optind = 0;
	while ((c = cmd_getopt(&stop_form, opts, argc, argv, "", NULL)) != -1)
		return EXIT_USAGE;
	if (optind != argc)
		return cmd_form_error(&stop_form, "takes no arguments");
	inst = instance_open(opts->home, INSTANCE_WRITE);
	if (inst == NULL)
		return EXIT_ERROR;
	dir = state_dir(inst);
	rc = xenhost_stop(dir) == 0 ? EXIT_PASS : EXIT_BROKEN;
	free(dir);
	instance_close(inst);
	return rc;
}

static int
xh_run(struct cmd_opts *opts, int argc, char **argv)
{
	struct instance *inst;
	char *dir;
	int rc;

	/* Everything after "run" is the remote argv, options included. */
	if (argc < 2)
		return cmd_form_error(&run_form, "needs a command");
	inst = instance_open(opts->home, INSTANCE_READ);
	if (inst == NULL)
		return EXIT_ERROR;
	dir = state_dir(inst);
	rc = xenhost_run(dir, (const char *const *)argv + 1);
	free(dir);
	instance_close(inst);
	if (rc < 0 || rc == 255)
		return EXIT_BROKEN;
	return rc == 0 ? EXIT_PASS : EXIT_FAILED;
}

/* The toolstack of the instance's Xen host: xl in its dom0 over SSH. */
static struct toolstack *
host_toolstack(const struct instance *inst, int shutdown_timeout)
{
	struct toolstack_opts o = { .backend = "xl", .domain_type = "xen" };
	char *dir = state_dir(inst), *xl_dir = path_join(dir, "xl");
	struct toolstack *ts = NULL;
	struct xenhost_ssh ssh;

	if (xenhost_ssh_load(dir, &ssh) == 0) {
		o.uri = ssh.uri;
		o.ssh_key = ssh.key;
		o.ssh_known_hosts = ssh.known_hosts;
		o.ssh_control = ssh.control;
		o.state_dir = xl_dir;
		o.shutdown_timeout = shutdown_timeout;
		ts = toolstack_open(&o);
	}
	xenhost_ssh_release(&ssh);
	free(xl_dir);
	free(dir);
	return ts;
}

static int
domain_op(struct toolstack *ts, const char *name, const char *op, const char *arg)
{
	struct ts_domain *dom = NULL;
	enum ts_state st;
	int rc = -1, r;

	if (strcmp(op, "list") == 0) {
		char **names = NULL;
		int n = toolstack_list(ts, name, &names);

		for (int i = 0; i < n; i++) {
			printf("%s\n", names[i]);
			free(names[i]);
		}
		free(names);
		return n < 0 ? -1 : 0;
	}
	if (strcmp(op, "create") == 0) {
		char *cfg = read_file(arg, 1024 * 1024, NULL);

		if (cfg == NULL)
			return -1;
		rc = toolstack_define(ts, name, cfg, &dom);
		free(cfg);
		if (rc == 0)
			rc = toolstack_start(dom);
		ts_domain_free(dom);
		return rc;
	}
	r = toolstack_lookup(ts, name, &dom);
	if (r <= 0) {
		if (r == 0)
			errorx("domain '%s' is not known to the Xen host", name);
		return -1;
	}
	if (strcmp(op, "state") == 0) {
		rc = toolstack_state(dom, &st);
		if (rc == 0)
			printf("%s\n", ts_state_name(st));
	} else if (strcmp(op, "save") == 0)
		rc = toolstack_save(dom, arg);
	else if (strcmp(op, "restore") == 0)
		rc = toolstack_restore(dom, arg);
	else if (strcmp(op, "shutdown") == 0)
		rc = toolstack_shutdown(dom);
	else if (strcmp(op, "destroy") == 0) {
		rc = toolstack_destroy(dom);
		if (rc == 0)
			rc = toolstack_undefine(dom);
	}
	ts_domain_free(dom);
	return rc;
}

static int
xh_domain(struct cmd_opts *opts, int argc, char **argv)
{
	static const char *const with_arg[] = { "create", "save", "restore", NULL };
	static const char *const without[] = { "state", "list", "shutdown", "destroy", NULL };
	struct instance *inst;
	struct toolstack *ts;
	const char *name, *op;
	int needs = -1, rc;

	if (argc < 3)
		return cmd_form_error(&domain_form, "needs NAME and OP");
	name = argv[1];
	op = argv[2];
	for (int i = 0; with_arg[i]; i++)
		if (strcmp(op, with_arg[i]) == 0)
			needs = 1;
	for (int i = 0; without[i]; i++)
		if (strcmp(op, without[i]) == 0)
			needs = 0;
	if (needs < 0)
		return cmd_form_error(&domain_form, "unknown operation '%s'", op);
	if (argc != 3 + needs)
		return cmd_form_error(&domain_form, "'%s' takes %s", op,
				      needs ? "one argument" : "no argument");
	if (!name_is_valid(name))
		return cmd_form_error(&domain_form, "'%s' is not a domain name", name);
	inst = instance_open(opts->home, INSTANCE_READ);
	if (inst == NULL)
		return EXIT_ERROR;
	ts = host_toolstack(inst, (int)config_int(inst->cfg, "guest.shutdown_timeout"));
	rc = ts && domain_op(ts, name, op, needs ? argv[3] : NULL) == 0 ? EXIT_PASS : EXIT_BROKEN;
	toolstack_close(ts);
	instance_close(inst);
	return rc;
}

static int
cmd_xenhost_exec(struct cmd_opts *opts, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "start") == 0)
		return xh_start(opts, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "stop") == 0)
		return xh_stop(opts, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		return xh_run(opts, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "domain") == 0)
		return xh_domain(opts, argc - 1, argv + 1);
	return cmd_usage_error(&cmd_xenhost_entry,
			       "which xenhost command? (start, stop, run, domain)");
}

const struct cmd_entry cmd_xenhost_entry = {
	.name = "xenhost",
	.usage = START_USAGE " | " STOP_USAGE " | " RUN_USAGE " | " DOMAIN_USAGE,
	.summary = "boot and stop the instance's Xen test host, run xl in its dom0",
	.help = "  start        boot the Xen host image (--image DIR, default images.dir/xenhost)\n"
		"               as a QEMU guest and wait until dom0 answers 'xl info' over SSH\n"
		"  stop         destroy the host VM\n"
		"  run CMD...   run a command in dom0 over SSH\n"
		"  domain NAME OP [ARG]\n"
		"               a guest of the host through pvci's xl backend: create CFG\n"
		"               (an xl.cfg file here), state, list (NAME: a prefix), save PATH,\n"
		"               restore PATH (PATH in dom0), shutdown (bounded by\n"
		"               guest.shutdown_timeout, then destroy), destroy\n"
		"exit status: 0 done, 2 broken (no host, SSH link or xl failed), 3 error\n",
	.exec = cmd_xenhost_exec,
};
