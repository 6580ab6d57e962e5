/*
 * libFuzzer harness for what "xl list" prints (the xl backend reads it to
 * find a domain and its state): any output, any domain name.
 *
 * The first byte splits the input: that many bytes (up to 32) are the name
 * looked for, the rest is the listing. A name with a line break is no
 * domain name (they are validated before): skipped.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xl-list.h"

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
	size_t nlen;
	char *name, *out, *line = NULL;
	int r;

	if (size < 1)
		return 0;
	nlen = data[0] % 33;
	if (nlen > size - 1)
		nlen = size - 1;
	name = strndup((const char *)data + 1, nlen);
	out = strndup((const char *)data + 1 + nlen, size - 1 - nlen);
	if (!name || !out)
		abort();
	/* Domain names are validated (no line breaks) before they get here. */
	if (strchr(name, '\n')) {
		free(name);
		free(out);
		return 0;
	}
	r = xl_list_find(out, name, &line);
	if (r == 1) {
		enum ts_state st = xl_list_state(line);

		if (strncmp(line, name, strlen(name)) != 0 || strchr(line, '\n') ||
		    st < TS_STATE_UNDEFINED || st > TS_STATE_OTHER)
			abort();
	} else if (r != 0 || line != NULL) {
		abort();
	}
	free(line);
	free(name);
	free(out);
	return 0;
}
