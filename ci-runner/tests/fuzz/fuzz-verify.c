/*
 * libFuzzer harness for package archives (pvci verify, verify --history):
 * any bytes, as a tar or ISO image held in a memfd, go through the
 * in-memory reader (libarchive), the member checks (absolute and ".."
 * names, links, devices), SHA256SUMS parsing and the catalog.
 *
 *   make fuzz   (builds build/fuzz/fuzz-verify and runs it FUZZ_SECONDS)
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "verify.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fuzz", -1);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	char path[64], hex[65];
	int fd = memfd_create("fuzz-verify", 0);

	if (fd < 0)
		return 0;
	if (!null)
		null = fopen("/dev/null", "w");
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		/* No CA: signature checks fail, the parsing around them runs. */
		verify_path(path, "/dev/null", null, -1);
		verify_catalog(path, hex, NULL, -1);
	}
	close(fd);
	return 0;
}
