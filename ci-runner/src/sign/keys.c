#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/store.h>
#include <openssl/x509v3.h>

#include "config.h"
#include "instance.h"
#include "keys.h"
#include "layout.h"
#include "log.h"
#include "token.h"
#include "util.h"

#define KEY_BITS 3072

const char *
keys_ssl_reason(void)
{
	static char buf[256];
	unsigned long e, last = 0;

	while ((e = ERR_get_error()) != 0)
		last = e;
	if (!last)
		return "unknown OpenSSL error";
	ERR_error_string_n(last, buf, sizeof(buf));
	return buf;
}

static char *
opt_path(const struct config *cfg, const char *home, const char *key)
{
	const char *v = config_str(cfg, key);

	if (!v || !*v)
		return NULL;
	return instance_resolve(home, v);
}

int
keys_is_pkcs11(const char *key)
{
	return key && strncmp(key, "pkcs11:", 7) == 0;
}

struct config *
keys_instance_config(const char *home_opt, char **home)
{
	char *path;
	struct config *cfg;

	*home = instance_home(home_opt);
	path = layout_config(*home);
	if (!file_exists(path)) {
		errorx("no pvci instance in '%s' (run 'pvci init' there, or give --home "
		       "or PVCI_HOME)", *home);
		free(path);
		return NULL;
	}
	cfg = config_load(path);
	free(path);
	return cfg;
}

void
keys_paths_init(struct keys_paths *kp, const struct config *cfg, const char *home)
{
	const char *key = config_str(cfg, "signing.key");
	const char *v;

	kp->ca = opt_path(cfg, home, "signing.ca");
	kp->ca_key = opt_path(cfg, home, "signing.ca_key");
	kp->cert = opt_path(cfg, home, "signing.cert");
	kp->chain = opt_path(cfg, home, "signing.chain");
	kp->key = keys_is_pkcs11(key) ? xstrdup(key) : opt_path(cfg, home, "signing.key");
	v = config_str(cfg, "signing.pkcs11_module");
	kp->pkcs11_module = v && *v ? xstrdup(v) : NULL;
	v = config_str(cfg, "signing.timestamp_url");
	kp->timestamp_url = v && *v ? xstrdup(v) : NULL;
	kp->pkcs11 = strcmp(config_str(cfg, "keys.mode"), "pkcs11") == 0;
	v = config_str(cfg, "keys.pkcs11_engine");
	kp->pkcs11_engine = v && *v ? xstrdup(v) : NULL;
	kp->token_label = xstrdup(config_str(cfg, "keys.token_label"));
	kp->key_label = xstrdup(config_str(cfg, "keys.key_label"));
	kp->pin_file = opt_path(cfg, home, "keys.pin_file");
	kp->softhsm_conf = opt_path(cfg, home, "keys.softhsm_conf");
	if (kp->pkcs11) {
		free(kp->key);
		kp->key = xasprintf("pkcs11:token=%s;object=%s;type=private",
				    kp->token_label, kp->key_label);
		free(kp->pkcs11_module);
		kp->pkcs11_module = xstrdup(config_str(cfg, "keys.pkcs11_module"));
	} else if (!keys_is_pkcs11(kp->key)) {
		/* A key file: no token to manage. */
		free(kp->softhsm_conf);
		kp->softhsm_conf = NULL;
	}
}

void
keys_paths_release(struct keys_paths *kp)
{
	free(kp->ca);
	free(kp->ca_key);
	free(kp->cert);
	free(kp->key);
	free(kp->chain);
	free(kp->pkcs11_module);
	free(kp->timestamp_url);
	free(kp->pkcs11_engine);
	free(kp->token_label);
	free(kp->key_label);
	free(kp->pin_file);
	free(kp->softhsm_conf);
	memset(kp, 0, sizeof(*kp));
}

static EVP_PKEY *
make_key(void)
{
	EVP_PKEY *pkey = EVP_RSA_gen(KEY_BITS);

	if (!pkey)
		errorx("cannot generate an RSA key: %s", keys_ssl_reason());
	return pkey;
}

static int
add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (!ext)
		return errorx("cannot make extension '%s': %s", value, keys_ssl_reason());
	X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return 0;
}

static X509 *
make_cert(const char *cn, EVP_PKEY *pkey, X509 *issuer, EVP_PKEY *issuer_key, int days,
	  int is_ca)
{
	unsigned char serial[16];
	X509_NAME *name;
	BIGNUM *bn;
	X509 *cert = X509_new();

	if (!cert || RAND_bytes(serial, sizeof(serial)) != 1)
		goto fail;
	serial[0] &= 0x7f;	/* positive */
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert))) {
		BN_free(bn);
		goto fail;
	}
	BN_free(bn);
	X509_set_version(cert, 2);
	/* A little slack backwards for hosts whose clocks disagree. */
	X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
	X509_gmtime_adj(X509_getm_notAfter(cert), (long)days * 86400);
	X509_set_pubkey(cert, pkey);
	name = X509_get_subject_name(cert);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"pvci",
				   -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn,
				   -1, -1, 0);
	X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name);
	if (is_ca) {
		if (add_ext(cert, cert, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") < 0 ||
		    add_ext(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign") < 0 ||
		    add_ext(cert, cert, NID_subject_key_identifier, "hash") < 0 ||
		    add_ext(cert, cert, NID_authority_key_identifier, "keyid:always") < 0)
			goto fail_quiet;
	} else {
		if (add_ext(cert, issuer, NID_basic_constraints, "critical,CA:FALSE") < 0 ||
		    add_ext(cert, issuer, NID_key_usage, "critical,digitalSignature") < 0 ||
		    add_ext(cert, issuer, NID_ext_key_usage, "codeSigning") < 0 ||
		    add_ext(cert, issuer, NID_subject_key_identifier, "hash") < 0 ||
		    add_ext(cert, issuer, NID_authority_key_identifier, "keyid:always") < 0)
			goto fail_quiet;
	}
	if (!X509_sign(cert, issuer_key, EVP_sha256()))
		goto fail;
	return cert;
fail:
	errorx("cannot make certificate 'CN=%s': %s", cn, keys_ssl_reason());
fail_quiet:
	X509_free(cert);
	return NULL;
}

static int
write_bio(BIO *bio, const char *path, mode_t mode)
{
	char *data;
	long len = BIO_get_mem_data(bio, &data);

	return write_file_atomic(path, data, (size_t)len, mode);
}

static int
write_cert(const char *path, X509 *const *certs, int n)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int i, rc;

	for (i = 0; i < n; i++)
		PEM_write_bio_X509(bio, certs[i]);
	rc = write_bio(bio, path, 0644);
	BIO_free(bio);
	return rc;
}

static int
write_key(const char *path, EVP_PKEY *pkey)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int rc;

	if (!PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL)) {
		BIO_free(bio);
		return errorx("cannot encode the key for '%s': %s", path, keys_ssl_reason());
	}
	rc = write_bio(bio, path, 0600);
	/* The key's text must not linger in freed memory. */
	{
		char *data;
		long len = BIO_get_mem_data(bio, &data);

		OPENSSL_cleanse(data, (size_t)len);
	}
	BIO_free(bio);
	if (rc == 0 && chmod(path, 0600) < 0)
		return error("cannot restrict '%s' to mode 0600", path);
	return rc;
}

static int
make_parent(const char *path)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	int rc = 0;

	if (slash && slash != dir) {
		*slash = '\0';
		rc = mkdir_p(dir, 0700);
	}
	free(dir);
	return rc;
}

int
keys_create(const struct keys_paths *kp, int days, int force)
{
	const char *files[] = { kp->ca, kp->ca_key, kp->cert, kp->key, kp->chain };
	EVP_PKEY *ca_key = NULL, *cs_key = NULL;
	X509 *ca = NULL, *cs = NULL;
	X509 *chain[2];
	size_t i, existing = 0;
	int rc = -1;

	if (days < 1 || days > 36500)
		return errorx("validity of %d days is out of range (1..36500)", days);
	if (keys_is_pkcs11(kp->key))
		return errorx("signing.key is a PKCS#11 URI: 'pvci keys init' makes only "
			      "key files; point signing.key at a file or provision the token "
			      "yourself");
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (!files[i])
			return errorx("a signing.* path setting is empty");
		existing += file_exists(files[i]);
	}
	/* Running it again is harmless: a complete set is kept as it is. */
	if (!force && existing == sizeof(files) / sizeof(files[0]))
		return 1;
	for (i = 0; !force && i < sizeof(files) / sizeof(files[0]); i++)
		if (file_exists(files[i]))
			return errorx("'%s' exists but the other keys do not: refusing "
				      "to replace it (use --force)", files[i]);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (make_parent(files[i]) < 0)
			return -1;

	if (!(ca_key = make_key()) || !(cs_key = make_key()))
		goto out;
	ca = make_cert("pvci test CA", ca_key, NULL, ca_key, days, 1);
	if (!ca)
		goto out;
	cs = make_cert("pvci test code signing", cs_key, ca, ca_key, days, 0);
	if (!cs)
		goto out;
	chain[0] = cs;
	chain[1] = ca;
	if (write_key(kp->ca_key, ca_key) < 0 || write_key(kp->key, cs_key) < 0 ||
	    write_cert(kp->ca, &ca, 1) < 0 || write_cert(kp->cert, &cs, 1) < 0 ||
	    write_cert(kp->chain, chain, 2) < 0)
		goto out;
	rc = 0;
out:
	X509_free(ca);
	X509_free(cs);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(cs_key);
	return rc;
}

/*
 * 1 when path is inside dir: both resolved, path through its nearest
 * existing ancestor (the file and some folders may not exist yet).
 */
static int
inside(const char *path, const char *dir)
{
	char *d = realpath(dir, NULL), *anc = xstrdup(path), *p = NULL, *slash;
	int in = 0;

	while (!p && (slash = strrchr(anc, '/')) != NULL) {
		*slash = '\0';
		p = realpath(*anc ? anc : "/", NULL);
	}
	if (d && p)
		in = strncmp(p, d, strlen(d)) == 0 && (p[strlen(d)] == '/' || !p[strlen(d)]);
	free(d);
	free(p);
	free(anc);
	return in;
}

static int
create_pkcs11(const struct keys_paths *kp, const char *home, int days, int force,
	      const char *ca_key_out)
{
	const char *files[] = { kp->ca, kp->cert, kp->chain };
	EVP_PKEY *ca_key = NULL, *cs_pub = NULL;
	X509 *ca = NULL, *cs = NULL;
	X509 *chain[2];
	size_t i, existing = 0;
	int rc = -1, present;

	if (!kp->pin_file || !kp->token_label[0] || !kp->key_label[0])
		return errorx("keys.pin_file, keys.token_label and keys.key_label must be set");
	if (!name_is_valid(kp->token_label) || !name_is_valid(kp->key_label))
		return errorx("token label '%s' and key label '%s' may hold only letters, "
			      "digits, '.', '_' and '-'", kp->token_label, kp->key_label);
	if (ca_key_out && inside(ca_key_out, home))
		return errorx("'%s' is inside the instance '%s': the CA's private key must "
			      "be kept elsewhere (or not at all: --no-keep-ca)", ca_key_out, home);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (!files[i])
			return errorx("a signing.* path setting is empty");
		existing += file_exists(files[i]);
	}
	present = token_key_present(kp);
	if (present < 0)
		return -1;
	if (!force && existing == sizeof(files) / sizeof(files[0]) && present)
		return 1;
	/*
	 * Certificates without the token's key were made for another key (an
	 * instance in file mode before): they are public, so new ones replace
	 * them; private key files are never touched, only pointed at.
	 */
	if (!force && existing && !present) {
		log_warnx("'%s' was made for a key the token does not hold: new "
			  "certificates replace it", kp->cert);
		if (kp->ca_key && file_exists(kp->ca_key))
			log_warnx("'%s' (a CA key in the instance, from keys.mode file) is no "
				  "longer used: move it offline or delete it", kp->ca_key);
		if (kp->cert) {
			char *dir = xstrdup(kp->cert), *slash = strrchr(dir, '/');
			char *old;

			if (slash)
				*slash = '\0';
			old = path_join(dir, "codesign.key");
			if (file_exists(old))
				log_warnx("'%s' is no longer used: delete it", old);
			free(old);
			free(dir);
		}
	}
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (make_parent(files[i]) < 0)
			return -1;
	if ((kp->softhsm_conf && make_parent(kp->softhsm_conf) < 0) ||
	    make_parent(kp->pin_file) < 0)
		return -1;
	if (token_provision(kp, force || existing == 0, &cs_pub) < 0)
		return -1;
	if (!(ca_key = make_key()))
		goto out;
	ca = make_cert("pvci test CA", ca_key, NULL, ca_key, days, 1);
	if (!ca)
		goto out;
	cs = make_cert("pvci test code signing", cs_pub, ca, ca_key, days, 0);
	if (!cs)
		goto out;
	chain[0] = cs;
	chain[1] = ca;
	if (ca_key_out && (make_parent(ca_key_out) < 0 || write_key(ca_key_out, ca_key) < 0))
		goto out;
	if (write_cert(kp->ca, &ca, 1) < 0 || write_cert(kp->cert, &cs, 1) < 0 ||
	    write_cert(kp->chain, chain, 2) < 0)
		goto out;
	rc = 0;
out:
	X509_free(ca);
	X509_free(cs);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(cs_pub);
	return rc;
}

int
keys_create_mode(const struct keys_paths *kp, const char *home, int days, int force,
		 const char *ca_key_out)
{
	if (days < 1 || days > 36500)
		return errorx("validity of %d days is out of range (1..36500)", days);
	if (kp->pkcs11)
		return create_pkcs11(kp, home, days, force, ca_key_out);
	if (ca_key_out) {
		struct keys_paths alt = *kp;

		alt.ca_key = (char *)ca_key_out;
		return keys_create(&alt, days, force);
	}
	return keys_create(kp, days, force);
}

EVP_PKEY *
keys_load_signing_key(const struct keys_paths *kp)
{
	if (keys_is_pkcs11(kp->key))
		return token_load_key(kp);
	return keys_load_key(kp->key);
}

X509 *
keys_load_cert(const char *path)
{
	BIO *bio = BIO_new_file(path, "r");
	X509 *cert;

	if (!bio) {
		errorx("cannot open certificate '%s': %s", path, keys_ssl_reason());
		return NULL;
	}
	cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!cert)
		errorx("cannot read a certificate from '%s': %s", path, keys_ssl_reason());
	return cert;
}

STACK_OF(X509) *
keys_load_certs(const char *path)
{
	STACK_OF(X509) *certs;
	BIO *bio = BIO_new_file(path, "r");
	X509 *cert;

	if (!bio) {
		errorx("cannot open certificates '%s': %s", path, keys_ssl_reason());
		return NULL;
	}
	certs = sk_X509_new_null();
	while ((cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		sk_X509_push(certs, cert);
	ERR_clear_error();	/* the end of the file reads as an error */
	BIO_free(bio);
	if (sk_X509_num(certs) == 0) {
		sk_X509_free(certs);
		errorx("no certificate in '%s'", path);
		return NULL;
	}
	return certs;
}

static EVP_PKEY *
load_store_key(const char *uri)
{
	OSSL_STORE_CTX *store = OSSL_STORE_open(uri, NULL, NULL, NULL, NULL);
	EVP_PKEY *pkey = NULL;
	/* The URI may hold the token's PIN (pin-value): never shown. */
	char *shown = redact_secrets(uri);

	if (!store) {
		errorx("cannot open key store '%s': %s", shown, keys_ssl_reason());
		free(shown);
		return NULL;
	}
	while (!pkey && !OSSL_STORE_eof(store)) {
		OSSL_STORE_INFO *info = OSSL_STORE_load(store);

		if (!info)
			break;
		if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY)
			pkey = OSSL_STORE_INFO_get1_PKEY(info);
		OSSL_STORE_INFO_free(info);
	}
	OSSL_STORE_close(store);
	if (!pkey)
		errorx("no private key found at '%s'", shown);
	free(shown);
	return pkey;
}

EVP_PKEY *
keys_load_key(const char *key)
{
	EVP_PKEY *pkey;
	BIO *bio;

	if (keys_is_pkcs11(key))
		return load_store_key(key);
	bio = BIO_new_file(key, "r");
	if (!bio) {
		errorx("cannot open private key '%s': %s", key, keys_ssl_reason());
		return NULL;
	}
	pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!pkey)
		errorx("cannot read a private key from '%s': %s", key, keys_ssl_reason());
	return pkey;
}

static char *
name_text(const X509_NAME *name)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *s;
	long len;

	X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	len = BIO_get_mem_data(bio, &data);
	s = xmalloc((size_t)len + 1);
	memcpy(s, data, (size_t)len);
	s[len] = '\0';
	BIO_free(bio);
	return s;
}

static long long
asn1_time_epoch(const ASN1_TIME *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (!ASN1_TIME_to_tm(t, &tm))
		return 0;
	return (long long)timegm(&tm);
}

int
keys_cert_info(const char *path, struct keys_info *info)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	X509 *cert = keys_load_cert(path);

	memset(info, 0, sizeof(*info));
	if (!cert)
		return -1;
	info->subject = name_text(X509_get_subject_name(cert));
	info->issuer = name_text(X509_get_issuer_name(cert));
	X509_digest(cert, EVP_sha256(), md, &mdlen);
	for (i = 0; i < mdlen && 3 * i + 3 <= sizeof(info->fingerprint); i++)
		snprintf(info->fingerprint + 3 * i, 4, i + 1 < mdlen ? "%02X:" : "%02X", md[i]);
	info->not_before = asn1_time_epoch(X509_get0_notBefore(cert));
	info->not_after = asn1_time_epoch(X509_get0_notAfter(cert));
	X509_free(cert);
	return 0;
}

void
keys_info_release(struct keys_info *info)
{
	free(info->subject);
	free(info->issuer);
	info->subject = info->issuer = NULL;
}

void
keys_format_date(long long t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || strftime(buf, size, "%Y-%m-%d", &tm) == 0)
		snprintf(buf, size, "?");
}

int
keys_check_validity(const char *path, long min_days, long long now, char **why)
{
	struct keys_info info;
	char date[16];
	int rc = 0;

	*why = NULL;
	if (keys_cert_info(path, &info) < 0)
		return -1;
	keys_format_date(info.not_after, date, sizeof(date));
	if (info.not_after <= now) {
		*why = xasprintf("certificate '%s' expired on %s: refusing to sign",
				 info.subject, date);
		rc = 1;
	} else if (info.not_after - now < (long long)min_days * 86400) {
		*why = xasprintf("certificate '%s' expires on %s, within %ld days: "
				 "refusing to sign", info.subject, date, min_days);
		rc = 1;
	} else if (info.not_before > now) {
		keys_format_date(info.not_before, date, sizeof(date));
		*why = xasprintf("certificate '%s' is not valid before %s: refusing to sign",
				 info.subject, date);
		rc = 1;
	}
	keys_info_release(&info);
	return rc;
}
