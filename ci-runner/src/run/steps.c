#include <string.h>

#include "stepdecl.h"
#include "steps.h"

/*
 * The runvars each step reads (read the step's file to change them): the
 * recipe of a flight is checked against these when the flight is created.
 * Runvars that an earlier step writes while the flight runs are declared
 * RUNVAR_FROM_STEP, so that a recipe cannot set them beforehand.
 */
#define END { NULL, 0, RUNVAR_TEXT, 0, 0, NULL }
#define GUEST_BOOT_ID { "guest_boot_id", RUNVAR_FROM_STEP, RUNVAR_TEXT, 0, 0, \
			"the guest's boot, written by guest-start and guest-reboot" }

static const struct runvar_decl run_inputs[] = {
	{ "cmd_{testid}", RUNVAR_REQUIRED, RUNVAR_ARGV, 0, 0, "the command, a JSON argv" },
	END
};

static const struct runvar_decl source_inputs[] = {
	{ "trees", RUNVAR_REQUIRED, RUNVAR_NAMES, 0, 0, "the trees to check out, set by pvci" },
	{ "tree_{tree}", RUNVAR_REQUIRED, RUNVAR_TEXT, 0, 0, "the tree's URL, set by pvci" },
	{ "branch_{tree}", 0, RUNVAR_TEXT, 0, 0, "the tree's branch, set by pvci" },
	{ "revision_{tree}", 0, RUNVAR_TEXT, 0, 0, "the commit to check out" },
	END
};

static const struct runvar_decl build_inputs[] = {
	{ "driver", RUNVAR_REQUIRED, RUNVAR_NAME, 0, 0, "the driver of the manifest to build" },
	{ "trees", RUNVAR_REQUIRED, RUNVAR_NAMES, 0, 0, "the checked-out trees, set by pvci" },
	{ "subdir_{tree}", 0, RUNVAR_PATH, 0, 0, "the driver's folder in the tree" },
	{ "manifest", 0, RUNVAR_TEXT, 0, 0, "the driver manifest file" },
	{ "version", 0, RUNVAR_TEXT, 0, 0, "MAJOR.MINOR.MICRO" },
	{ "build_number", 0, RUNVAR_INTEGER, 0, 65535, "the build number" },
	{ "arch", 0, RUNVAR_NAME, 0, 0, "x64 or x86" },
	{ "build_type", 0, RUNVAR_NAME, 0, 0, "free or checked" },
	{ "executor", 0, RUNVAR_NAME, 0, 0, "local or guest" },
	{ "build_argv", 0, RUNVAR_ARGV, 0, 0, "the build command, a JSON argv" },
	{ "build_network", 0, RUNVAR_INTEGER, 0, 1, "1: the build sandbox keeps the network" },
	END
};

static const struct runvar_decl sign_inputs[] = {
	{ "buildjob", 0, RUNVAR_NAME, 0, 0, "the job whose build to sign (default: this one)" },
	END
};

static const struct runvar_decl guest_start_inputs[] = {
	{ "image", 0, RUNVAR_NAME, 0, 0, "the registered golden image (default testguest)" },
	END
};

static const struct runvar_decl driver_install_inputs[] = {
	{ "buildjob", RUNVAR_REQUIRED, RUNVAR_NAME, 0, 0, "the job whose package to install" },
	GUEST_BOOT_ID,
	END
};

static const struct runvar_decl storage_inputs[] = {
	{ "storage_size", 0, RUNVAR_TEXT, 0, 0, "fio's --size, e.g. 64M" },
	{ "storage_device", 0, RUNVAR_TEXT, 0, 0, "the guest's scratch disk" },
	{ "storage_runtime", 0, RUNVAR_NUMBER, 1, 3600, "seconds of random reads" },
	{ "storage_min_write_mibs", 0, RUNVAR_NUMBER, 0, 1e9, "MiB/s" },
	{ "storage_min_read_mibs", 0, RUNVAR_NUMBER, 0, 1e9, "MiB/s" },
	{ "storage_min_read_iops", 0, RUNVAR_NUMBER, 0, 1e12, "IOPS" },
	GUEST_BOOT_ID,
	END
};

static const struct runvar_decl network_inputs[] = {
	{ "network_server", 0, RUNVAR_TEXT, 0, 0, "the host's IPv4 address seen by the guest" },
	{ "network_runtime", 0, RUNVAR_NUMBER, 1, 3600, "seconds each way" },
	{ "network_min_gbits", 0, RUNVAR_NUMBER, 0, 1e6, "Gbit/s" },
	GUEST_BOOT_ID,
	END
};

static const struct runvar_decl lifecycle_inputs[] = {
	GUEST_BOOT_ID,
	{ "installed_version", RUNVAR_FROM_STEP, RUNVAR_TEXT, 0, 0,
	  "written by driver-install" },
	END
};

static const struct runvar_decl guest_stop_inputs[] = {
	GUEST_BOOT_ID,
	END
};

static const struct runvar_decl guest_run_inputs[] = {
	{ "cmd_{testid}", RUNVAR_REQUIRED, RUNVAR_TEXT, 0, 0, "a command for the guest's shell" },
	GUEST_BOOT_ID,
	END
};

static const struct runvar_decl no_inputs[] = {
	END
};

/*
 * The one table of steps. A recipe names steps from here; "always" steps
 * still run after an earlier step of the job failed; "infra" steps are
 * infrastructure, so running out of time there is "broken", not "fail".
 */
static const struct step_def step_defs[] = {
	{ "run", "run a command (runvar cmd_TESTID, a JSON argv) on this machine",
	  step_run_command, 0, 0, 600, run_inputs },
	{ "source", "fetch the job's trees and check out their exact revisions",
	  step_source, 0, 1, 600, source_inputs },
	{ "build", "build the driver and stamp its version", step_build, 0, 0, 1800,
	  build_inputs },
	{ "sign", "Authenticode-sign, package, checksum and make the installer ISO",
	  step_sign, 0, 0, 300, sign_inputs },
	{ "guest-start", "make an overlay, define and start the guest, wait for its agent",
	  step_guest_start, 0, 1, 300, guest_start_inputs },
	{ "driver-install", "attach the installer ISO, check it, install, compare versions",
	  step_driver_install, 0, 0, 300, driver_install_inputs },
	{ "storage-stress", "fio with data verification on a scratch disk",
	  step_storage_stress, 0, 0, 600, storage_inputs },
	{ "network-stress", "iperf3 between host and guest, both directions",
	  step_network_stress, 0, 0, 600, network_inputs },
	{ "guest-reboot", "reboot the guest and wait for a new boot of its agent",
	  step_guest_reboot, 0, 0, 300, lifecycle_inputs },
	{ "guest-saverestore", "save the guest to a file, restore it, check the driver",
	  step_guest_saverestore, 0, 0, 300, lifecycle_inputs },
	{ "guest-stop", "clean shutdown through the agent, destroyed if it hangs",
	  step_guest_stop, 0, 0, 120, guest_stop_inputs },
	{ "guest-run", "run a command (runvar cmd_TESTID) in the guest",
	  step_guest_run, 0, 0, 300, guest_run_inputs },
	{ "capture-logs", "keep the serial console, QEMU and guest kernel logs",
	  step_capture_logs, 1, 1, 120, no_inputs },
	{ "cleanup", "destroy and undefine the guest, delete its overlay",
	  step_cleanup, 1, 1, 120, no_inputs },
};

const struct step_def *
step_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(step_defs) / sizeof(step_defs[0]); i++)
		if (strcmp(step_defs[i].name, name) == 0)
			return &step_defs[i];
	return NULL;
}

const struct step_def *
step_table(int *count)
{
	*count = (int)(sizeof(step_defs) / sizeof(step_defs[0]));
	return step_defs;
}

int
step_declaration(const char *name, struct step_decl *out)
{
	const struct step_def *def = step_lookup(name);

	if (!def)
		return -1;
	out->name = def->name;
	out->always = def->always;
	out->infra = def->infra;
	out->default_timeout = def->default_timeout;
	out->inputs = def->inputs;
	return 0;
}
