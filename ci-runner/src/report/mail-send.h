/*
 * Carries a composed message (mail.c) to an SMTP server with libcurl: the
 * only file that uses libcurl. STARTTLS when asked, AUTH with a user and
 * password read from a credentials file that only its owner may read; the
 * password never reaches a command line, a log or an error message.
 */
#ifndef PVCI_MAIL_SEND_H
#define PVCI_MAIL_SEND_H

struct mail_settings {
	const char *smtp_url;		/* smtp://HOST:PORT or smtps://..., no user:password@ */
	const char *from;
	int starttls;			/* require STARTTLS */
	const char *ca_file;		/* CA certificates to verify the server with; NULL: system's */
	const char *credentials_file;	/* NULL: no AUTH */
};

/*
 * Reads the credentials file: the user on its first line, the password on
 * its second. Refused (-1, reported without its content) when it is not a
 * regular file or its group or others may read or write it. Caller frees
 * both; the password with mail_secret_free.
 */
int mail_credentials_load(const char *path, char **user, char **password);
void mail_secret_free(char *secret);

/* Sends msg to every address of to[]; 0, or -1 (reported). */
int mail_send(const struct mail_settings *s, char *const *to, int nto, const char *msg);

#endif
