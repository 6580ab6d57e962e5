#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "keys.h"
#include "log.h"
#include "sums.h"
#include "util.h"

#define SUMS_MAX_LINE 4096

int
sums_name_is_valid(const char *name)
{
	const char *p = name;
	size_t n;

	if (!name || !*name || *name == '/' || strlen(name) > 1024)
		return 0;
	for (; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\\')
			return 0;
	/* Every component: not empty, not "." nor "..". */
	p = name;
	for (;;) {
		n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		if (!p[n])
			return 1;
		p += n + 1;
	}
}

void
sums_release(struct sums *sums)
{
	int i;

	for (i = 0; i < sums->count; i++)
		free(sums->entries[i].name);
	free(sums->entries);
	sums->entries = NULL;
	sums->count = 0;
}

const struct sums_entry *
sums_find(const struct sums *sums, const char *name)
{
	int i;

	for (i = 0; i < sums->count; i++)
		if (strcmp(sums->entries[i].name, name) == 0)
			return &sums->entries[i];
	return NULL;
}

int
sums_parse(struct sums *sums, const char *text, size_t len, const char *where)
{
	const char *p = text, *end = text + len;
	int lineno = 0;

	sums->entries = NULL;
	sums->count = 0;
	if (memchr(text, '\0', len))
		return errorx("%s: manifest holds a NUL byte", where);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		size_t n = (size_t)(e - p), i;
		char *name;

		lineno++;
		if (n > SUMS_MAX_LINE)
			goto bad;
		if (n >= 66 && p[64] == ' ' && (p[65] == ' ' || p[65] == '*')) {
			for (i = 0; i < 64; i++)
				if (!strchr("0123456789abcdef", p[i]) || !p[i])
					goto bad;
		} else {
			goto bad;
		}
		name = xmalloc(n - 66 + 1);
		memcpy(name, p + 66, n - 66);
		name[n - 66] = '\0';
		if (!sums_name_is_valid(name)) {
			errorx("%s:%d: bad file name '%s'", where, lineno, name);
			free(name);
			sums_release(sums);
			return -1;
		}
		if (sums_find(sums, name)) {
			errorx("%s:%d: '%s' is listed twice", where, lineno, name);
			free(name);
			sums_release(sums);
			return -1;
		}
		sums->entries = xrealloc(sums->entries,
					 (size_t)(sums->count + 1) * sizeof(*sums->entries));
		sums->entries[sums->count].name = name;
		memcpy(sums->entries[sums->count].hex, p, 64);
		sums->entries[sums->count].hex[64] = '\0';
		sums->count++;
		p = nl ? nl + 1 : end;
	}
	return 0;
bad:
	sums_release(sums);
	return errorx("%s:%d: not a 'SHA256  NAME' line", where, lineno);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int
sums_write(const char *dir, const char *const *names, int count)
{
	const char **sorted = xcalloc((size_t)count, sizeof(*sorted));
	struct strbuf sb;
	char *path;
	int i, rc = -1;

	if (count > 0) {
		memcpy(sorted, names, (size_t)count * sizeof(*sorted));
		qsort(sorted, (size_t)count, sizeof(*sorted), cmp_names);
	}
	strbuf_init(&sb);
	for (i = 0; i < count; i++) {
		char hex[65];
		char *file;

		if (!sums_name_is_valid(sorted[i])) {
			errorx("cannot list '%s' in a manifest", sorted[i]);
			goto out;
		}
		file = path_join(dir, sorted[i]);
		if (sha256_file(file, hex, NULL) < 0) {
			free(file);
			goto out;
		}
		free(file);
		strbuf_addf(&sb, "%s  %s\n", hex, sorted[i]);
	}
	path = path_join(dir, "SHA256SUMS");
	rc = write_file_atomic(path, sb.buf, sb.len, 0644);
	free(path);
out:
	strbuf_release(&sb);
	free(sorted);
	return rc;
}

int
sums_sign_pkey(const char *data_path, const char *cert_path, struct evp_pkey_st *pkey,
	       const char *chain_path, const char *sig_path)
{
	STACK_OF(X509) *chain = NULL;
	CMS_ContentInfo *cms = NULL;
	BIO *data = NULL, *out = NULL;
	X509 *cert;
	int rc = -1;

	cert = keys_load_cert(cert_path);
	if (!cert)
		return -1;
	if (chain_path) {
		STACK_OF(X509) *all = keys_load_certs(chain_path);
		int i;

		if (!all)
			goto done;
		/* CMS_sign refuses the signer's own certificate twice. */
		chain = sk_X509_new_null();
		for (i = 0; i < sk_X509_num(all); i++) {
			X509 *c = sk_X509_value(all, i);

			if (X509_cmp(c, cert) != 0 && X509_up_ref(c))
				sk_X509_push(chain, c);
		}
		sk_X509_pop_free(all, X509_free);
	}
	data = BIO_new_file(data_path, "rb");
	if (!data) {
		errorx("cannot open '%s': %s", data_path, keys_ssl_reason());
		goto done;
	}
	cms = CMS_sign(cert, pkey, chain, data, CMS_DETACHED | CMS_BINARY);
	if (!cms) {
		errorx("cannot sign '%s': %s", data_path, keys_ssl_reason());
		goto done;
	}
	out = BIO_new(BIO_s_mem());
	if (!i2d_CMS_bio(out, cms)) {
		errorx("cannot encode the signature of '%s': %s", data_path, keys_ssl_reason());
		goto done;
	}
	{
		char *der;
		long len = BIO_get_mem_data(out, &der);

		rc = write_file_atomic(sig_path, der, (size_t)len, 0644);
	}
done:
	BIO_free(out);
	BIO_free(data);
	CMS_ContentInfo_free(cms);
	sk_X509_pop_free(chain, X509_free);
	X509_free(cert);
	return rc;
}

int
sums_sign(const char *data_path, const char *cert_path, const char *key,
	  const char *chain_path, const char *sig_path)
{
	EVP_PKEY *pkey = keys_load_key(key);
	int rc;

	if (!pkey)
		return -1;
	rc = sums_sign_pkey(data_path, cert_path, pkey, chain_path, sig_path);
	EVP_PKEY_free(pkey);
	return rc;
}

/* Checks a detached signature read from sig over data; sig_path names it. */
static int
verify_bios(BIO *data, BIO *sig, const char *sig_path, const char *ca_path, char **why)
{
	CMS_ContentInfo *cms = NULL;
	STACK_OF(X509) *cas = NULL;
	X509_STORE *store = NULL;
	int i, rc = -1;

	*why = NULL;
	if (!(cas = keys_load_certs(ca_path)))
		return -1;
	store = X509_STORE_new();
	for (i = 0; i < sk_X509_num(cas); i++)
		X509_STORE_add_cert(store, sk_X509_value(cas, i));
	/*
	 * The signer is a code-signing certificate: accept any purpose, as
	 * "openssl cms -verify -purpose any" does, instead of S/MIME signing.
	 */
	X509_STORE_set_purpose(store, X509_PURPOSE_ANY);
	cms = d2i_CMS_bio(sig, NULL);
	if (!cms) {
		*why = xasprintf("'%s' is not a DER CMS signature: %s", sig_path, keys_ssl_reason());
		rc = 1;
		goto done;
	}
	if (CMS_verify(cms, NULL, store, data, NULL, CMS_BINARY) != 1) {
		*why = xasprintf("signature '%s' does not verify: %s", sig_path, keys_ssl_reason());
		rc = 1;
		goto done;
	}
	rc = 0;
done:
	CMS_ContentInfo_free(cms);
	X509_STORE_free(store);
	sk_X509_pop_free(cas, X509_free);
	return rc;
}

int
sums_verify(const char *data_path, const char *sig_path, const char *ca_path, char **why)
{
	BIO *data = BIO_new_file(data_path, "rb"), *sig = BIO_new_file(sig_path, "rb");
	int rc;

	*why = NULL;
	if (!sig || !data) {
		errorx("cannot open '%s': %s", sig ? data_path : sig_path, keys_ssl_reason());
		BIO_free(sig);
		BIO_free(data);
		return -1;
	}
	rc = verify_bios(data, sig, sig_path, ca_path, why);
	BIO_free(sig);
	BIO_free(data);
	return rc;
}

int
sums_verify_mem(const void *data, size_t len, const void *sig, size_t siglen,
		const char *sig_name, const char *ca_path, char **why)
{
	BIO *d = BIO_new_mem_buf(data, (int)len), *s = BIO_new_mem_buf(sig, (int)siglen);
	int rc = -1;

	*why = NULL;
	if (d && s && len <= 0x7fffffff && siglen <= 0x7fffffff)
		rc = verify_bios(d, s, sig_name, ca_path, why);
	else
		errorx("cannot check '%s': out of memory or too big", sig_name);
	BIO_free(d);
	BIO_free(s);
	return rc;
}
