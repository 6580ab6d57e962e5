#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "build-executor.h"
#include "util.h"

static const struct build_executor *const executors[] = {
	&build_executor_local,
	&build_executor_guest,
};

const struct build_executor *
build_executor_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(executors) / sizeof(executors[0]); i++)
		if (strcmp(executors[i]->name, name) == 0)
			return executors[i];
	return NULL;
}

/* Whether the end of the step log says the disk filled up. */
static int
log_says_disk_full(struct step_ctx *ctx)
{
	const char *path = step_log_path(ctx);
	char buf[65536];
	off_t size;
	ssize_t n;
	int fd;

	if (!path || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	size = lseek(fd, 0, SEEK_END);
	n = pread(fd, buf, sizeof(buf) - 1, size > (off_t)sizeof(buf) - 1 ?
		  size - (off_t)sizeof(buf) + 1 : 0);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return memmem(buf, (size_t)n, "No space left on device", 23) != NULL ||
	       memmem(buf, (size_t)n, "ENOSPC", 6) != NULL;
}

static int
dir_is_full(const char *dir)
{
	struct statvfs sv;

	if (!dir || statvfs(dir, &sv) < 0)
		return 0;
	return (unsigned long long)sv.f_bavail * sv.f_frsize < 1024 * 1024;
}

enum step_status
build_status_of(struct step_ctx *ctx, int rc, const char *what, const char *dir)
{
	if (rc == 0)
		return STEP_PASS;
	if (rc == 127 || rc == 126) {
		step_log(ctx, "%s: command not found or not executable (exit status %d): "
			 "the build host lacks its toolchain", what, rc);
		return STEP_BROKEN;
	}
	if (log_says_disk_full(ctx) || dir_is_full(dir)) {
		step_log(ctx, "%s: the disk is full (no space left on device)", what);
		return STEP_BROKEN;
	}
	if (rc < 0) {
		if (step_seconds_left(ctx) <= 0) {
			step_log(ctx, "%s: did not finish within the time limit", what);
			return STEP_FAIL;
		}
		step_log(ctx, "%s: could not be run", what);
		return STEP_BROKEN;
	}
	if (rc == 128 + 9) {
		step_log(ctx, "%s: killed (SIGKILL; out of memory?)", what);
		return STEP_BROKEN;
	}
	step_log(ctx, "%s: failed with exit status %d", what, rc);
	return STEP_FAIL;
}
