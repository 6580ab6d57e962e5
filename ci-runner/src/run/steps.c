#include <string.h>

#include "steps.h"

/*
 * The one table of steps. A recipe names steps from here; "always" steps
 * still run after an earlier step of the job failed; "infra" steps are
 * infrastructure, so running out of time there is "broken", not "fail".
 */
static const struct step_def step_defs[] = {
	{ "run", "run a command (runvar cmd_TESTID, a JSON argv) on this machine",
	  step_run_command, 0, 0, 600 },
	{ "source", "fetch the job's trees and check out their exact revisions",
	  step_source, 0, 1, 600 },
	{ "build", "build the driver and stamp its version", step_build, 0, 0, 1800 },
	{ "sign", "Authenticode-sign, package, checksum and make the installer ISO",
	  step_sign, 0, 0, 300 },
	{ "guest-start", "make an overlay, define and start the guest, wait for its agent",
	  step_guest_start, 0, 1, 300 },
	{ "driver-install", "attach the installer ISO, check it, install, compare versions",
	  step_driver_install, 0, 0, 300 },
	{ "storage-stress", "fio with data verification on a scratch disk",
	  step_storage_stress, 0, 0, 600 },
	{ "network-stress", "iperf3 between host and guest, both directions",
	  step_network_stress, 0, 0, 600 },
	{ "guest-reboot", "reboot the guest and wait for a new boot of its agent",
	  step_guest_reboot, 0, 0, 300 },
	{ "guest-saverestore", "save the guest to a file, restore it, check the driver",
	  step_guest_saverestore, 0, 0, 300 },
	{ "guest-stop", "clean shutdown through the agent, destroyed if it hangs",
	  step_guest_stop, 0, 0, 120 },
	{ "guest-run", "run a command (runvar cmd_TESTID) in the guest",
	  step_guest_run, 0, 0, 300 },
	{ "capture-logs", "keep the serial console, QEMU and guest kernel logs",
	  step_capture_logs, 1, 1, 120 },
	{ "cleanup", "destroy and undefine the guest, delete its overlay",
	  step_cleanup, 1, 1, 120 },
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
