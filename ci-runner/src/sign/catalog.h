/*
 * The package catalog: for every file of a signed package, its name, size,
 * SHA-256 and Authenticode digest (as osslsigncode computes it over the
 * signed image; empty for files Authenticode does not cover), as CSV:
 *
 *   file,size,sha256,authenticode
 *   pvcifix.inf,1234,<hex>,
 *   pvcifix.sys,5678,<hex>,<hex>
 *
 * sorted by name, "\n" line ends, nothing else: the same bytes give the
 * same catalog, so its SHA-256 names exactly those bytes. The sign step
 * writes it (and signs it with the CMS key); a test job records the
 * SHA-256 of the catalog of the package it installed (runvar
 * installed_catalog); "pvci verify --history" computes it again from a
 * package's bytes to find the flights that tested them.
 */
#ifndef PVCI_CATALOG_H
#define PVCI_CATALOG_H

#include <stddef.h>

struct catalog_entry {
	const char *name;	/* lent; a plain name (no comma, no quote) */
	long long size;
	char sha256[65];
	char authenticode[129];	/* lower-case hex, or "" */
};

/* The CSV text of n entries (sorted here); caller frees; *len its length. */
char *catalog_text(struct catalog_entry *e, int n, size_t *len);

/*
 * The Authenticode digest of the signed file at path into hex (lower case),
 * "" when it carries no signature. 0, or -1 when osslsigncode cannot run.
 */
int catalog_authenticode(const char *path, char hex[129], int log_fd);

/* 1 when a file called name is left out of catalogs (the manifest, packages). */
int catalog_skips(const char *name);

#endif
