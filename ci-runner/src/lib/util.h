/*
 * Small helpers shared by every module: memory, strings, files, names.
 *
 * Allocation failures abort: pvci cannot do anything useful without memory.
 * Functions returning char * give ownership to the caller.
 */
#ifndef PVCI_UTIL_H
#define PVCI_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* A growable NUL-terminated buffer; buf is never NULL after strbuf_init. */
struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
};
void strbuf_init(struct strbuf *sb);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_adds(struct strbuf *sb, const char *s);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strbuf_reset(struct strbuf *sb);
char *strbuf_detach(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);

/*
 * Names of flights' jobs, steps, runvars, trees and images: 1..128 chars of
 * [A-Za-z0-9._-], not starting with '.' or '-'.
 */
#define NAME_MAX_LEN 128
int name_is_valid(const char *s);

/* Parses a whole decimal number into *out; returns 0 or -1. */
int parse_long(const char *s, long *out);

/* fnmatch() wrapper: 1 when name matches the shell glob pattern. */
int glob_match(const char *pattern, const char *name);

char *path_join(const char *dir, const char *name);
/* path made absolute against the current folder (not resolved further). */
char *path_absolute(const char *path);
int mkdir_p(const char *path, mode_t mode);
/* Removes a directory tree; a missing path is not an error. */
int remove_tree(const char *path);

/* Reads at most max bytes; a longer file is an error. *len may be NULL. */
char *read_file(const char *path, size_t max, size_t *len);
/* The same from an open descriptor (path names it in messages); fd stays open. */
char *read_fd(int fd, const char *path, size_t max, size_t *len);
/* Writes through a temporary file and rename(), so readers never see half. */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);
/* Copies from to to (mode); a copy that fails half-way (disk full) is removed. */
int copy_file(const char *from, const char *to, mode_t mode);
int file_exists(const char *path);

/*
 * A copy of s with secrets replaced by REDACTED: the password (or, for
 * http and https, a lone user name, usually a token) of every URL's
 * user:password@ part, and the value of every PKCS#11 "pin-value=". For
 * anything printed or stored that may hold a URL or a key URI: logs, argv
 * shown in logs, runvars, reports. secrets_present() is 1 when it would
 * change s.
 */
#define REDACTED "***"
char *redact_secrets(const char *s);
int secrets_present(const char *s);

/* SHA-256 of a file as 64 lower-case hex digits; size optional. */
int sha256_file(const char *path, char hex[65], off_t *size);

/*
 * The directory holding pvci's data (results-db/, flights/, guest-images/,
 * winpv-drivers/): $PVCI_DATADIR, else the source tree the binary was built
 * in, else the installed PVCI_DATADIR.
 */
const char *data_dir(void);

/* Seconds since the epoch, and with sub-second precision. */
long now_seconds(void);
double now_monotonic(void);

#endif
