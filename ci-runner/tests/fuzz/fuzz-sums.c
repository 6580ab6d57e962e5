/*
 * libFuzzer harness for SHA256SUMS manifests (pvci verify reads them from
 * packages it is given): any bytes are parsed; what is accepted holds only
 * valid, unique names and 64-digit lower-case hex.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sums.h"

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
	struct sums s;
	int i;

	/* A copy of exactly size bytes, so an overread past them is caught. */
	char *text = malloc(size ? size : 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	if (sums_parse(&s, text, size, "fuzz/SHA256SUMS") == 0) {
		for (i = 0; i < s.count; i++) {
			if (!sums_name_is_valid(s.entries[i].name) ||
			    strlen(s.entries[i].hex) != 64 ||
			    strspn(s.entries[i].hex, "0123456789abcdef") != 64 ||
			    sums_find(&s, s.entries[i].name) != &s.entries[i])
				abort();
		}
		sums_release(&s);
	}
	free(text);
	return 0;
}
