/*
 * Version stamping of driver builds: the four-part version
 * MAJOR.MINOR.MICRO.BUILD (the build number is the flight number) and the
 * INF DriverVer line, dated from the commit date of the revision built so
 * that two builds of the same revision stamp the same bytes.
 */
#ifndef PVCI_STAMP_H
#define PVCI_STAMP_H

#include <stddef.h>

struct stamp_version {
	unsigned int major, minor, micro, build;
};

/*
 * Parses "MAJOR.MINOR.MICRO" (each 0..65535, as Windows file versions
 * require) into v, leaving v->build alone. Returns 0 or -1 (reported).
 */
int stamp_parse_version(const char *text, struct stamp_version *v);

/* "MAJOR.MINOR.MICRO.BUILD"; caller frees. */
char *stamp_version_string(const struct stamp_version *v);

/* "MM/DD/YYYY" of a time in UTC, into buf (at least 11 bytes). */
int stamp_inf_date(long long epoch, char *buf, size_t size);

/*
 * Returns a copy of the INF text with the value of every DriverVer line of
 * its [Version] section replaced by "DATE,VERSION"; keeps the line endings
 * (CRLF or LF) and anything else as it was. An INF without DriverVer gets
 * one after the [Version] header. NULL (reported) when there is no
 * [Version] section. Caller frees; *outlen gets the length.
 */
char *stamp_inf_text(const char *text, size_t len, const char *date, const char *version,
		     size_t *outlen);

/* 1 when s is a plausible git object name: 4..64 lower-case hex digits. */
int stamp_is_revision(const char *s);

#endif
