#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog.h"
#include "log.h"
#include "proc.h"
#include "util.h"

#define VERIFY_OUT_MAX (256 * 1024)
#define TOOL_TIMEOUT 300

static int
cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct catalog_entry *)a)->name,
		      ((const struct catalog_entry *)b)->name);
}

char *
catalog_text(struct catalog_entry *e, int n, size_t *len)
{
	struct strbuf sb;
	int i;

	if (n > 0)
		qsort(e, (size_t)n, sizeof(*e), cmp_entry);
	strbuf_init(&sb);
	strbuf_adds(&sb, "file,size,sha256,authenticode\n");
	for (i = 0; i < n; i++)
		strbuf_addf(&sb, "%s,%lld,%s,%s\n", e[i].name, e[i].size, e[i].sha256,
			    e[i].authenticode);
	*len = sb.len;
	return strbuf_detach(&sb);
}

int
catalog_skips(const char *name)
{
	size_t n = strlen(name);

	return !strcmp(name, "SHA256SUMS") || !strcmp(name, "SHA256SUMS.p7s") ||
	       (n > 4 && strcasecmp(name + n - 4, ".tar") == 0);
}

int
catalog_authenticode(const char *path, char hex[129], int log_fd)
{
	static const char tag[] = "Calculated message digest :";
	const char *argv[] = { "osslsigncode", "verify", "-in", path, NULL };
	struct proc_opts po = { .out_fd = log_fd, .timeout = TOOL_TIMEOUT };
	char *out = NULL, *p;
	size_t i = 0;
	int rc;

	hex[0] = '\0';
	po.capture = &out;
	po.capture_max = VERIFY_OUT_MAX;
	/* Its exit status says whether the chain verifies: not the question here. */
	rc = proc_run(argv, &po);
	if (rc < 0 || rc == 127) {
		free(out);
		return errorx("cannot run 'osslsigncode verify' on '%s'", path);
	}
	if (out && (p = strstr(out, tag)) != NULL) {
		p += sizeof(tag) - 1;
		while (*p == ' ')
			p++;
		while (i < 128 && isxdigit((unsigned char)p[i])) {
			hex[i] = (char)tolower((unsigned char)p[i]);
			i++;
		}
		hex[i] = '\0';
	}
	free(out);
	return 0;
}
