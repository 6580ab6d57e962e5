#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "instance.h"
#include "layout.h"
#include "log.h"
#include "proc.h"
#include "util.h"

char *
instance_home(const char *home_opt)
{
	const char *env = getenv("PVCI_HOME");
	const char *home;
	char *path, *abs;

	if (home_opt && *home_opt)
		path = xstrdup(home_opt);
	else if (env && *env)
		path = xstrdup(env);
	else if (geteuid() == 0)
		path = xstrdup("/var/lib/pvci");
	else if ((home = getenv("HOME")) && *home)
		path = xasprintf("%s/.local/share/pvci", home);
	else
		path = xstrdup("./pvci-home");
	if (path[0] == '/')
		return path;
	abs = realpath(".", NULL);
	if (!abs)
		return path;
	home = abs;
	abs = path_join(home, path);
	free((char *)home);
	free(path);
	return abs;
}

char *
instance_resolve(const char *home, const char *rel)
{
	if (rel[0] == '/')
		return xstrdup(rel);
	return path_join(home, rel);
}

char *
instance_path(const struct instance *inst, const char *config_key)
{
	const char *v = config_str(inst->cfg, config_key);

	return v ? instance_resolve(inst->home, v) : NULL;
}

/* 1 when path is absent or an empty file. */
static int
db_is_missing(const char *path)
{
	struct stat sb;

	return stat(path, &sb) < 0 ? errno == ENOENT : sb.st_size == 0;
}

/* 1 when home/logs holds anything: flights ran here. */
static int
logs_hold_flights(const char *home)
{
	char *logs = layout_logs(home);
	DIR *d = opendir(logs);
	struct dirent *de;
	int found = 0;

	free(logs);
	if (!d)
		return 0;
	while (!found && (de = readdir(d)))
		found = strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return found;
}

int
instance_init(const char *home)
{
	char *cfg_path, *db_path, *text;
	struct config *cfg;
	struct db *db;
	size_t i;

	/*
	 * The instance must be traversable by other users: under
	 * qemu:///system QEMU runs as libvirt-qemu and opens images and
	 * overlays kept here.
	 */
	if (mkdir_p(home, 0755) < 0)
		return -1;
	for (i = 0; layout_dirs[i]; i++) {
		char *d = path_join(home, layout_dirs[i]);
		int rc = mkdir_p(d, strcmp(layout_dirs[i], LAYOUT_KEYS_DIR) ? 0755 : 0700);

		free(d);
		if (rc < 0)
			return -1;
	}
	cfg_path = layout_config(home);
	if (!file_exists(cfg_path)) {
		char *withnl;

		text = config_default_text();
		withnl = xasprintf("%s\n", text);
		free(text);
		if (write_file_atomic(cfg_path, withnl, strlen(withnl), 0644) < 0) {
			free(withnl);
			free(cfg_path);
			return -1;
		}
		free(withnl);
	}
	/* An existing config is kept but must still be valid. */
	cfg = config_load(cfg_path);
	free(cfg_path);
	if (!cfg)
		return -1;
	config_free(cfg);
	db_path = layout_db(home);
	if (db_is_missing(db_path) && logs_hold_flights(home)) {
		errorx("instance '%s' has logs of flights but no database '%s' (deleted or "
		       "emptied?): restore it from a backup, or move logs/ and artifacts/ "
		       "away to start again at flight 1", home, db_path);
		free(db_path);
		return -1;
	}
	db = db_open_mode(db_path, DB_CREATE);
	free(db_path);
	if (!db)
		return -1;
	db_close(db);
	return 0;
}

struct instance *
instance_open(const char *home_opt, enum instance_mode mode)
{
	static const enum db_mode db_modes[] = {
		[INSTANCE_READ] = DB_READ,
		[INSTANCE_WRITE] = DB_WRITE,
		[INSTANCE_RUN] = DB_MIGRATE,
	};
	struct instance *inst = xcalloc(1, sizeof(*inst));
	char *cfg_path, *db_path;

	inst->home = instance_home(home_opt);
	cfg_path = layout_config(inst->home);
	db_path = layout_db(inst->home);
	if (!file_exists(cfg_path)) {
		errorx("no pvci instance in '%s' (run 'pvci init' there, or give --home or PVCI_HOME)",
		       inst->home);
		goto fail;
	}
	inst->cfg = config_load(cfg_path);
	if (!inst->cfg)
		goto fail;
	inst->db = db_open_mode(db_path, db_modes[mode]);
	if (!inst->db)
		goto fail;
	free(cfg_path);
	free(db_path);
	return inst;
fail:
	free(cfg_path);
	free(db_path);
	instance_close(inst);
	return NULL;
}

void
instance_close(struct instance *inst)
{
	if (!inst)
		return;
	db_close(inst->db);
	config_free(inst->cfg);
	free(inst->home);
	free(inst);
}
