#include <string.h>

#include "status.h"

const char *
status_name(enum status st)
{
	switch (st) {
	case STATUS_QUEUED:	return "queued";
	case STATUS_PREPARING:	return "preparing";
	case STATUS_RUNNING:	return "running";
	case STATUS_PASS:	return "pass";
	case STATUS_FAIL:	return "fail";
	case STATUS_BROKEN:	return "broken";
	case STATUS_BLOCKED:	return "blocked";
	case STATUS_ABORTED:	return "aborted";
	case STATUS_SKIPPED:	return "skipped";
	}
	return "?";
}

int
status_from_name(const char *name, enum status *st)
{
	int i;

	for (i = 0; i <= (int)STATUS_LAST; i++) {
		if (strcmp(name, status_name((enum status)i)) == 0) {
			*st = (enum status)i;
			return 0;
		}
	}
	return -1;
}

int
status_is_final(enum status st)
{
	switch (st) {
	case STATUS_QUEUED:
	case STATUS_PREPARING:
	case STATUS_RUNNING:
		return 0;
	case STATUS_PASS:
	case STATUS_FAIL:
	case STATUS_BROKEN:
	case STATUS_BLOCKED:
	case STATUS_ABORTED:
	case STATUS_SKIPPED:
		return 1;
	}
	return 0;
}
