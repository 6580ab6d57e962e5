#include <stdlib.h>

#include "config.h"
#include "instance.h"
#include "layout.h"
#include "util.h"

const char *const layout_dirs[] = {
	"logs", "artifacts", "images", "overlays", "work", "cache", LAYOUT_KEYS_DIR, NULL,
};

/* home/rel, or rel itself (taken) when home is NULL. */
static char *
under(const char *home, char *rel)
{
	char *path;

	if (!home)
		return rel;
	path = path_join(home, rel);
	free(rel);
	return path;
}

char *
layout_config(const char *home)
{
	return under(home, xstrdup("config.json"));
}

char *
layout_db(const char *home)
{
	return under(home, xstrdup("results.db"));
}

char *
layout_logs(const char *home)
{
	return under(home, xstrdup("logs"));
}

char *
layout_flight_logs(const char *home, long flight)
{
	return under(home, xasprintf("logs/%ld", flight));
}

char *
layout_job_logs(const char *home, long flight, const char *job)
{
	return under(home, xasprintf("logs/%ld/%s", flight, job));
}

char *
layout_step_log(const char *home, long flight, const char *job, int stepno, const char *testid)
{
	return under(home, xasprintf("logs/%ld/%s/%02d.%s.log", flight, job, stepno, testid));
}

char *
layout_flight_artifacts(const char *home, long flight)
{
	return under(home, xasprintf("artifacts/%ld", flight));
}

char *
layout_job_artifacts(const char *home, long flight, const char *job)
{
	return under(home, xasprintf("artifacts/%ld/%s", flight, job));
}

char *
layout_job_work(const char *home, long flight, const char *job)
{
	return under(home, xasprintf("work/%ld/%s", flight, job));
}

char *
layout_overlay(const char *home, const struct config *cfg, long flight, const char *job)
{
	char *dir = instance_resolve(home, config_str(cfg, "images.overlays"));
	char *path = xasprintf("%s/%ld/%s.qcow2", dir, flight, job);

	free(dir);
	return path;
}
