/*
 * The Linux test guest (guest-images/testguest): a busybox system run from
 * its initramfs, its agent a shell script, fio and iperf3 on a tools disk.
 *
 * It runs from RAM, so what driver installation puts in /lib/pvci-drivers
 * would not outlive a reboot the way an installed Windows driver does. It
 * keeps a copy (a tar) in the last 16 MiB of its scratch disk /dev/vda
 * (fio only touches the first storage_size bytes), and reading the
 * versions loads it back when /lib/pvci-drivers is missing. The "drivers"
 * are the package's .sys files; each carries "PVCI_VERSION=X" as a string.
 */
#include <stdlib.h>
#include <string.h>

#include "guest-os.h"
#include "guest.h"
#include "util.h"

#define DRIVER_DIR	"/lib/pvci-drivers"

#define MOUNT_CMD							\
	"i=0; while [ ! -b /dev/sr0 ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done\n" \
	"mkdir -p /mnt/cdrom; umount /mnt/cdrom 2>/dev/null\n"		\
	"i=0; until mount -t iso9660 -o ro /dev/sr0 /mnt/cdrom; do\n"	\
	"  i=$((i+1)); [ $i -lt 50 ] || { echo 'cannot mount /dev/sr0'; exit 3; }; sleep 0.2\n" \
	"done\n"							\
	"cd /mnt/cdrom && find . -type f | sort"

#define CHECK_CMD	"cd /mnt/cdrom && sha256sum -c SHA256SUMS"

#define INSTALL_CMD							\
	"set -e; rm -rf " DRIVER_DIR "; mkdir -p " DRIVER_DIR "\n"	\
	"find /mnt/cdrom -type f \\( -name '*.sys' -o -name '*.inf' -o -name '*.cat' \\) " \
	"-exec cp {} " DRIVER_DIR "/ \\;\n"				\
	"ls -l " DRIVER_DIR "; ls " DRIVER_DIR "/*.sys >/dev/null"

#define STORE_OFFSET							\
	"off=$(($(blockdev --getsize64 /dev/vda) / 1048576 - 16)); "

#define PERSIST_CMD							\
	"set -e; " STORE_OFFSET						\
	"tar -C / -cf /tmp/pvci-drivers.tar lib/pvci-drivers; "		\
	"dd if=/tmp/pvci-drivers.tar of=/dev/vda bs=1M seek=$off conv=fsync 2>/dev/null; " \
	"rm -f /tmp/pvci-drivers.tar; sync; echo \"driver store at MiB $off of /dev/vda\""

#define LOAD_STORE							\
	"if [ ! -d " DRIVER_DIR " ]; then " STORE_OFFSET			\
	"dd if=/dev/vda bs=1M skip=$off count=16 2>/dev/null | tar -C / -xf - 2>/dev/null; " \
	"echo 'loaded " DRIVER_DIR " from the driver store' >&2; fi; "

/* Prints "PVCI_VERSION=X" once per version found in the installed .sys files. */
#define VERSION_CMD							\
	LOAD_STORE							\
	"for f in " DRIVER_DIR "/*.sys; do tr '\\000' '\\n' <\"$f\" | "	\
	"grep -o 'PVCI_VERSION=[A-Za-z0-9._+~-]*'; done | sort -u"

/* Prints "PVCI_SERVICE=NAME" per installed driver (a .sys is a service). */
#define SERVICES_CMD							\
	LOAD_STORE							\
	"for f in " DRIVER_DIR "/*.sys; do [ -e \"$f\" ] || continue; "	\
	"f=${f##*/}; echo \"PVCI_SERVICE=${f%.sys}\"; done"

#define UNMOUNT_CMD	"umount /mnt/cdrom"

/* Logs each "FILE: FAILED" line of sha256sum -c; returns how many. */
static int
log_mismatches(struct guest *g, const char *out)
{
	const char *p = out;
	int n = 0;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *cant = strstr(p, "can't open");

		if (len > 8 && strncmp(p + len - 8, ": FAILED", 8) == 0) {
			step_log(g->ctx, "checksum mismatch: '%.*s' differs from SHA256SUMS",
				 (int)(len - 8), p);
			n++;
		} else if (len > 0 && cant && (size_t)(cant - p) < len) {
			step_log(g->ctx, "checksum check: %.*s", (int)len, p);
			n++;
		}
		p = nl ? nl + 1 : NULL;
	}
	return n;
}

/* Runs cmd; PASS when it exits 0, else FAIL saying what failed, or the verdict. */
static enum step_status
run_ok(struct guest *g, const char *cmd, int timeout, const char *what, char **out)
{
	int status;

	if (guest_run(g, cmd, timeout, &status, out, 1) < 0)
		return guest_verdict(g);
	if (status != 0) {
		step_log(g->ctx, "%s failed (status %d)", what, status);
		return STEP_FAIL;
	}
	return STEP_PASS;
}

static enum step_status
linux_install_driver(struct guest *g, int timeout, int *cd_released)
{
	enum step_status rc;
	char *out = NULL;

	rc = run_ok(g, MOUNT_CMD, timeout, "mounting the installer medium", NULL);
	if (rc != STEP_PASS)
		return rc;
	rc = run_ok(g, CHECK_CMD, timeout, "sha256sum -c SHA256SUMS", &out);
	if (rc == STEP_FAIL) {
		log_mismatches(g, out);
		step_log(g->ctx, "the installer medium does not match its SHA256SUMS");
	}
	free(out);
	if (rc != STEP_PASS)
		return rc;
	rc = run_ok(g, INSTALL_CMD, timeout, "installing the drivers", NULL);
	if (rc != STEP_PASS)
		return rc;
	rc = run_ok(g, PERSIST_CMD, timeout, "keeping the installed drivers on disk", NULL);
	if (rc != STEP_PASS)
		return rc;
	/* The drive stays loaded when it cannot be unmounted; that is no failure. */
	*cd_released = run_ok(g, UNMOUNT_CMD, timeout, "unmounting the medium", NULL) ==
		       STEP_PASS;
	return STEP_PASS;
}

/* Every "PREFIX..." line of cmd's output, without the prefix, in order. */
static int
prefixed_lines(struct guest *g, const char *cmd, const char *prefix, int timeout,
	       char ***values)
{
	size_t plen = strlen(prefix), n = 0;
	char *out = NULL, *line, *nl;
	int status;

	*values = xcalloc(1, sizeof(char *));
	if (guest_run(g, cmd, timeout, &status, &out, 1) < 0) {
		free(*values);
		*values = NULL;
		return -1;
	}
	for (line = out; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (strncmp(line, prefix, plen) != 0 || line[plen] == '\0')
			continue;
		*values = xrealloc(*values, (n + 2) * sizeof(char *));
		(*values)[n++] = xstrdup(line + plen);
		(*values)[n] = NULL;
	}
	free(out);
	return (int)n;
}

static int
linux_driver_versions(struct guest *g, int timeout, char ***versions)
{
	return prefixed_lines(g, VERSION_CMD, "PVCI_VERSION=", timeout, versions);
}

static int
linux_driver_services(struct guest *g, int timeout, char ***names)
{
	return prefixed_lines(g, SERVICES_CMD, "PVCI_SERVICE=", timeout, names);
}

static char *
linux_storage_cmd(const char *dev, const char *size, int runtime)
{
	/* A write with crc32c verification read back, then random reads. */
	return xasprintf("fio --output-format=json --filename=%s --direct=1 --ioengine=psync "
			 "--clat_percentiles=1 --percentile_list=50:99 "
			 "--name=write-verify --rw=randwrite --bs=64k --size=%s "
			 "--verify=crc32c --do_verify=1 --verify_fatal=1 "
			 "--name=randread --stonewall --rw=randread --bs=4k --size=%s "
			 "--runtime=%d --time_based", dev, size, size, runtime);
}

static char *
linux_net_client_cmd(const char *server, int port, int runtime, int reverse)
{
	return xasprintf("iperf3 -c %s -p %d -J -t %d%s", server, port, runtime,
			 reverse ? " -R" : "");
}

static const char *const linux_kinds[] = {
	"linux-testguest",
	"testguest",	/* an image registered without image.json takes its name */
	NULL,
};

const struct guest_os guest_os_linux = {
	.name = "linux-testguest",
	.kinds = linux_kinds,
	.template_dir = "testguest",
	.scratch_disk = "/dev/vda",
	.tools_disk = "/dev/vdb",
	.reboot_cmd = "reboot",
	.shutdown_cmd = "poweroff",
	.identify_cmd = "uname -r; cat /proc/uptime",
	.kernel_log_cmd = "dmesg",
	.install_driver = linux_install_driver,
	.driver_versions = linux_driver_versions,
	.driver_services = linux_driver_services,
	.storage_cmd = linux_storage_cmd,
	.net_client_cmd = linux_net_client_cmd,
};
