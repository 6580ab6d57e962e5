/*
 * SHA256SUMS manifests ("HEX  NAME" lines, as sha256sum(1) writes them,
 * sorted by name) and their detached CMS signatures (DER), made and checked
 * with libcrypto.
 */
#ifndef PVCI_SUMS_H
#define PVCI_SUMS_H

#include <stddef.h>

struct sums_entry {
	char *name;		/* relative path, validated */
	char hex[65];
};

struct sums {
	struct sums_entry *entries;
	int count;
};

/*
 * Parses manifest text of len bytes. Lines are "HEX  NAME" or "HEX *NAME";
 * names must be relative, without "." or ".." components, unique. An error
 * (reported, naming the line) gives -1. where names the file in messages.
 */
int sums_parse(struct sums *sums, const char *text, size_t len, const char *where);
void sums_release(struct sums *sums);
/* The entry for name, or NULL. */
const struct sums_entry *sums_find(const struct sums *sums, const char *name);

/* 1 when name is acceptable in a manifest (and in a package). */
int sums_name_is_valid(const char *name);

/*
 * Writes the manifest of names (relative to dir, any order: they are sorted
 * here) to dir/SHA256SUMS. Returns 0 or -1.
 */
int sums_write(const char *dir, const char *const *names, int count);

/*
 * Signs the file data_path with cert + key (key: a PEM file, or a pkcs11:
 * URI loaded through OSSL_STORE), adding the certificates of chain_path
 * (may be NULL), as a detached DER CMS signature written to sig_path.
 */
int sums_sign(const char *data_path, const char *cert_path, const char *key,
	      const char *chain_path, const char *sig_path);
/* The same with a key already loaded (an EVP_PKEY, e.g. from the token). */
struct evp_pkey_st;
int sums_sign_pkey(const char *data_path, const char *cert_path, struct evp_pkey_st *pkey,
		   const char *chain_path, const char *sig_path);

/*
 * Checks the detached signature sig_path over data_path against the CA
 * certificates in ca_path. Returns 0 when valid, 1 when not (why is put in
 * *why, caller frees), -1 when it could not check (reported).
 */
int sums_verify(const char *data_path, const char *sig_path, const char *ca_path,
		char **why);
/* The same over bytes in memory; sig_name names the signature in messages. */
int sums_verify_mem(const void *data, size_t len, const void *sig, size_t siglen,
		    const char *sig_name, const char *ca_path, char **why);

#endif
