/*
 * libFuzzer harness for allow files (pvci report --allow): any bytes go
 * through the parser, and what it accepts through matching.
 *
 *   make fuzz   (builds build/fuzz/fuzz-allow and runs it FUZZ_SECONDS;
 *               log level -1 keeps the parser's refusals quiet)
 */
#include <stddef.h>
#include <stdint.h>

#include "allow.h"
#include "log.h"

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
	struct allow_list l = { NULL, 0 };
	char date[11];
	int i;

	if (allow_parse(&l, "fuzz", (const char *)data, size) == 0) {
		allow_match(&l, "win-2022-x64", "storage", 20000, NULL);
		for (i = 0; i < l.n; i++)
			if (!l.entries[i].negate)
				allow_format_date(l.entries[i].until, date);
	}
	allow_release(&l);
	return 0;
}
