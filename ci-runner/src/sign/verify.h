/*
 * Checking a signed driver package: a .tar made by the sign step, an
 * installer ISO, or a directory holding the same files. Archives are read
 * in-process with libarchive, never unpacked; members with absolute or
 * ".." names, links, devices, FIFOs and sockets are refused by name. Every check prints
 * one line ("ok   WHAT NAME" or "FAIL WHAT NAME: why"):
 *   - SHA256SUMS parses, and its CMS signature SHA256SUMS.p7s is valid
 *     against the CA;
 *   - every file is listed in SHA256SUMS and matches it, and every listed
 *     file is there;
 *   - every PE image (.sys, .dll, .exe, or anything starting "MZ"), .cat and
 *     .msi carries an Authenticode signature chaining to the CA
 *     (osslsigncode verify -CAfile);
 *   - a package .tar found inside (on the ISO) is checked the same way.
 */
#ifndef PVCI_VERIFY_H
#define PVCI_VERIFY_H

#include <stdio.h>

/*
 * Returns 0 when every check passed, 1 when one failed (each failure
 * printed, naming the file), -1 when the checks could not be made
 * (reported). Tool output goes to log_fd (-1: nowhere).
 */
int verify_path(const char *path, const char *ca, FILE *out, int log_fd);

/*
 * The catalog (catalog.h) of the package at path (a .tar, an ISO or a
 * directory), computed from its bytes: its SHA-256 into hex and, when text
 * is not NULL, its text (caller frees). Members that verify_path refuses
 * make it fail. 0 or -1 (reported).
 */
int verify_catalog(const char *path, char hex[65], char **text, int log_fd);

/* 1 when name (by its extension) is a file Authenticode signs. */
int verify_is_signable(const char *name);

#endif
