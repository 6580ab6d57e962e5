/*
 * Diagnostics, in the manner of OpenBSD daemons and git.
 *
 * log_warn() appends strerror(errno); log_warnx() does not. error() and
 * errorx() print like them and return -1 so "return error(...)" is one line.
 * Messages: lower case, no full stop, subject in quotes.
 */
#ifndef PVCI_LOG_H
#define PVCI_LOG_H

#include <stdarg.h>

/* verbose: 0 warnings and errors, 1 info, 2 debug, -1 nothing (fuzzers). */
void log_init(const char *progname, int verbose);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int errorx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * While a step runs, its diagnostics also go to the step log; exec sets
 * this to the step log's descriptor (-1 for none).
 */
void log_set_mirror_fd(int fd);

/* Every message also goes to syslog (facility daemon) as ident (pvci daemon --syslog). */
void log_to_syslog(const char *ident);

#endif
