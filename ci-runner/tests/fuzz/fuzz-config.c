/*
 * libFuzzer harness for config files (config.json): any bytes are either a
 * config over the defaults or refused with a message; an accepted config
 * answers every required lookup.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "config.h"
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
	struct config *cfg = config_parse((const char *)data, size, "fuzz.json");

	if (cfg) {
		/* Required settings are never NULL once loaded. */
		if (config_str(cfg, "toolstack.uri") == NULL ||
		    config_str(cfg, "guest.name_prefix") == NULL)
			abort();
		if (config_int(cfg, "guest.vcpus") < 1)
			abort();
	}
	config_free(cfg);
	return 0;
}
