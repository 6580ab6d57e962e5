#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "log.h"
#include "manifest.h"
#include "util.h"

char *
manifest_default_path(void)
{
	return path_join(data_dir(), "winpv-drivers/drivers.json");
}

static char **
str_array(json_t *arr, const char *path, const char *what, int allow_empty)
{
	char **v;
	size_t i, n;

	if (!json_is_array(arr) || (!allow_empty && json_array_size(arr) == 0)) {
		errorx("%s: '%s' must be a%s array of strings", path, what,
		       allow_empty ? "n" : " non-empty");
		return NULL;
	}
	n = json_array_size(arr);
	v = xcalloc(n + 1, sizeof(*v));
	for (i = 0; i < n; i++) {
		json_t *s = json_array_get(arr, i);

		if (!json_is_string(s)) {
			errorx("%s: '%s' must hold only strings", path, what);
			while (i--)
				free(v[i]);
			free(v);
			return NULL;
		}
		v[i] = xstrdup(json_string_value(s));
	}
	return v;
}

static void
str_array_free(char **v)
{
	char **p;

	for (p = v; p && *p; p++)
		free(*p);
	free(v);
}

static const char *
get_str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int
load_driver(struct manifest_driver *d, json_t *obj, const char *path)
{
	static const char *const known[] = { "name", "description", "url", "branch", "subdir",
		"executor", "tools", "build", "outdir", "stamp_inf", "outputs", NULL };
	const char *name = get_str(obj, "name"), *key;
	json_t *outs, *v;
	size_t i;

	if (!json_is_object(obj))
		return errorx("%s: every driver must be an object", path);
	json_object_foreach(obj, key, v) {
		const char *const *k;

		for (k = known; *k && strcmp(*k, key); k++)
			;
		if (!*k)
			return errorx("%s: driver '%s': unknown key '%s'", path,
				      name ? name : "?", key);
	}
	if (!name_is_valid(name))
		return errorx("%s: a driver has a missing or bad name", path);
	d->name = xstrdup(name);
	if (!get_str(obj, "url") || !get_str(obj, "outdir"))
		return errorx("%s: driver '%s' needs 'url' and 'outdir'", path, name);
	d->url = xstrdup(get_str(obj, "url"));
	d->branch = xstrdup(get_str(obj, "branch") ? get_str(obj, "branch") : "master");
	d->outdir = xstrdup(get_str(obj, "outdir"));
	if (get_str(obj, "subdir") && *get_str(obj, "subdir"))
		d->subdir = xstrdup(get_str(obj, "subdir"));
	if (get_str(obj, "executor"))
		d->executor = xstrdup(get_str(obj, "executor"));
	if (!(d->build = str_array(json_object_get(obj, "build"), path, "build", 0)))
		return -1;
	d->tools = json_object_get(obj, "tools") ?
		str_array(json_object_get(obj, "tools"), path, "tools", 1) :
		xcalloc(1, sizeof(char *));
	if (!d->tools)
		return -1;
	d->stamp_inf = json_object_get(obj, "stamp_inf") ?
		str_array(json_object_get(obj, "stamp_inf"), path, "stamp_inf", 1) :
		xcalloc(1, sizeof(char *));
	if (!d->stamp_inf)
		return -1;
	outs = json_object_get(obj, "outputs");
	if (!json_is_array(outs) || json_array_size(outs) == 0)
		return errorx("%s: driver '%s' needs a non-empty 'outputs' array", path, name);
	d->outputs = xcalloc(json_array_size(outs), sizeof(*d->outputs));
	for (i = 0; i < json_array_size(outs); i++) {
		json_t *o = json_array_get(outs, i);
		const char *file = get_str(o, "file"), *kind = get_str(o, "kind");

		if (!name_is_valid(file) || !name_is_valid(kind))
			return errorx("%s: driver '%s': output %zu needs a plain 'file' "
				      "name and a 'kind'", path, name, i + 1);
		d->outputs[i].file = xstrdup(file);
		d->outputs[i].kind = xstrdup(kind);
		d->outputs[i].optional = json_is_true(json_object_get(o, "optional"));
		d->noutputs++;
	}
	return 0;
}

struct manifest *
manifest_load(const char *path)
{
	struct manifest *m = xcalloc(1, sizeof(*m));
	json_error_t jerr;
	json_t *root, *drivers;
	size_t i;

	m->path = xstrdup(path);
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		errorx("%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
		goto fail;
	}
	if (!get_str(root, "version")) {
		errorx("%s: the manifest needs a 'version' (MAJOR.MINOR.MICRO)", path);
		goto fail;
	}
	m->version = xstrdup(get_str(root, "version"));
	drivers = json_object_get(root, "drivers");
	if (!json_is_array(drivers)) {
		errorx("%s: the manifest needs a 'drivers' array", path);
		goto fail;
	}
	m->drivers = xcalloc(json_array_size(drivers), sizeof(*m->drivers));
	for (i = 0; i < json_array_size(drivers); i++) {
		m->ndrivers++;
		if (load_driver(&m->drivers[i], json_array_get(drivers, i), path) < 0)
			goto fail;
		if (manifest_driver(m, m->drivers[i].name) != &m->drivers[i]) {
			errorx("%s: driver '%s' is listed twice", path, m->drivers[i].name);
			goto fail;
		}
	}
	json_decref(root);
	return m;
fail:
	json_decref(root);
	manifest_free(m);
	return NULL;
}

void
manifest_free(struct manifest *m)
{
	int i, j;

	if (!m)
		return;
	for (i = 0; i < m->ndrivers; i++) {
		struct manifest_driver *d = &m->drivers[i];

		free(d->name);
		free(d->url);
		free(d->branch);
		free(d->subdir);
		free(d->executor);
		free(d->outdir);
		str_array_free(d->build);
		str_array_free(d->tools);
		str_array_free(d->stamp_inf);
		for (j = 0; j < d->noutputs; j++) {
			free(d->outputs[j].file);
			free(d->outputs[j].kind);
		}
		free(d->outputs);
	}
	free(m->drivers);
	free(m->version);
	free(m->path);
	free(m);
}

const struct manifest_driver *
manifest_driver(const struct manifest *m, const char *name)
{
	int i;

	for (i = 0; i < m->ndrivers; i++)
		if (m->drivers[i].name && strcmp(m->drivers[i].name, name) == 0)
			return &m->drivers[i];
	return NULL;
}
