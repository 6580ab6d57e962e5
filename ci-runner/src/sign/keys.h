/*
 * Signing keys: the test-signing CA and code-signing certificate "pvci keys
 * init" makes with libcrypto, and what the sign step and "pvci verify" need
 * to know about certificates (subject, fingerprint, expiry).
 *
 * Private keys are written mode 0600 and never printed or logged. With
 * keys.mode pkcs11 (the default) the code-signing key lives in a PKCS#11
 * token (token.h) and signing.key is ignored; keys.mode file keeps it in a
 * file, or at a "pkcs11:" URI given as signing.key, which is then used
 * through the token's engine too.
 */
#ifndef PVCI_KEYS_H
#define PVCI_KEYS_H

struct config;
/* OpenSSL's types, declared here so that users need not see its headers. */
struct evp_pkey_st;
struct stack_st_X509;
struct x509_st;

/* Where the keys live, resolved against the instance; all owned. */
struct keys_paths {
	char *ca;		/* signing.ca */
	char *ca_key;		/* signing.ca_key */
	char *cert;		/* signing.cert */
	char *key;		/* signing.key: a path, or a pkcs11: URI as it is */
	char *chain;		/* signing.chain */
	char *pkcs11_module;	/* signing.pkcs11_module, or NULL */
	char *timestamp_url;	/* signing.timestamp_url, or NULL */
	/* keys.* (the token); key is then "pkcs11:token=...;object=...;type=private". */
	int pkcs11;		/* keys.mode is pkcs11 */
	char *pkcs11_engine;	/* keys.pkcs11_engine; NULL: OpenSSL's engine "pkcs11" */
	char *token_label;	/* keys.token_label */
	char *key_label;	/* keys.key_label */
	char *pin_file;		/* keys.pin_file, resolved */
	char *softhsm_conf;	/* keys.softhsm_conf, resolved; NULL: not SoftHSM */
};

/*
 * The config of the instance named by home_opt (or $PVCI_HOME, ...), for
 * commands that need only settings, not the database. *home gets the
 * instance directory (caller frees). NULL (reported) when there is none.
 */
struct config *keys_instance_config(const char *home_opt, char **home);

void keys_paths_init(struct keys_paths *kp, const struct config *cfg, const char *home);
void keys_paths_release(struct keys_paths *kp);

/* 1 when key names a PKCS#11 object rather than a file. */
int keys_is_pkcs11(const char *key);

/*
 * Makes a CA and a code-signing certificate valid for days, writing the
 * five files of kp. Without force, a complete existing set is kept (1)
 * and a partial one refused (-1, naming the file).
 */
int keys_create(const struct keys_paths *kp, int days, int force);

/*
 * As keys_create for either mode. pkcs11: the signing key is made in the
 * token (see token.h), the certificates are written, and the CA's private
 * key goes to ca_key_out (0600; must be outside home) or nowhere (NULL).
 * file: as keys_create, the CA key at ca_key_out when given, else
 * signing.ca_key.
 */
int keys_create_mode(const struct keys_paths *kp, const char *home, int days, int force,
		     const char *ca_key_out);

/* The code-signing private key, from its file or through the token. */
struct evp_pkey_st *keys_load_signing_key(const struct keys_paths *kp);

struct keys_info {
	char *subject;		/* RFC 2253, e.g. "CN=pvci test CA,O=pvci" */
	char *issuer;
	char fingerprint[96];	/* SHA-256, "AB:CD:..." */
	long long not_before, not_after;	/* seconds since the epoch */
};

/* Describes the first certificate of a PEM file. */
int keys_cert_info(const char *path, struct keys_info *info);
void keys_info_release(struct keys_info *info);

/* "YYYY-MM-DD" (UTC) into buf of at least 11 bytes. */
void keys_format_date(long long t, char *buf, size_t size);

/*
 * 0 when the certificate at path is valid for at least min_days more days;
 * 1 when it is not, with *why set (caller frees) to
 * "certificate 'SUBJ' expires on DATE, within N days: refusing to sign"
 * (or "... expired on DATE ..."); -1 when it cannot be read (reported).
 */
int keys_check_validity(const char *path, long min_days, long long now, char **why);

/* Loaders; NULL on error (reported, naming the file). */
struct x509_st *keys_load_cert(const char *path);			/* an X509 */
struct stack_st_X509 *keys_load_certs(const char *path);	/* a STACK_OF(X509) */
struct evp_pkey_st *keys_load_key(const char *key);		/* an EVP_PKEY */

/* The deepest queued OpenSSL error, for messages (clears the queue); lent, static. */
const char *keys_ssl_reason(void);

#endif
