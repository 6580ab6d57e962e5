/* The engine API is deprecated in OpenSSL 3, but Debian 12's pkcs11 glue is an engine. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/engine.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include <p11-kit/pkcs11.h>

#include "keys.h"
#include "log.h"
#include "token.h"
#include "util.h"

#define PIN_MAX 256
#define KEY_BITS 3072
#define MAX_SLOTS 64

struct p11 {
	void *dl;
	CK_FUNCTION_LIST *f;
	const char *module;
};

void
token_env(const struct keys_paths *kp)
{
	if (kp->softhsm_conf)
		setenv("SOFTHSM2_CONF", kp->softhsm_conf, 1);
}

void
token_free_pin(char *pin)
{
	if (pin) {
		OPENSSL_cleanse(pin, strlen(pin));
		free(pin);
	}
}

char *
token_read_pin(const char *pin_file)
{
	struct stat st;
	char buf[PIN_MAX + 1], *pin;
	ssize_t n;
	int fd;

	if (!pin_file) {
		errorx("no PIN file is set (keys.pin_file)");
		return NULL;
	}
	fd = open(pin_file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		error("cannot open the token's PIN file '%s'", pin_file);
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		errorx("PIN file '%s' is not a regular file", pin_file);
		close(fd);
		return NULL;
	}
	if ((st.st_mode & 077) != 0 || st.st_uid != geteuid()) {
		errorx("PIN file '%s' must be ours and mode 0600: its group or others may "
		       "read it (chmod 600 '%s')", pin_file, pin_file);
		close(fd);
		return NULL;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0 || n > PIN_MAX) {
		OPENSSL_cleanse(buf, sizeof(buf));
		errorx("PIN file '%s' is unreadable or longer than %d bytes", pin_file, PIN_MAX);
		return NULL;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (n == 0 || memchr(buf, '\0', (size_t)n) || memchr(buf, '\n', (size_t)n)) {
		OPENSSL_cleanse(buf, sizeof(buf));
		errorx("PIN file '%s' must hold one line, the PIN", pin_file);
		return NULL;
	}
	pin = xmalloc((size_t)n + 1);
	memcpy(pin, buf, (size_t)n);
	pin[n] = '\0';
	OPENSSL_cleanse(buf, sizeof(buf));
	return pin;
}

static const char *
ckr_text(CK_RV rv)
{
	static char buf[32];

	switch (rv) {
	case CKR_PIN_INCORRECT: return "wrong PIN (CKR_PIN_INCORRECT)";
	case CKR_PIN_LOCKED: return "PIN locked (CKR_PIN_LOCKED)";
	case CKR_TOKEN_NOT_PRESENT: return "no token (CKR_TOKEN_NOT_PRESENT)";
	case CKR_SLOT_ID_INVALID: return "no such slot (CKR_SLOT_ID_INVALID)";
	case CKR_MECHANISM_INVALID: return "mechanism not supported (CKR_MECHANISM_INVALID)";
	default:
		snprintf(buf, sizeof(buf), "CKR 0x%lx", (unsigned long)rv);
		return buf;
	}
}

static int
p11_open(struct p11 *p, const struct keys_paths *kp)
{
	CK_RV (*get_list)(CK_FUNCTION_LIST_PTR_PTR);
	CK_RV rv;

	memset(p, 0, sizeof(*p));
	p->module = kp->pkcs11_module;
	if (!p->module)
		return errorx("no PKCS#11 module is set (keys.pkcs11_module)");
	token_env(kp);
	p->dl = dlopen(p->module, RTLD_NOW | RTLD_LOCAL);
	if (!p->dl)
		return errorx("cannot load PKCS#11 module '%s': %s (Debian package softhsm2 "
			      "for SoftHSM2)", p->module, dlerror());
	*(void **)&get_list = dlsym(p->dl, "C_GetFunctionList");
	if (!get_list || get_list(&p->f) != CKR_OK) {
		dlclose(p->dl);
		p->dl = NULL;
		return errorx("'%s' is not a PKCS#11 module", p->module);
	}
	rv = p->f->C_Initialize(NULL);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		dlclose(p->dl);
		p->dl = NULL;
		return errorx("PKCS#11 module '%s' does not start: %s", p->module, ckr_text(rv));
	}
	return 0;
}

static void
p11_close(struct p11 *p)
{
	if (p->f)
		p->f->C_Finalize(NULL);
	if (p->dl)
		dlclose(p->dl);
	memset(p, 0, sizeof(*p));
}

/* PKCS#11 labels are 32 bytes padded with spaces. */
static void
pad_label(const char *label, CK_UTF8CHAR out[32])
{
	size_t n = strlen(label);

	memset(out, ' ', 32);
	memcpy(out, label, n > 32 ? 32 : n);
}

/* The slot whose token is labelled label (1), or not (0), or -1. */
static int
find_token(struct p11 *p, const char *label, CK_SLOT_ID *slot, int *uninit_found,
	   CK_SLOT_ID *uninit)
{
	CK_SLOT_ID slots[MAX_SLOTS];
	CK_ULONG n = MAX_SLOTS, i;
	CK_UTF8CHAR want[32];
	CK_RV rv;

	pad_label(label, want);
	rv = p->f->C_GetSlotList(CK_TRUE, slots, &n);
	if (rv != CKR_OK)
		return errorx("cannot list the slots of '%s': %s", p->module, ckr_text(rv));
	if (uninit_found)
		*uninit_found = 0;
	for (i = 0; i < n; i++) {
		CK_TOKEN_INFO ti;

		if (p->f->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		if (!(ti.flags & CKF_TOKEN_INITIALIZED)) {
			if (uninit_found && !*uninit_found) {
				*uninit_found = 1;
				*uninit = slots[i];
			}
			continue;
		}
		if (memcmp(ti.label, want, 32) == 0) {
			*slot = slots[i];
			return 1;
		}
	}
	return 0;
}

static void
random_pin(char *out, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[32];
	size_t i;

	RAND_bytes(r, sizeof(r));
	for (i = 0; i + 1 < len && i < sizeof(r); i++)
		out[i] = hex[r[i] & 15];
	out[i] = '\0';
	OPENSSL_cleanse(r, sizeof(r));
}

/* Writes the SoftHSM2 config and its token folder (pvci-managed tokens only). */
static int
softhsm_setup(const struct keys_paths *kp, int wipe)
{
	char *dir = xstrdup(kp->softhsm_conf), *slash = strrchr(dir, '/');
	char *tokens, *text;
	int rc;

	if (slash)
		*slash = '\0';
	tokens = path_join(dir, "softhsm/tokens");
	if (wipe)
		remove_tree(tokens);
	rc = mkdir_p(tokens, 0700);
	if (rc == 0)
		chmod(tokens, 0700);
	text = xasprintf("# Written by 'pvci keys init': the instance's own SoftHSM2 tokens.\n"
			 "directories.tokendir = %s\nobjectstore.backend = file\n"
			 "log.level = ERROR\nslots.removable = false\n", tokens);
	if (rc == 0)
		rc = write_file_atomic(kp->softhsm_conf, text, strlen(text), 0600);
	free(text);
	free(tokens);
	free(dir);
	return rc;
}

/* The user PIN: the file's, or (SoftHSM) a new random one written 0600. */
static char *
user_pin(const struct keys_paths *kp, int make)
{
	char pin[33];

	if (!file_exists(kp->pin_file)) {
		if (!make) {
			errorx("PIN file '%s' is missing: put the token's user PIN there, "
			       "mode 0600", kp->pin_file);
			return NULL;
		}
		random_pin(pin, sizeof(pin));
		if (write_file_atomic(kp->pin_file, pin, strlen(pin), 0600) < 0) {
			OPENSSL_cleanse(pin, sizeof(pin));
			return NULL;
		}
		OPENSSL_cleanse(pin, sizeof(pin));
	}
	return token_read_pin(kp->pin_file);
}

/* Initialises a free SoftHSM slot as our token, with the user PIN set. */
static int
init_token(struct p11 *p, const struct keys_paths *kp, CK_SLOT_ID free_slot,
	   const char *pin, CK_SLOT_ID *slot)
{
	CK_UTF8CHAR label[32];
	CK_SESSION_HANDLE s;
	char so_pin[33];
	CK_RV rv;
	int rc = -1;

	/* The SO PIN is not kept: a pvci-managed token is re-made, not repaired. */
	random_pin(so_pin, sizeof(so_pin));
	pad_label(kp->token_label, label);
	rv = p->f->C_InitToken(free_slot, (CK_UTF8CHAR *)so_pin, strlen(so_pin), label);
	if (rv != CKR_OK) {
		errorx("cannot initialise token '%s': %s", kp->token_label, ckr_text(rv));
		goto out;
	}
	/* SoftHSM moves the token to a new slot. */
	if (find_token(p, kp->token_label, slot, NULL, NULL) != 1) {
		errorx("token '%s' is not there after initialising it", kp->token_label);
		goto out;
	}
	rv = p->f->C_OpenSession(*slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s);
	if (rv == CKR_OK) {
		rv = p->f->C_Login(s, CKU_SO, (CK_UTF8CHAR *)so_pin, strlen(so_pin));
		if (rv == CKR_OK)
			rv = p->f->C_InitPIN(s, (CK_UTF8CHAR *)pin, strlen(pin));
		p->f->C_Logout(s);
		p->f->C_CloseSession(s);
	}
	if (rv != CKR_OK) {
		errorx("cannot set the user PIN of token '%s': %s", kp->token_label, ckr_text(rv));
		goto out;
	}
	rc = 0;
out:
	OPENSSL_cleanse(so_pin, sizeof(so_pin));
	return rc;
}

/* The first object of class cls labelled label, or CK_INVALID_HANDLE. */
static CK_OBJECT_HANDLE
find_object(struct p11 *p, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, const char *label)
{
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_LABEL, (void *)label, strlen(label) },
	};
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ULONG n = 0;

	if (p->f->C_FindObjectsInit(s, tmpl, 2) != CKR_OK)
		return CK_INVALID_HANDLE;
	if (p->f->C_FindObjects(s, &h, 1, &n) != CKR_OK || n != 1)
		h = CK_INVALID_HANDLE;
	p->f->C_FindObjectsFinal(s);
	return h;
}

static void
destroy_labelled(struct p11 *p, CK_SESSION_HANDLE s, const char *label)
{
	CK_OBJECT_CLASS classes[] = { CKO_PRIVATE_KEY, CKO_PUBLIC_KEY, CKO_CERTIFICATE };
	size_t i;

	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		CK_OBJECT_HANDLE h;

		while ((h = find_object(p, s, classes[i], label)) != CK_INVALID_HANDLE)
			if (p->f->C_DestroyObject(s, h) != CKR_OK)
				break;
	}
}

static int
generate(struct p11 *p, CK_SESSION_HANDLE s, const char *label)
{
	CK_MECHANISM mech = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ULONG bits = KEY_BITS;
	CK_BYTE exponent[] = { 1, 0, 1 };
	CK_BYTE id[] = { 0x70, 0x76, 0x63, 0x69 };	/* "pvci" */
	CK_ATTRIBUTE pub[] = {
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_PRIVATE, &no, sizeof(no) },
		{ CKA_VERIFY, &yes, sizeof(yes) },
		{ CKA_MODULUS_BITS, &bits, sizeof(bits) },
		{ CKA_PUBLIC_EXPONENT, exponent, sizeof(exponent) },
		{ CKA_LABEL, (void *)label, strlen(label) },
		{ CKA_ID, id, sizeof(id) },
	};
	CK_ATTRIBUTE priv[] = {
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_PRIVATE, &yes, sizeof(yes) },
		{ CKA_SENSITIVE, &yes, sizeof(yes) },
		{ CKA_EXTRACTABLE, &no, sizeof(no) },
		{ CKA_SIGN, &yes, sizeof(yes) },
		{ CKA_LABEL, (void *)label, strlen(label) },
		{ CKA_ID, id, sizeof(id) },
	};
	CK_OBJECT_HANDLE hpub, hpriv;
	CK_RV rv;

	rv = p->f->C_GenerateKeyPair(s, &mech, pub, sizeof(pub) / sizeof(pub[0]), priv,
				     sizeof(priv) / sizeof(priv[0]), &hpub, &hpriv);
	if (rv != CKR_OK)
		return errorx("cannot generate key '%s' in the token: %s", label, ckr_text(rv));
	return 0;
}

/* The public key labelled label as an EVP_PKEY; NULL (reported). */
static EVP_PKEY *
read_public(struct p11 *p, CK_SESSION_HANDLE s, const char *label)
{
	CK_OBJECT_HANDLE h = find_object(p, s, CKO_PUBLIC_KEY, label);
	CK_ATTRIBUTE attrs[] = {
		{ CKA_MODULUS, NULL, 0 },
		{ CKA_PUBLIC_EXPONENT, NULL, 0 },
	};
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *n = NULL, *e = NULL;

	if (h == CK_INVALID_HANDLE) {
		errorx("the token has no public key '%s'", label);
		return NULL;
	}
	if (p->f->C_GetAttributeValue(s, h, attrs, 2) != CKR_OK ||
	    attrs[0].ulValueLen > 4096 || attrs[1].ulValueLen > 64) {
		errorx("cannot read public key '%s' from the token", label);
		return NULL;
	}
	attrs[0].pValue = xmalloc(attrs[0].ulValueLen);
	attrs[1].pValue = xmalloc(attrs[1].ulValueLen);
	if (p->f->C_GetAttributeValue(s, h, attrs, 2) != CKR_OK) {
		errorx("cannot read public key '%s' from the token", label);
		goto out;
	}
	n = BN_bin2bn(attrs[0].pValue, (int)attrs[0].ulValueLen, NULL);
	e = BN_bin2bn(attrs[1].pValue, (int)attrs[1].ulValueLen, NULL);
	bld = OSSL_PARAM_BLD_new();
	if (!n || !e || !bld || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
	    !(params = OSSL_PARAM_BLD_to_param(bld)) ||
	    !(ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
		errorx("cannot make public key '%s': %s", label, keys_ssl_reason());
		pkey = NULL;
	}
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	free(attrs[0].pValue);
	free(attrs[1].pValue);
	return pkey;
}

int
token_provision(const struct keys_paths *kp, int force, EVP_PKEY **pub)
{
	struct p11 p;
	CK_SLOT_ID slot = 0, free_slot = 0;
	CK_SESSION_HANDLE s;
	int found, have_free = 0, rc = -1, existed = 0;
	char *pin = NULL;
	CK_RV rv;

	*pub = NULL;
	if (kp->softhsm_conf && (force || !file_exists(kp->softhsm_conf)) &&
	    softhsm_setup(kp, force) < 0)
		return -1;
	if (kp->softhsm_conf && force)
		unlink(kp->pin_file);
	if (!(pin = user_pin(kp, kp->softhsm_conf != NULL)))
		return -1;
	if (p11_open(&p, kp) < 0) {
		token_free_pin(pin);
		return -1;
	}
	found = find_token(&p, kp->token_label, &slot, &have_free, &free_slot);
	if (found < 0)
		goto out;
	if (!found) {
		if (!kp->softhsm_conf || !have_free) {
			errorx("no token labelled '%s' in '%s'%s", kp->token_label, p.module,
			       kp->softhsm_conf ? " and no free slot to make one" :
			       ": initialise it with its own tools first");
			goto out;
		}
		if (init_token(&p, kp, free_slot, pin, &slot) < 0)
			goto out;
	}
	rv = p.f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s);
	if (rv == CKR_OK) {
		rv = p.f->C_Login(s, CKU_USER, (CK_UTF8CHAR *)pin, strlen(pin));
		if (rv == CKR_USER_ALREADY_LOGGED_IN)
			rv = CKR_OK;
	}
	if (rv != CKR_OK) {
		errorx("cannot log in to token '%s' with the PIN of '%s': %s", kp->token_label,
		       kp->pin_file, ckr_text(rv));
		goto out;
	}
	if (force)
		destroy_labelled(&p, s, kp->key_label);
	if (find_object(&p, s, CKO_PRIVATE_KEY, kp->key_label) != CK_INVALID_HANDLE &&
	    find_object(&p, s, CKO_PUBLIC_KEY, kp->key_label) != CK_INVALID_HANDLE) {
		existed = 1;
	} else {
		destroy_labelled(&p, s, kp->key_label);
		if (generate(&p, s, kp->key_label) < 0)
			goto logout;
	}
	if ((*pub = read_public(&p, s, kp->key_label)) != NULL)
		rc = existed;
logout:
	p.f->C_Logout(s);
	p.f->C_CloseSession(s);
out:
	p11_close(&p);
	token_free_pin(pin);
	return rc;
}

int
token_key_present(const struct keys_paths *kp)
{
	struct p11 p;
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s;
	int found, rc = 0;

	if (kp->softhsm_conf && !file_exists(kp->softhsm_conf))
		return 0;
	if (p11_open(&p, kp) < 0)
		return -1;
	found = find_token(&p, kp->token_label, &slot, NULL, NULL);
	if (found == 1 && p.f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s) == CKR_OK) {
		/* The public half is visible without logging in: no PIN needed. */
		rc = find_object(&p, s, CKO_PUBLIC_KEY, kp->key_label) != CK_INVALID_HANDLE;
		p.f->C_CloseSession(s);
	} else if (found < 0) {
		rc = -1;
	}
	p11_close(&p);
	return rc;
}

int
token_check(const struct keys_paths *kp)
{
	CK_SESSION_HANDLE s;
	CK_SLOT_ID slot;
	struct p11 p;
	char *pin;
	int found, rc = -1;
	CK_RV rv;

	if (!(pin = user_pin(kp, 0)))
		return -1;
	if (p11_open(&p, kp) < 0) {
		token_free_pin(pin);
		return -1;
	}
	found = find_token(&p, kp->token_label, &slot, NULL, NULL);
	if (found == 0)
		errorx("no token labelled '%s' in '%s': the token is not there", kp->token_label,
		       p.module);
	if (found != 1)
		goto out;
	rv = p.f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s);
	if (rv == CKR_OK) {
		rv = p.f->C_Login(s, CKU_USER, (CK_UTF8CHAR *)pin, strlen(pin));
		if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN) {
			if (find_object(&p, s, CKO_PRIVATE_KEY, kp->key_label) != CK_INVALID_HANDLE)
				rc = 0;
			else
				errorx("token '%s' holds no private key '%s'", kp->token_label,
				       kp->key_label);
			if (rv == CKR_OK)
				p.f->C_Logout(s);
			rv = CKR_OK;
		}
		p.f->C_CloseSession(s);
	}
	if (rv != CKR_OK)
		errorx("cannot log in to token '%s' with the PIN of '%s': %s", kp->token_label,
		       kp->pin_file, ckr_text(rv));
out:
	p11_close(&p);
	token_free_pin(pin);
	return rc;
}

EVP_PKEY *
token_load_key(const struct keys_paths *kp)
{
	EVP_PKEY *pkey = NULL;
	ENGINE *e;
	char *pin;
	int ok;

	if (!(pin = token_read_pin(kp->pin_file)))
		return NULL;
	token_env(kp);
	if (kp->pkcs11_engine) {
		e = ENGINE_by_id("dynamic");
		ok = e && ENGINE_ctrl_cmd_string(e, "SO_PATH", kp->pkcs11_engine, 0) &&
		     ENGINE_ctrl_cmd_string(e, "ID", "pkcs11", 0) &&
		     ENGINE_ctrl_cmd_string(e, "LIST_ADD", "1", 0) &&
		     ENGINE_ctrl_cmd_string(e, "LOAD", NULL, 0);
	} else {
		e = ENGINE_by_id("pkcs11");
		ok = e != NULL;
	}
	if (!ok) {
		errorx("cannot load the pkcs11 engine '%s' (Debian package "
		       "libengine-pkcs11-openssl): %s",
		       kp->pkcs11_engine ? kp->pkcs11_engine : "pkcs11", keys_ssl_reason());
		goto out;
	}
	if (!ENGINE_ctrl_cmd_string(e, "MODULE_PATH", kp->pkcs11_module, 0) ||
	    !ENGINE_ctrl_cmd_string(e, "PIN", pin, 0) || !ENGINE_init(e)) {
		errorx("cannot start the pkcs11 engine with module '%s': %s",
		       kp->pkcs11_module, keys_ssl_reason());
		goto out;
	}
	pkey = ENGINE_load_private_key(e, kp->key, NULL, NULL);
	if (!pkey) {
		char *shown = redact_secrets(kp->key);

		errorx("cannot load key '%s' from the token: %s", shown, keys_ssl_reason());
		free(shown);
	}
	/*
	 * The key signs through the engine, which therefore stays loaded: the
	 * signing process exits when it is done.
	 */
	token_free_pin(pin);
	return pkey;
out:
	ENGINE_free(e);
	token_free_pin(pin);
	return pkey;
}
