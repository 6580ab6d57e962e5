#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "log.h"
#include "util.h"

void *
xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		fatalx("out of memory");
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (!p)
		fatalx("out of memory");
	return p;
}

void *
xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (!p)
		fatalx("out of memory");
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		fatalx("out of memory");
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		fatalx("out of memory");
	va_end(ap);
	return s;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		fatalx("out of memory");
	return s;
}

void
strbuf_init(struct strbuf *sb)
{
	sb->alloc = 64;
	sb->len = 0;
	sb->buf = xmalloc(sb->alloc);
	sb->buf[0] = '\0';
}

void
strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	if (sb->len + len + 1 > sb->alloc) {
		while (sb->len + len + 1 > sb->alloc)
			sb->alloc *= 2;
		sb->buf = xrealloc(sb->buf, sb->alloc);
	}
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void
strbuf_adds(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void
strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatalx("out of memory");
	strbuf_add(sb, s, (size_t)n);
	free(s);
}

void
strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	sb->buf[0] = '\0';
}

char *
strbuf_detach(struct strbuf *sb)
{
	char *s = sb->buf;

	sb->buf = NULL;
	sb->len = sb->alloc = 0;
	return s;
}

void
strbuf_release(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->alloc = 0;
}

int
name_is_valid(const char *s)
{
	size_t i, len;

	if (!s)
		return 0;
	len = strlen(s);
	if (len == 0 || len > NAME_MAX_LEN || s[0] == '.' || s[0] == '-')
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int
parse_long(const char *s, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int
glob_match(const char *pattern, const char *name)
{
	return fnmatch(pattern, name, 0) == 0;
}

char *
path_join(const char *dir, const char *name)
{
	size_t len = strlen(dir);

	if (len && dir[len - 1] == '/')
		return xasprintf("%s%s", dir, name);
	return xasprintf("%s/%s", dir, name);
}

char *
path_absolute(const char *path)
{
	char *cwd, *abs;

	if (path[0] == '/')
		return xstrdup(path);
	cwd = getcwd(NULL, 0);
	if (!cwd)
		return xstrdup(path);
	abs = path_join(cwd, path);
	free(cwd);
	return abs;
}

/* Where the authority of a URL ends (at the path, query, fragment or text). */
static size_t
authority_len(const char *s)
{
	return strcspn(s, "/?#\"'<> \t\r\n\\");
}

static int
starts_with_ci(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

char *
redact_secrets(const char *s)
{
	struct strbuf sb;
	const char *p = s;

	strbuf_init(&sb);
	while (*p) {
		const char *scheme_end = strstr(p, "://");
		const char *pin = strcasestr(p, "pin-value=");

		if (pin && (!scheme_end || pin < scheme_end)) {
			/* PKCS#11 URI attribute (RFC 7512): its value is the PIN. */
			pin += strlen("pin-value=");
			strbuf_add(&sb, p, (size_t)(pin - p));
			strbuf_adds(&sb, REDACTED);
			p = pin + strcspn(pin, "&;?#\"' \t\r\n");
			continue;
		}
		if (!scheme_end)
			break;
		{
			const char *auth = scheme_end + 3, *at = NULL, *q;
			size_t alen = authority_len(auth);
			const char *colon;
			int web;

			for (q = auth; q < auth + alen; q++)
				if (*q == '@')
					at = q;
			strbuf_add(&sb, p, (size_t)(auth - p));
			p = auth;
			if (!at)
				continue;
			colon = memchr(auth, ':', (size_t)(at - auth));
			/* A lone user name on http(s) is usually a token. */
			web = scheme_end - s >= 4 &&
			      (starts_with_ci(scheme_end - 4, "http") ||
			       (scheme_end - s >= 5 && starts_with_ci(scheme_end - 5, "https")));
			if (colon) {
				strbuf_add(&sb, auth, (size_t)(colon - auth) + 1);
				strbuf_adds(&sb, REDACTED);
			} else if (web) {
				strbuf_adds(&sb, REDACTED);
			} else {
				strbuf_add(&sb, auth, (size_t)(at - auth));
			}
			p = at;
		}
	}
	strbuf_adds(&sb, p);
	return strbuf_detach(&sb);
}

int
secrets_present(const char *s)
{
	char *r = redact_secrets(s);
	int differ = strcmp(r, s) != 0;

	free(r);
	return differ;
}

int
mkdir_p(const char *path, mode_t mode)
{
	char *copy = xstrdup(path);
	char *p;

	for (p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST) {
			error("cannot create directory '%s'", copy);
			free(copy);
			return -1;
		}
		*p = '/';
	}
	if (mkdir(copy, mode) < 0 && errno != EEXIST) {
		error("cannot create directory '%s'", copy);
		free(copy);
		return -1;
	}
	free(copy);
	return 0;
}

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) < 0 && errno != ENOENT)
		return error("cannot remove '%s'", path);
	return 0;
}

int
remove_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : error("cannot stat '%s'", path);
	return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) ? -1 : 0;
}

char *
read_fd(int fd, const char *path, size_t max, size_t *lenp)
{
	struct strbuf sb;
	char chunk[8192];
	ssize_t n;

	strbuf_init(&sb);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			error("cannot read '%s'", path);
			strbuf_release(&sb);
			return NULL;
		}
		if (sb.len + (size_t)n > max) {
			errorx("file '%s' is larger than %zu bytes", path, max);
			strbuf_release(&sb);
			return NULL;
		}
		strbuf_add(&sb, chunk, (size_t)n);
	}
	if (lenp)
		*lenp = sb.len;
	return strbuf_detach(&sb);
}

char *
read_file(const char *path, size_t max, size_t *lenp)
{
	char *text;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		error("cannot open '%s'", path);
		return NULL;
	}
	text = read_fd(fd, path, max, lenp);
	close(fd);
	return text;
}

static int
write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Makes the entries of path's folder durable (a rename in it). */
static int
fsync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xasprintf("%.*s", (int)(slash == path ? 1 : slash - path), path)
			  : xstrdup(".");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;

	if (fd < 0 || fsync(fd) < 0)
		rc = error("cannot sync the folder '%s'", dir);
	if (fd >= 0)
		close(fd);
	free(dir);
	return rc;
}

int
write_file_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	char *tmp = NULL;
	int fd = -1, tries;

	/*
	 * A name of our own, created here: O_EXCL fails on anything already
	 * there (a symlink planted by another user included), and O_NOFOLLOW
	 * says so even where O_EXCL might not be honoured.
	 */
	for (tries = 0; tries < 100 && fd < 0; tries++) {
		unsigned int r;

		if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
			r = (unsigned int)now_monotonic() ^ (unsigned int)tries * 2654435761u;
		free(tmp);
		tmp = xasprintf("%s.tmp.%ld.%08x", path, (long)getpid(), r);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		error("cannot create '%s'", tmp);
		free(tmp);
		return -1;
	}
	if (write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		error("cannot write '%s'", tmp);
		close(fd);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	if (close(fd) < 0) {
		error("cannot write '%s'", tmp);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		error("cannot rename '%s' to '%s'", tmp, path);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return fsync_parent(path);
}

/* A cut copy (disk full) must not pass for a whole one; errno is kept. */
static void
remove_cut_copy(const char *path)
{
	int saved = errno;

	unlink(path);
	errno = saved;
}

int
copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	ssize_t n;
	int in, out;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return error("cannot open '%s'", from);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0) {
		close(in);
		return error("cannot create '%s'", to);
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write_all(out, buf, (size_t)n) < 0) {
			close(in);
			close(out);
			remove_cut_copy(to);
			return error("cannot write '%s'", to);
		}
	}
	close(in);
	if (n < 0) {
		close(out);
		remove_cut_copy(to);
		return error("cannot read '%s'", from);
	}
	if (close(out) < 0) {
		remove_cut_copy(to);
		return error("cannot write '%s'", to);
	}
	return 0;
}

int
file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

int
sha256_file(const char *path, char hex[65], off_t *size)
{
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	off_t total = 0;
	EVP_MD_CTX *ctx;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error("cannot open '%s'", path);
	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(ctx);
		close(fd);
		return errorx("cannot start SHA-256 of '%s'", path);
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		EVP_DigestUpdate(ctx, buf, (size_t)n);
		total += n;
	}
	close(fd);
	if (n < 0) {
		EVP_MD_CTX_free(ctx);
		return error("cannot read '%s'", path);
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	for (i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if (size)
		*size = total;
	return 0;
}

const char *
data_dir(void)
{
	static char found[PATH_MAX];
	char exe[PATH_MAX], *slash, *probe;
	const char *env;
	ssize_t n;

	if (found[0])
		return found;
	env = getenv("PVCI_DATADIR");
	if (env && *env) {
		snprintf(found, sizeof(found), "%s", env);
		return found;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			probe = path_join(exe, "results-db/schema.sql");
			if (file_exists(probe)) {
				snprintf(found, sizeof(found), "%s", exe);
				free(probe);
				return found;
			}
			free(probe);
		}
	}
	snprintf(found, sizeof(found), "%s", PVCI_DATADIR);
	return found;
}

long
now_seconds(void)
{
	return (long)time(NULL);
}

double
now_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
