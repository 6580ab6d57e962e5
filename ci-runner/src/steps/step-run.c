/*
 * The generic "run" step: runs the argv in runvar cmd_TESTID (a JSON array
 * of strings) on this machine, in the job's work directory, within the
 * step's time limit. A non-zero exit is a failure of what was run; a
 * command that cannot be started is broken infrastructure.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "step.h"
#include "steps.h"
#include "util.h"

/* Parses a JSON argv; NULL (logged) when it is not a non-empty string array. */
static char **
parse_argv(struct step_ctx *ctx, const char *name, const char *text)
{
	json_error_t jerr;
	json_t *arr, *item;
	char **argv;
	size_t i;

	arr = json_loads(text, 0, &jerr);
	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		step_log(ctx, "error: runvar '%s' must be a non-empty JSON array of strings, "
			 "not '%s'", name, text);
		json_decref(arr);
		return NULL;
	}
	argv = xcalloc(json_array_size(arr) + 1, sizeof(char *));
	json_array_foreach(arr, i, item) {
		if (!json_is_string(item)) {
			step_log(ctx, "error: runvar '%s': element %zu is not a string", name, i);
			while (i-- > 0)
				free(argv[i]);
			free(argv);
			json_decref(arr);
			return NULL;
		}
		argv[i] = xstrdup(json_string_value(item));
	}
	json_decref(arr);
	return argv;
}

enum step_status
step_run_command(struct step_ctx *ctx)
{
	char *name = xasprintf("cmd_%s", step_testid(ctx));
	const char *text = step_runvar(ctx, name);
	enum step_status st;
	char **argv;
	int rc, i;

	if (!text) {
		step_log(ctx, "error: the run step '%s' needs runvar '%s'", step_testid(ctx), name);
		free(name);
		return STEP_BROKEN;
	}
	argv = parse_argv(ctx, name, text);
	free(name);
	if (!argv)
		return STEP_BROKEN;
	rc = step_run(ctx, (const char *const *)argv, step_work_dir(ctx), NULL, 0);
	if (rc == 0) {
		st = STEP_PASS;
	} else if (rc < 0 && step_seconds_left(ctx) > 0) {
		/* Not started (not found, fork or pipe failed): the reason is logged. */
		step_log(ctx, "error: cannot run '%s'", argv[0]);
		st = STEP_BROKEN;
	} else if (rc == STEP_RUN_TIMEOUT) {
		step_log(ctx, "error: '%s' did not finish in time", argv[0]);
		st = STEP_FAIL;
	} else if (rc < 0) {
		/* No fork or no pipe: the host is in trouble, not the command. */
		step_log(ctx, "error: cannot start '%s'", argv[0]);
		st = STEP_BROKEN;
	} else {
		step_log(ctx, "error: '%s' exited with status %d", argv[0], rc);
		st = STEP_FAIL;
	}
	for (i = 0; argv[i]; i++)
		free(argv[i]);
	free(argv);
	return st;
}
