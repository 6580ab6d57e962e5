#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"

static const struct cmd_entry *const cmd_entries[] = {
	&cmd_init_entry,
	&cmd_flight_entry,
	&cmd_job_entry,
	&cmd_image_entry,
	&cmd_keys_entry,
	&cmd_verify_entry,
	&cmd_help_entry,
	NULL,
};

const struct cmd_entry *const *
cmd_table(void)
{
	return cmd_entries;
}

const struct cmd_entry *
cmd_lookup(const char *name)
{
	int i;

	for (i = 0; cmd_entries[i]; i++)
		if (strcmp(cmd_entries[i]->name, name) == 0)
			return cmd_entries[i];
	return NULL;
}

void
cmd_print_help(const struct cmd_entry *entry)
{
	printf("usage: pvci [--home DIR] %s\n\n%s\n", entry->usage, entry->summary);
	if (entry->help)
		printf("\n%s", entry->help);
}

int
cmd_usage_error(const struct cmd_entry *entry, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pvci %s: ", entry->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: pvci %s\n", entry->usage);
	return EXIT_USAGE;
}

int
cmd_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 1;
	return 0;
}
