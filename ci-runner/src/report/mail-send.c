#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "log.h"
#include "mail-send.h"
#include "util.h"

#define CREDENTIALS_MAX 4096
#define SEND_TIMEOUT 120L

void
mail_secret_free(char *secret)
{
	if (!secret)
		return;
	explicit_bzero(secret, strlen(secret));
	free(secret);
}

int
mail_credentials_load(const char *path, char **user, char **password)
{
	struct stat st;
	char *text, *nl, *pw, *end;
	size_t len;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return error("mail credentials file '%s'", path);
	if (fstat(fd, &st) < 0) {
		error("mail credentials file '%s'", path);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		close(fd);
		if (!S_ISREG(st.st_mode))
			return errorx("mail credentials file '%s' is not a regular file", path);
		return errorx("mail credentials file '%s' is refused: its group or others may "
			      "access it (mode %04o); make it 0600", path,
			      (unsigned)(st.st_mode & 07777));
	}
	text = read_fd(fd, path, CREDENTIALS_MAX, &len);
	close(fd);
	if (!text)
		return -1;
	nl = strchr(text, '\n');
	pw = nl ? nl + 1 : NULL;
	if (nl)
		*nl = '\0';
	if (pw) {
		end = pw + strcspn(pw, "\r\n");
		*end = '\0';
	}
	if (!*text || !pw || !*pw || strlen(text) != strcspn(text, "\r")) {
		explicit_bzero(text, len);
		free(text);
		return errorx("mail credentials file '%s': wants the user on the first line "
			      "and the password on the second", path);
	}
	*user = xstrdup(text);
	*password = xstrdup(pw);
	explicit_bzero(text, len);
	free(text);
	return 0;
}

struct upload {
	const char *data;
	size_t len, off;
};

static size_t
read_cb(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct upload *u = arg;
	size_t n = size * nmemb;

	if (n > u->len - u->off)
		n = u->len - u->off;
	memcpy(buf, u->data + u->off, n);
	u->off += n;
	return n;
}

int
mail_send(const struct mail_settings *s, char *const *to, int nto, const char *msg)
{
	char errbuf[CURL_ERROR_SIZE] = "", *user = NULL, *password = NULL, *from;
	struct upload u = { msg, strlen(msg), 0 };
	struct curl_slist *rcpt = NULL;
	CURLcode res;
	CURL *curl;
	int i, rc = -1;

	if (!s->smtp_url || !*s->smtp_url)
		return errorx("mail: setting 'mail.smtp_url' is not set");
	/* A password in the URL would reach logs and ps; it belongs in the file. */
	if (secrets_present(s->smtp_url) || strchr(s->smtp_url, '@'))
		return errorx("mail: setting 'mail.smtp_url' must not hold a user or password; "
			      "use 'mail.credentials_file'");
	if (!nto)
		return errorx("mail: no recipients");
	if (s->credentials_file && *s->credentials_file &&
	    mail_credentials_load(s->credentials_file, &user, &password) < 0)
		return -1;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		errorx("mail: libcurl did not initialise");
		goto out;
	}
	curl = curl_easy_init();
	if (!curl) {
		errorx("mail: libcurl did not initialise");
		goto out_global;
	}
	from = xasprintf("<%s>", s->from);
	for (i = 0; i < nto; i++) {
		char *r = xasprintf("<%s>", to[i]);

		rcpt = curl_slist_append(rcpt, r);
		free(r);
	}
	curl_easy_setopt(curl, CURLOPT_URL, s->smtp_url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(curl, CURLOPT_READDATA, &u);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	/* The message has LF line ends; SMTP wants CRLF. */
	curl_easy_setopt(curl, CURLOPT_CRLF, 1L);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, SEND_TIMEOUT);
	if (s->starttls)
		curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (s->ca_file && *s->ca_file)
		curl_easy_setopt(curl, CURLOPT_CAINFO, s->ca_file);
	if (user) {
		curl_easy_setopt(curl, CURLOPT_USERNAME, user);
		curl_easy_setopt(curl, CURLOPT_PASSWORD, password);
	}
	res = curl_easy_perform(curl);
	if (res != CURLE_OK)
		errorx("mail: sending through '%s' failed: %s", s->smtp_url,
		       *errbuf ? errbuf : curl_easy_strerror(res));
	else
		rc = 0;
	curl_slist_free_all(rcpt);
	free(from);
	curl_easy_cleanup(curl);
out_global:
	curl_global_cleanup();
out:
	free(user);
	mail_secret_free(password);
	return rc;
}
