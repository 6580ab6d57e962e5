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
#include "step.h"

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
	char *text = malloc(size + 1);
	struct recipe *r;

	if (!text)
		return 0;
	/* Unterminated on purpose: the parser is given a length, and NULs are input too. */
	memcpy(text, data, size);
	r = recipe_parse("fuzz.json", text, size, "/base", step_declaration);
	if (r && recipe_select_jobs(r, "*") == 0)
		recipe_check(r, step_declaration);
	recipe_free(r);
	free(text);
	return 0;
}
