/*
 * libFuzzer harness for the stress tools' JSON as the guest prints it (fio
 * for storage-stress, iperf3 for network-stress): any output is read or
 * refused with a reason, never crashes or leaks.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "tool-output.h"

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
	char *out = strndup((const char *)data, size), *why = NULL;
	struct fio_result fio;
	struct iperf3_result ip;
	int r;

	if (!out)
		abort();
	r = fio_output_parse(out, &fio, &why);
	if ((r == 0) != (why == NULL) || r < -2 || r > 0)
		abort();
	free(why);
	r = iperf3_output_parse(out, &ip, &why);
	if ((r == 0) != (why == NULL) || r < -2 || r > 0)
		abort();
	free(why);
	iperf3_result_release(&ip);
	free(out);
	return 0;
}
