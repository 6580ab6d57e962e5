/*
 * libFuzzer harness for INF stamping (the INF comes from the driver tree,
 * which is hostile until proven otherwise): any bytes are stamped or
 * refused; a stamped INF stamps again to the same bytes, and the version
 * and revision checks take any string.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "stamp.h"

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
	char *text = malloc(size + 1), *once, *twice;
	struct stamp_version v = { 0, 0, 0, 7 };
	size_t len1, len2;

	if (!text)
		return 0;
	memcpy(text, data, size);
	once = stamp_inf_text(text, size, "01/02/2026", "9.1.0.7", &len1);
	if (once) {
		twice = stamp_inf_text(once, len1, "01/02/2026", "9.1.0.7", &len2);
		if (twice == NULL || len1 != len2 || memcmp(once, twice, len1) != 0)
			abort();
		free(twice);
		free(once);
	}
	/* The same bytes as a string: the version and revision parsers. */
	text[size] = '\0';
	if (stamp_parse_version(text, &v) == 0) {
		char *s = stamp_version_string(&v);

		if (v.major > 65535 || v.minor > 65535 || v.micro > 65535 || v.build != 7)
			abort();
		free(s);
	}
	stamp_is_revision(text);
	free(text);
	return 0;
}
