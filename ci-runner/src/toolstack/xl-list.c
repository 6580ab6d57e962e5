#include <stdio.h>
#include <string.h>

#include "util.h"
#include "xl-list.h"

int
xl_list_find(const char *out, const char *name, char **line)
{
	size_t nlen = strlen(name);
	const char *p;

	if (line)
		*line = NULL;
	/* The first line is the header "Name ID Mem VCPUs State Time(s)". */
	for (p = strchr(out, '\n'); p && *++p; p = strchr(p, '\n')) {
		if (strncmp(p, name, nlen) == 0 && (p[nlen] == ' ' || p[nlen] == '\t')) {
			if (line)
				*line = xasprintf("%.*s", (int)strcspn(p, "\n"), p);
			return 1;
		}
	}
	return 0;
}

enum ts_state
xl_list_state(const char *line)
{
	const char *p = line;
	char flags[7] = "";
	int i;

	/* "NAME ID MEM VCPUS STATE TIME": skip four columns. */
	for (i = 0; i < 4 && p; i++) {
		p = strpbrk(p, " \t");
		while (p && (*p == ' ' || *p == '\t'))
			p++;
	}
	if (p)
		sscanf(p, "%6s", flags);
	if (strchr(flags, 'c'))
		return TS_STATE_CRASHED;
	if (strchr(flags, 's') || strchr(flags, 'd'))
		return TS_STATE_SHUTTING_DOWN;
	if (strchr(flags, 'p'))
		return TS_STATE_PAUSED;
	if (strchr(flags, 'r') || strchr(flags, 'b') || flags[0] == '-')
		return TS_STATE_RUNNING;
	return TS_STATE_OTHER;
}
