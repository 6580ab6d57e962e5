/*
 * What "xl list" prints, parsed without running anything (so it can be
 * fuzzed and unit-tested): a header line, then one line a domain,
 * "NAME ID MEM VCPUS STATE TIME", the state being six flag letters or '-'.
 */
#ifndef PVCI_XL_LIST_H
#define PVCI_XL_LIST_H

#include "toolstack.h"

/*
 * The line of listing out (NUL-terminated) whose first column is name, in
 * *line (caller frees; may be NULL): 1 when listed, 0 when not.
 */
int xl_list_find(const char *out, const char *name, char **line);

/* The state a listed line shows (TS_STATE_OTHER when it shows none). */
enum ts_state xl_list_state(const char *line);

#endif
