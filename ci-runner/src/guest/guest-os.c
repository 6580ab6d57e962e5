/*
 * The guest OS dispatcher (see guest-os.h): the table of entries, lookup by
 * image kind, and wrappers that say what an entry does not support.
 */
#include <stdlib.h>
#include <string.h>

#include "guest-os.h"
#include "guest.h"
#include "log.h"
#include "util.h"

static const struct guest_os *const table[] = {
	&guest_os_linux,
};

#define NOS (sizeof(table) / sizeof(table[0]))

const struct guest_os *const *
guest_os_table(int *count)
{
	*count = (int)NOS;
	return table;
}

const struct guest_os *
guest_os_lookup(const char *kind)
{
	struct strbuf known;
	size_t i, k;

	if (kind == NULL || *kind == '\0') {
		errorx("image has no kind: cannot tell its guest operating system");
		return NULL;
	}
	for (i = 0; i < NOS; i++)
		for (k = 0; table[i]->kinds[k]; k++)
			if (strcmp(table[i]->kinds[k], kind) == 0)
				return table[i];
	strbuf_init(&known);
	for (i = 0; i < NOS; i++)
		for (k = 0; table[i]->kinds[k]; k++) {
			if (known.len)
				strbuf_adds(&known, ", ");
			strbuf_adds(&known, table[i]->kinds[k]);
		}
	errorx("image kind '%s' is not a guest operating system pvci knows (known kinds: %s)",
	       kind, known.buf);
	strbuf_release(&known);
	return NULL;
}

static int
unsupported(const struct guest_os *os, const char *op)
{
	return errorx("operation '%s' is not supported by guest OS '%s'", op,
		      os ? os->name : "(none)");
}

#define NEED_OS_OP(os, op)						\
	do {								\
		if ((os) == NULL || (os)->op == NULL)			\
			return unsupported((os), #op);			\
	} while (0)

enum step_status
guest_os_install_driver(struct guest *g, int timeout, int *cd_released)
{
	*cd_released = 0;
	if (g->os == NULL || g->os->install_driver == NULL) {
		unsupported(g->os, "install_driver");
		return STEP_BROKEN;
	}
	return g->os->install_driver(g, timeout, cd_released);
}

int
guest_os_driver_versions(struct guest *g, int timeout, char ***versions)
{
	*versions = NULL;
	NEED_OS_OP(g->os, driver_versions);
	return g->os->driver_versions(g, timeout, versions);
}

int
guest_os_driver_services(struct guest *g, int timeout, char ***names)
{
	*names = NULL;
	NEED_OS_OP(g->os, driver_services);
	return g->os->driver_services(g, timeout, names);
}

char *
guest_os_storage_cmd(const struct guest_os *os, const char *dev, const char *size, int runtime)
{
	if (os == NULL || os->storage_cmd == NULL) {
		unsupported(os, "storage_cmd");
		return NULL;
	}
	return os->storage_cmd(dev, size, runtime);
}

char *
guest_os_net_client_cmd(const struct guest_os *os, const char *server, int port, int runtime,
			int reverse)
{
	if (os == NULL || os->net_client_cmd == NULL) {
		unsupported(os, "net_client_cmd");
		return NULL;
	}
	return os->net_client_cmd(server, port, runtime, reverse);
}

void
guest_os_strings_free(char **strings)
{
	if (strings == NULL)
		return;
	for (char **p = strings; *p; p++)
		free(*p);
	free(strings);
}
