#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

static const char *log_progname = "pvci";
static int log_verbose;
static int log_mirror_fd = -1;
static int log_syslog;

void
log_init(const char *progname, int verbose)
{
	log_progname = progname;
	log_verbose = verbose;
}

void
log_set_mirror_fd(int fd)
{
	log_mirror_fd = fd;
}

void
log_to_syslog(const char *ident)
{
	openlog(ident, LOG_PID, LOG_DAEMON);
	log_syslog = 1;
}

static void
vlog(const char *level, int with_errno, const char *fmt, va_list ap)
{
	char msg[2048], *clean;
	int saved = errno;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (with_errno) {
		size_t len = strlen(msg);
		snprintf(msg + len, sizeof(msg) - len, ": %s", strerror(saved));
	}
	/* Messages quote URLs and key URIs; their passwords and PINs stay out. */
	/* Quiet (the fuzzers): formatted all the same, so a bad argument still shows. */
	if (log_verbose < 0) {
		errno = saved;
		return;
	}
	clean = redact_secrets(msg);
	fprintf(stderr, "%s: %s%s\n", log_progname, level, clean);
	if (log_mirror_fd >= 0)
		dprintf(log_mirror_fd, "pvci: %s%s\n", level, clean);
	if (log_syslog)
		syslog(*level ? LOG_ERR : LOG_INFO, "%s%s", level, clean);
	free(clean);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", 1, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("", 0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (log_verbose < 1)
		return;
	va_start(ap, fmt);
	vlog("", 0, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_verbose < 2)
		return;
	va_start(ap, fmt);
	vlog("debug: ", 0, fmt, ap);
	va_end(ap);
}

int
error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("error: ", 1, fmt, ap);
	va_end(ap);
	return -1;
}

int
errorx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("error: ", 0, fmt, ap);
	va_end(ap);
	return -1;
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("fatal: ", 0, fmt, ap);
	va_end(ap);
	exit(3);
}
