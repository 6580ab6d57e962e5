/*
 * Windows golden images: the editions pvci installs, and the unattended
 * answer file and domain definition that install one (templates under
 * guest-images/windows/). Pure: text in, text out, so every piece is
 * unit-tested here without Windows media.
 */
#ifndef PVCI_WINDOWS_IMAGE_H
#define PVCI_WINDOWS_IMAGE_H

#include <stddef.h>

struct win_edition {
	const char *name;		/* "ws2022" */
	const char *image_name;		/* install.wim's /IMAGE/NAME */
	const char *product_key;	/* public KMS client setup key (GVLK) */
	int bypass_checks;		/* Windows 11: no TPM, Secure Boot, RAM checks */
};

/* The edition called name; NULL (reported, listing the names) if none. */
const struct win_edition *win_edition_lookup(const char *name);
/* "ws2016|ws2019|...", for usage lines. */
#define WIN_EDITION_NAMES "ws2016|ws2019|ws2022|ws2025|win10|win11"

/* A new administrator password: 20 characters, every class Windows asks for. */
char *win_password_generate(void);
/* 1 when s could be one of ours (length, characters), for reading it back. */
int win_password_is_valid(const char *s);
/*
 * The answer file's encoding of a password ("PlainText" false): base64 of
 * UTF-16LE(password + suffix), suffix "AdministratorPassword" or "Password".
 */
char *win_password_encode(const char *password, const char *suffix);

struct win_var {
	const char *name;
	const char *value;
	int raw;		/* an XML fragment of ours, put in as it is */
};
/*
 * Replaces every @NAME@ of tmpl; an unknown placeholder, or a value (not
 * raw) holding characters XML would misread, is an error naming it and
 * what. Caller frees.
 */
char *win_expand(const char *tmpl, const char *what, const struct win_var *vars, size_t n);

struct win_answer {
	const struct win_edition *edition;
	const char *password;
	int test_signing;
};
/* The answer file from its template (text); NULL on error (reported). */
char *win_answer_file(const char *tmpl, const struct win_answer *a);

struct win_domain {
	const struct win_edition *edition;
	const char *name, *domain_type, *emulator;
	const char *disk, *iso, *media, *console_log;
	int memory_mib, vcpus;
};
char *win_domain_xml(const char *tmpl, const struct win_domain *d);

#endif
