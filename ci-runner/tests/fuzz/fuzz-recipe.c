/*
 * libFuzzer harness for flight recipes: any bytes given as a recipe must be
 * either accepted or refused with a message, never crash or leak.
 * Built and run by "make fuzz" (clang, -fsanitize=fuzzer,address,undefined).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "recipe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct recipe *r;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	r = recipe_parse("fuzz.json", text, "/base");
	if (r)
		recipe_select_jobs(r, "*");
	recipe_free(r);
	free(text);
	return 0;
}
