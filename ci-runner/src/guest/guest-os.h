/*
 * Guest operating systems: what pvci does inside a guest, one entry per
 * operating system, chosen by the golden image's kind (image.json "kind").
 *
 * The steps never hold a guest's shell text: they call the operations
 * below, and each entry (guest-os-linux.c for the Linux test guest) knows
 * its commands, its devices and how to read their output. A Windows guest
 * is one more entry in guest-os.c's table, not a branch in every step.
 *
 * Operations run through the agent of a connected struct guest (guest.h),
 * log what they run and find to the step log, and use guest_verdict() on
 * an agent failure. The wrappers check the entry implements the operation,
 * else report "operation 'X' is not supported by guest OS 'Y'".
 */
#ifndef PVCI_GUEST_OS_H
#define PVCI_GUEST_OS_H

#include "step.h"

struct guest;

struct guest_os {
	const char *name;		/* "linux-testguest" */
	const char *const *kinds;	/* image kinds it serves, NULL-terminated */
	const char *template_dir;	/* guest-images/<this>/ holds its domain templates */
	const char *scratch_disk;	/* the job's overlay as the guest names it */
	const char *tools_disk;		/* the shared read-only tools disk (fio, iperf3) */

	/* Commands for the agent's RUNBG: they end the boot, so no answer. */
	const char *reboot_cmd;
	const char *shutdown_cmd;
	/* Commands for RUN, logged for the reader: who is this, the kernel log. */
	const char *identify_cmd;
	const char *kernel_log_cmd;

	/*
	 * Installs the driver package on the medium in the CD-ROM drive:
	 * checks it against its SHA256SUMS, installs it so that it outlives a
	 * reboot, then frees the drive (see cd_released). PASS, FAIL (the
	 * package or the guest is wrong: logged) or BROKEN.
	 */
	enum step_status (*install_driver)(struct guest *g, int timeout, int *cd_released);
	/*
	 * The versions of the installed drivers, each once (*versions
	 * NULL-terminated, caller frees with guest_os_strings_free): their
	 * number, or -1 when the guest could not be asked (reported).
	 */
	int (*driver_versions)(struct guest *g, int timeout, char ***versions);
	/* The names of the installed driver services, as driver_versions. */
	int (*driver_services)(struct guest *g, int timeout, char ***names);
	/* The storage stress command on dev (size as fio reads it); caller frees. */
	char *(*storage_cmd)(const char *dev, const char *size, int runtime);
	/* The iperf3 client command (JSON output); caller frees. */
	char *(*net_client_cmd)(const char *server, int port, int runtime, int reverse);
};

/*
 * The entry serving image kind; NULL (reported, naming the kind and the
 * kinds known) when none does.
 */
const struct guest_os *guest_os_lookup(const char *kind);
/* Every entry, for listing and tests. */
const struct guest_os *const *guest_os_table(int *count);

enum step_status guest_os_install_driver(struct guest *g, int timeout, int *cd_released);
int guest_os_driver_versions(struct guest *g, int timeout, char ***versions);
int guest_os_driver_services(struct guest *g, int timeout, char ***names);
char *guest_os_storage_cmd(const struct guest_os *os, const char *dev, const char *size,
			   int runtime);
char *guest_os_net_client_cmd(const struct guest_os *os, const char *server, int port,
			      int runtime, int reverse);
void guest_os_strings_free(char **strings);

/* The entries (one file each). */
extern const struct guest_os guest_os_linux;

#endif
