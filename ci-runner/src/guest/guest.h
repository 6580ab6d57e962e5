/*
 * What the guest steps share: the names of a job's guest, the toolstack
 * opened from the config, the agent connected with a watch that notices a
 * crash or a kernel panic at once, and the verdict after an error (fail or
 * broken).
 *
 * Every name is derived from the flight and the job alone, so a step of a
 * later process (cleanup after a killed job) finds everything again:
 *   domain    pvci-FLIGHT-JOB (the prefix is the setting guest.name_prefix, so
 *             instances sharing a libvirt need not collide)
 *   overlay   <instance>/<images.overlays>/FLIGHT/JOB.qcow2
 *   serial0   <instance>/work/FLIGHT/JOB/serial0.log
 *   save file <instance>/work/FLIGHT/JOB/guest.save
 */
#ifndef PVCI_GUEST_H
#define PVCI_GUEST_H

#include "step.h"

struct toolstack;
struct ts_domain;
struct agent;
struct guest_os;

#define GUEST_AGENT_DEV	"serial1"
#define GUEST_CDROM	"hdc"

struct guest {
	struct step_ctx *ctx;
	char *name;		/* PREFIX-FLIGHT-JOB */
	char *overlay;		/* absolute */
	char *console_log;	/* serial0, absolute */
	char *save_file;	/* absolute */
	struct toolstack *ts;	/* NULL until guest_open_toolstack */
	struct ts_domain *dom;	/* NULL until defined or found */
	const struct guest_os *os;	/* NULL until guest_pick_os (guest-os.h) */
	int no_os;		/* guest_pick_os failed: the verdict is broken */
	struct agent *agent;	/* NULL until guest_connect */
	char *boot_id;		/* of the agent now connected */
	/* Set when the guest went down under a step (crash, panic, stop). */
	int down;
	int panicked;		/* a kernel panic was seen on serial0 */
	int emulator_died;	/* the emulator died under the guest: the verdict is broken */
	/* The panic scan of the serial0 log: where it got to, and a carry. */
	long long scanned;
	char carry[32];
	/* Seconds spent waiting for the guest (boot, commands), for the harness time. */
	double guest_seconds;
};

/* "PREFIX-FLIGHT-JOB"; caller frees. */
char *guest_domain_name(const char *prefix, long flight, const char *job);

/* Fills the names; opens nothing. Always succeeds. */
void guest_init(struct guest *g, struct step_ctx *ctx);
/* Closes the agent and the toolstack, frees the names. */
void guest_release(struct guest *g);

/* Opens the toolstack of the config (toolstack.*); -1 (reported) is broken. */
int guest_open_toolstack(struct guest *g);
/*
 * Finds the job's domain: 0 when found, -1 when it is missing (reported as
 * a step failure: an earlier step should have made it) or on error.
 */
int guest_find(struct guest *g);

/*
 * Connects the agent and waits for a READY within timeout seconds. When
 * expect_boot_id is set the READY must carry it (the guest did not reboot
 * behind our back); when not_boot_id is set it must not (after a reboot).
 * On success g->boot_id holds the boot id.
 */
int guest_connect(struct guest *g, int timeout, const char *expect_boot_id,
		  const char *not_boot_id);
/*
 * Chooses g->os, the guest operating system, by image kind; kind NULL: the
 * kind of the image in runvar image (default "testguest"). -1 (reported:
 * an unknown kind, an image not registered) is broken, and guest_verdict
 * says so. guest_attach calls it when g->os is not chosen yet.
 */
int guest_pick_os(struct guest *g, const char *kind);

/*
 * Connects to the guest started by guest-start (boot id from runvar
 * guest_boot_id), after choosing its operating system.
 */
int guest_attach(struct guest *g);
void guest_disconnect(struct guest *g);

/*
 * Runs cmd in the guest through the agent, logging the command, its exit
 * status and its output (when log_output). *output may be NULL.
 */
int guest_run(struct guest *g, const char *cmd, int timeout, int *status, char **output,
	      int log_output);

/*
 * The verdict after an error in a guest step: broken when the toolstack is
 * unreachable, else fail; a crash or panic adds the console tail to the log.
 */
enum step_status guest_verdict(struct guest *g);

/*
 * The toolstack's own log of the domain (QEMU's messages under libvirt):
 * NAME.log (libvirt) or qemu-dm-NAME.log (xl) in the setting
 * toolstack.log_dir; NULL when that setting is empty. Caller frees.
 */
char *guest_domain_log(struct guest *g);

/* Copies the last lines of the serial0 log into the step log. */
void guest_log_console_tail(struct guest *g, int lines);

/* 1 when the serial0 log shows a kernel panic since the last look. */
int guest_console_panicked(struct guest *g);

/* Seconds for a call: want, but never past the step's own limit (minus slack). */
int guest_time_limit(struct guest *g, int want);

/* Waits up to timeout seconds for the domain to be off or gone; 0 when it is. */
int guest_wait_off(struct guest *g, int timeout);

/*
 * Checks the installed driver still reads as version expected (runvar
 * installed_version; NULL: nothing installed, nothing to check), with the
 * guest OS's driver_versions.
 */
enum step_status guest_check_driver(struct guest *g, const char *expected);

/* Reads a runvar as a number with a default; -1 (reported) when it is not one. */
int guest_runvar_double(struct guest *g, const char *name, double def, double *out);

/* Logs "harness seconds" of the step: its time outside guest waits. */
void guest_log_harness_time(struct guest *g, double started);

#endif
