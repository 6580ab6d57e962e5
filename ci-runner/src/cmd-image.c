/* Placeholder until this command lands. */
#include <stdio.h>

#include "cmd.h"
#include "log.h"

static int
cmd_image_exec(const struct cmd_opts *opts, int argc, char **argv)
{
	(void)opts;
	(void)argc;
	(void)argv;
	errorx("'pvci image' is not implemented yet");
	return EXIT_ERROR;
}

const struct cmd_entry cmd_image_entry = {
	.name = "image",
	.usage = "image ...",
	.summary = "(not implemented yet)",
	.exec = cmd_image_exec,
};
