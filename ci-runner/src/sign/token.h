/*
 * The code-signing key in a PKCS#11 token (keys.mode "pkcs11"): SoftHSM2 in
 * a local instance and in the tests, a hardware token or an HSM in
 * production, through the same code.
 *
 * "pvci keys init" provisions the token through the module's PKCS#11 API:
 * for SoftHSM2 (keys.softhsm_conf set) pvci writes the SoftHSM config, its
 * token folder and a random user PIN (keys.pin_file, 0600), and initialises
 * the token with a random SO PIN it does not keep; then the RSA key pair is
 * generated inside the token (sensitive, not extractable): the private key
 * never exists outside it. Signing loads it through OpenSSL's pkcs11
 * engine (libengine-pkcs11-openssl), the PIN handed to the engine in
 * memory, never on a command line or in the environment.
 */
#ifndef PVCI_TOKEN_H
#define PVCI_TOKEN_H

struct keys_paths;
struct evp_pkey_st;

/*
 * Makes sure the token holds the signing key, making token, PIN and key as
 * needed (force: a new key, and for SoftHSM a new token). *pub gets the
 * public key (caller frees with EVP_PKEY_free). Returns 0 when a key was
 * made, 1 when the token already held one, -1 on error (reported).
 */
int token_provision(const struct keys_paths *kp, int force, struct evp_pkey_st **pub);

/* 1 when the token holds the key's public half, 0 when not, -1 on error. */
int token_key_present(const struct keys_paths *kp);

/*
 * 0 when the token is there, takes the PIN of the PIN file and holds the
 * private key; -1 (reported: which of these failed) otherwise.
 */
int token_check(const struct keys_paths *kp);

/* The private key, through the pkcs11 engine; NULL on error (reported). */
struct evp_pkey_st *token_load_key(const struct keys_paths *kp);

/*
 * The PIN of pin_file, refused unless it is a regular file of mode 0600 or
 * stricter owned by us; caller must token_free_pin() it. NULL (reported).
 */
char *token_read_pin(const char *pin_file);
void token_free_pin(char *pin);

/* Points SOFTHSM2_CONF at the instance's SoftHSM config when pvci manages it. */
void token_env(const struct keys_paths *kp);

#endif
