/*
 * The host pool of config.json: a "hosts" array, each entry
 *
 *   { "name": "xs1", "uri": "xen+ssh://root@xs1/system", "toolstack": "libvirt",
 *     "domain_type": "xen", "capacity": { "guests": 4, "memory_mib": 16384 },
 *     "flags": ["xen", "windows", "x64"] }
 *
 * checked whole when the config loads: every error names the host and the key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "log.h"
#include "util.h"

/* Hosts in one pool; far more than any test lab has. */
#define MAX_HOSTS 4096

static void
host_release(struct config_host *h)
{
	int i;

	free(h->name);
	free(h->toolstack);
	free(h->uri);
	free(h->domain_type);
	for (i = 0; i < h->nflags; i++)
		free(h->flags[i]);
	free(h->flags);
}

void
config_hosts_free(struct config_host *hosts, int count)
{
	int i;

	if (!hosts)
		return;
	for (i = 0; i < count; i++)
		host_release(&hosts[i]);
	free(hosts);
}

static int
add_flag(struct config_host *h, const char *flag, const char *path)
{
	int i;

	if (!name_is_valid(flag))
		return errorx("%s: host '%s': flag '%s' is not a name ([A-Za-z0-9._-])", path,
			      h->name, flag);
	for (i = 0; i < h->nflags; i++)
		if (!strcmp(h->flags[i], flag))
			return errorx("%s: host '%s': flag '%s' is given twice", path, h->name, flag);
	if (h->nflags >= CONFIG_HOST_MAX_FLAGS)
		return errorx("%s: host '%s': more than %d flags", path, h->name,
			      CONFIG_HOST_MAX_FLAGS);
	h->flags = xrealloc(h->flags, sizeof(*h->flags) * (size_t)(h->nflags + 1));
	h->flags[h->nflags++] = xstrdup(flag);
	return 0;
}

/* A whole number in [min, max] at obj.key, or def when absent; -1 (reported). */
static int
host_int(json_t *obj, const char *key, long min, long max, long def, long *out,
	 const char *path, const char *host)
{
	json_t *v = json_object_get(obj, key);

	if (!v) {
		*out = def;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return errorx("%s: host '%s': key 'capacity.%s' must be a whole number between "
			      "%ld and %ld", path, host, key, min, max);
	*out = (long)json_integer_value(v);
	return 0;
}

static int
parse_host(json_t *obj, int index, const char *path, struct config_host *h)
{
	static const char *const keys[] = {
		"name", "uri", "toolstack", "domain_type", "capacity", "flags", NULL,
	};
	json_t *v, *cap;
	const char *k, *s;
	size_t i;
	int known;

	if (!json_is_object(obj))
		return errorx("%s: hosts[%d] must be an object", path, index);
	v = json_object_get(obj, "name");
	if (!json_is_string(v) || !name_is_valid(json_string_value(v)) ||
	    strlen(json_string_value(v)) > 64)
		return errorx("%s: hosts[%d]: key 'name' must be a name of at most 64 characters "
			      "([A-Za-z0-9._-])", path, index);
	h->name = xstrdup(json_string_value(v));
	json_object_foreach(obj, k, v) {
		known = 0;
		for (i = 0; keys[i]; i++)
			known |= !strcmp(keys[i], k);
		if (!known)
			return errorx("%s: host '%s': unknown key '%s'", path, h->name, k);
	}
	v = json_object_get(obj, "toolstack");
	s = v ? json_string_value(v) : "libvirt";
	if (!s || (strcmp(s, "libvirt") && strcmp(s, "xl")))
		return errorx("%s: host '%s': key 'toolstack' must be \"libvirt\" or \"xl\"", path,
			      h->name);
	h->toolstack = xstrdup(s);
	v = json_object_get(obj, "uri");
	if (v && (!json_is_string(v) || !*json_string_value(v)))
		return errorx("%s: host '%s': key 'uri' must be a libvirt URI", path, h->name);
	if (!v && !strcmp(h->toolstack, "libvirt"))
		return errorx("%s: host '%s': key 'uri' is required with the libvirt toolstack "
			      "(e.g. \"qemu:///system\", \"xen+ssh://root@HOST/system\")", path,
			      h->name);
	if (v && !strcmp(h->toolstack, "xl"))
		return errorx("%s: host '%s': key 'uri' does not go with the xl toolstack", path,
			      h->name);
	if (v && secrets_present(json_string_value(v)))
		return errorx("%s: host '%s': key 'uri' must not hold a password", path, h->name);
	h->uri = v ? xstrdup(json_string_value(v)) : NULL;
	v = json_object_get(obj, "domain_type");
	if (v) {
		s = json_string_value(v);
		if (!s || (strcmp(s, "kvm") && strcmp(s, "qemu") && strcmp(s, "xen")))
			return errorx("%s: host '%s': key 'domain_type' must be kvm, qemu or xen",
				      path, h->name);
		h->domain_type = xstrdup(s);
	}
	cap = json_object_get(obj, "capacity");
	if (!json_is_object(cap))
		return errorx("%s: host '%s': key 'capacity' must be an object with 'guests' "
			      "and 'memory_mib'", path, h->name);
	json_object_foreach(cap, k, v)
		if (strcmp(k, "guests") && strcmp(k, "memory_mib"))
			return errorx("%s: host '%s': unknown key 'capacity.%s'", path, h->name, k);
	if (!json_object_get(cap, "guests"))
		return errorx("%s: host '%s': key 'capacity.guests' is required", path, h->name);
	if (host_int(cap, "guests", 1, 1024, 1, &h->guests, path, h->name) < 0 ||
	    host_int(cap, "memory_mib", 64, 16777216, 0, &h->memory_mib, path, h->name) < 0)
		return -1;
	if (!h->memory_mib)
		return errorx("%s: host '%s': key 'capacity.memory_mib' is required", path,
			      h->name);
	v = json_object_get(obj, "flags");
	if (v && !json_is_array(v))
		return errorx("%s: host '%s': key 'flags' must be an array of names", path, h->name);
	for (i = 0; v && i < json_array_size(v); i++) {
		json_t *f = json_array_get(v, i);

		if (!json_is_string(f))
			return errorx("%s: host '%s': key 'flags' must be an array of names", path,
				      h->name);
		if (add_flag(h, json_string_value(f), path) < 0)
			return -1;
	}
	return 0;
}

int
config_hosts_parse(json_t *arr, const char *path, struct config_host **out, int *count)
{
	struct config_host *hosts;
	size_t n, i;
	int j;

	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return errorx("%s: 'hosts' must be a non-empty array of hosts (leave it out for "
			      "the local default)", path);
	n = json_array_size(arr);
	if (n > MAX_HOSTS)
		return errorx("%s: 'hosts' has more than %d hosts", path, MAX_HOSTS);
	hosts = xcalloc(n, sizeof(*hosts));
	for (i = 0; i < n; i++) {
		if (parse_host(json_array_get(arr, i), (int)i, path, &hosts[i]) < 0)
			goto fail;
		for (j = 0; j < (int)i; j++)
			if (!strcmp(hosts[j].name, hosts[i].name)) {
				errorx("%s: host '%s' is given twice", path, hosts[i].name);
				goto fail;
			}
	}
	*out = hosts;
	*count = (int)n;
	return 0;
fail:
	config_hosts_free(hosts, (int)n);
	return -1;
}

struct config_host *
config_host_local(const char *toolstack, const char *uri, const char *domain_type,
		  long guests, long memory_mib, const char *flags)
{
	struct config_host *h = xcalloc(1, sizeof(*h));
	const char *p = flags ? flags : "";

	h->name = xstrdup("local");
	h->toolstack = xstrdup(toolstack);
	h->uri = strcmp(toolstack, "xl") ? xstrdup(uri) : NULL;
	h->domain_type = xstrdup(domain_type);
	h->guests = guests;
	h->memory_mib = memory_mib;
	while (*p) {
		size_t len;
		char *flag;

		p += strspn(p, " ,");
		len = strcspn(p, " ,");
		if (!len)
			break;
		flag = xasprintf("%.*s", (int)len, p);
		/* A bad flag is reported and left out; the local host still works. */
		if (h->nflags < CONFIG_HOST_MAX_FLAGS)
			add_flag(h, flag, "setting 'pool.local_flags'");
		free(flag);
		p += len;
	}
	return h;
}

int
config_host_has_flags(const struct config_host *h, const char *flags)
{
	const char *p = flags ? flags : "";

	while (*p) {
		size_t len;
		int i, found = 0;

		p += strspn(p, " ");
		len = strcspn(p, " ");
		if (!len)
			break;
		for (i = 0; i < h->nflags && !found; i++)
			found = strlen(h->flags[i]) == len && !strncmp(h->flags[i], p, len);
		if (!found)
			return 0;
		p += len;
	}
	return 1;
}

int
config_check_priority(const char *value, const char *where)
{
	static const char *const classes[] = { "push", "adhoc", "nightly" };
	int seen[3] = { 0, 0, 0 }, i, n = 0;
	const char *p = value;

	while (*p) {
		size_t len = strcspn(p, ",");
		int found = -1;

		for (i = 0; i < 3; i++)
			if (strlen(classes[i]) == len && !strncmp(classes[i], p, len))
				found = i;
		if (found < 0 || seen[found]++)
			return errorx("%s: setting 'scheduler.priority' must list push, adhoc and "
				      "nightly, each once, separated by commas, not '%s'", where,
				      value);
		n++;
		p += len + (p[len] == ',');
	}
	if (n != 3)
		return errorx("%s: setting 'scheduler.priority' must list push, adhoc and "
			      "nightly, each once, separated by commas, not '%s'", where, value);
	return 0;
}

void
config_hosts_print_help(void)
{
	printf("\n  hosts                        array    the host pool; each: name, uri (libvirt) or "
	       "toolstack \"xl\",\n"
	       "                                        domain_type, capacity {guests, memory_mib}, "
	       "flags [...]\n"
	       "                                        (default: one host 'local' on toolstack.uri "
	       "with pool.local_*)\n");
}
