/*
 * libFuzzer harness for what the HTTP listener parses from a request
 * before any handler: the path check, Range headers and query values.
 * Checks the promises the listener relies on: a path called safe has no
 * dot segment, escape, backslash or empty segment; a range lies inside the
 * file; a decoded value holds no NUL.
 *
 *   make fuzz   (builds build/fuzz/fuzz-http and runs it FUZZ_SECONDS)
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *d;
	off_t from, len, fsize = (off_t)(size * 7919 % 100000);
	int rc;

	memcpy(s, data, size);
	s[size] = '\0';
	if (http_path_is_safe(s) &&
	    (strstr(s, "..") == s || strstr(s, "/..") || strchr(s, '%') || strchr(s, '\\') ||
	     strstr(s, "//") || s[0] == '/' || s[strlen(s) - 1] == '/' || s[0] == '.' ||
	     strstr(s, "/.")))
		abort();
	rc = http_parse_range(s, fsize, &from, &len);
	if (rc == 1 && (from < 0 || len <= 0 || from + len > fsize))
		abort();
	d = http_decode_arg(s);
	if (d && strlen(d) > size)
		abort();
	free(d);
	free(s);
	return 0;
}
