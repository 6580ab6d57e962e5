/*
 * Packages are checked in memory: a directory's files, or the members of a
 * tar or ISO image read in-process with libarchive (never unpacked into a
 * folder, so a hostile archive cannot write anywhere). A member with an
 * absolute name, a ".." component, a link, or that is a device, FIFO or
 * socket is refused by name. Files Authenticode covers are handed to
 * osslsigncode as /proc/self/fd/N of a memfd holding their bytes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "catalog.h"
#include "log.h"
#include "proc.h"
#include "sums.h"
#include "util.h"
#include "verify.h"

#define SUMS_MAX (1024 * 1024)
#define MAX_FILES 4096
#define MEMBER_MAX (512LL * 1024 * 1024)
#define TOTAL_MAX (2LL * 1024 * 1024 * 1024)
#define TOOL_TIMEOUT 300

struct vctx {
	const char *ca;
	FILE *out;
	int log_fd;
	int failed;
};

/* A file of a package, its bytes in memory. */
struct member {
	char *name;
	unsigned char *data;
	size_t len;
};

struct pkg {
	struct member *m;
	int n;
	long long total;
};

int
verify_is_signable(const char *name)
{
	static const char *const exts[] = { ".sys", ".dll", ".exe", ".cat", ".msi" };
	size_t n = strlen(name), i;

	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (n > 4 && strcasecmp(name + n - 4, exts[i]) == 0)
			return 1;
	return 0;
}

static void
report(struct vctx *v, int ok, const char *what, const char *prefix, const char *name,
       const char *why)
{
	if (!v->out) {
		if (!ok)
			v->failed = 1;
		return;
	}
	if (ok) {
		fprintf(v->out, "ok   %s %s%s\n", what, prefix, name);
	} else {
		fprintf(v->out, "FAIL %s %s%s: %s\n", what, prefix, name, why);
		v->failed = 1;
	}
	fflush(v->out);
}

static void
pkg_release(struct pkg *p)
{
	int i;

	for (i = 0; i < p->n; i++) {
		free(p->m[i].name);
		free(p->m[i].data);
	}
	free(p->m);
	memset(p, 0, sizeof(*p));
}

static int
cmp_member(const void *a, const void *b)
{
	return strcmp(((const struct member *)a)->name, ((const struct member *)b)->name);
}

static const struct member *
pkg_find(const struct pkg *p, const char *name)
{
	int i;

	for (i = 0; i < p->n; i++)
		if (!strcmp(p->m[i].name, name))
			return &p->m[i];
	return NULL;
}

static int
pkg_add(struct vctx *v, struct pkg *p, char *name, unsigned char *data, size_t len,
	const char *prefix)
{
	if (p->n >= MAX_FILES || p->total + (long long)len > TOTAL_MAX) {
		report(v, 0, "file", prefix, name, "too many files or too many bytes: refused");
		free(name);
		free(data);
		return 0;
	}
	if (pkg_find(p, name)) {
		report(v, 0, "file", prefix, name, "appears twice: refused");
		free(name);
		free(data);
		return 0;
	}
	p->m = xrealloc(p->m, (size_t)(p->n + 1) * sizeof(*p->m));
	p->m[p->n].name = name;
	p->m[p->n].data = data;
	p->m[p->n].len = len;
	p->n++;
	p->total += (long long)len;
	return 0;
}

/* The files under dir (regular files only; anything else is reported). */
static int
load_dir(struct vctx *v, const char *dir, const char *rel, struct pkg *p, const char *prefix,
	 int depth)
{
	char *path = *rel ? path_join(dir, rel) : xstrdup(dir);
	struct dirent *de;
	DIR *d = opendir(path);
	int rc = 0;

	if (!d) {
		error("cannot read directory '%s'", path);
		free(path);
		return -1;
	}
	while ((de = readdir(d)) != NULL && rc == 0) {
		char *r, *f;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		r = *rel ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		f = path_join(dir, r);
		if (lstat(f, &st) < 0) {
			rc = error("cannot stat '%s'", f);
		} else if (S_ISDIR(st.st_mode) && depth < 8) {
			rc = load_dir(v, dir, r, p, prefix, depth + 1);
		} else if (S_ISREG(st.st_mode) && st.st_size <= MEMBER_MAX) {
			size_t len;
			char *data = read_file(f, (size_t)MEMBER_MAX, &len);

			if (!data)
				rc = -1;
			else
				rc = pkg_add(v, p, r, (unsigned char *)data, len, prefix);
			r = NULL;
		} else {
			report(v, 0, "file", prefix, r,
			       "not a regular file (or too deep, or too big)");
		}
		free(r);
		free(f);
	}
	closedir(d);
	free(path);
	return rc;
}

/*
 * A member name as the package means it: "./" prefixes dropped; NULL (with
 * *why) when it must be refused.
 */
static char *
member_name(const char *raw, const char **why)
{
	const char *s = raw;
	char *n;
	size_t l;

	*why = NULL;
	if (!raw || !*raw) {
		*why = "an entry without a name: refused";
		return NULL;
	}
	if (*raw == '/') {
		*why = "an absolute path: refused";
		return NULL;
	}
	while (s[0] == '.' && s[1] == '/')
		s += 2;
	n = xstrdup(s);
	l = strlen(n);
	while (l > 0 && n[l - 1] == '/')
		n[--l] = '\0';
	if (l == 0 || !strcmp(n, "."))
		return n;	/* the archive's root folder */
	if (!sums_name_is_valid(n)) {
		*why = "a '..' component or a bad name: refused";
		free(n);
		return NULL;
	}
	return n;
}

/*
 * The members of an archive (tar or ISO 9660) at path, or in memory (data,
 * len) when path is NULL. 0, or -1 when it cannot be read at all.
 */
static int
load_archive(struct vctx *v, const char *path, const void *data, size_t len, struct pkg *p,
	     const char *prefix, const char *shown)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int r, rc = 0;

	archive_read_support_format_tar(a);
	archive_read_support_format_iso9660(a);
	r = path ? archive_read_open_filename(a, path, 65536) :
		   archive_read_open_memory(a, data, len);
	if (r != ARCHIVE_OK) {
		report(v, 0, "read", prefix, shown, archive_error_string(a) ?
		       archive_error_string(a) : "not a tar archive or an ISO image");
		archive_read_free(a);
		return 0;
	}
	/* A warning (an odd header field) still gives the entry: look at it. */
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		const char *why, *raw = archive_entry_pathname(e);
		mode_t type = archive_entry_filetype(e);
		char *name = member_name(raw, &why);
		la_int64_t size = archive_entry_size(e);
		unsigned char *buf;
		la_ssize_t got;
		size_t off = 0;

		if (!name) {
			report(v, 0, "member", prefix, raw ? raw : "?", why);
			continue;
		}
		if (archive_entry_hardlink(e) || archive_entry_symlink(e) || type == AE_IFLNK) {
			report(v, 0, "member", prefix, raw, "a link: refused");
			free(name);
			continue;
		}
		if (type == AE_IFDIR) {
			free(name);
			continue;
		}
		if (type != AE_IFREG) {
			report(v, 0, "member", prefix, raw,
			       "a device, FIFO or socket, not a file: refused");
			free(name);
			continue;
		}
		if (!*name || size < 0 || size > MEMBER_MAX) {
			report(v, 0, "member", prefix, raw, "no name, or too big: refused");
			free(name);
			continue;
		}
		buf = xmalloc((size_t)size + 1);
		while (off < (size_t)size &&
		       (got = archive_read_data(a, buf + off, (size_t)size - off)) > 0)
			off += (size_t)got;
		if (off != (size_t)size) {
			report(v, 0, "read", prefix, raw, "truncated member");
			free(buf);
			free(name);
			break;
		}
		pkg_add(v, p, name, buf, off, prefix);
	}
	if (r != ARCHIVE_EOF && r != ARCHIVE_OK)
		report(v, 0, "read", prefix, shown, archive_error_string(a) ?
		       archive_error_string(a) : "unreadable archive");
	archive_read_free(a);
	if (p->n > 0)
		qsort(p->m, (size_t)p->n, sizeof(*p->m), cmp_member);
	return rc;
}

/* A memfd holding data: osslsigncode reads it as /proc/self/fd/N. */
static int
memfd_of(const struct member *m)
{
	int fd = memfd_create("pvci-verify", 0);
	size_t off = 0;

	if (fd < 0)
		return error("cannot make a memfd");
	while (off < m->len) {
		ssize_t w = write(fd, m->data + off, m->len - off);

		if (w <= 0) {
			close(fd);
			return error("cannot fill a memfd");
		}
		off += (size_t)w;
	}
	return fd;
}

static int
check_authenticode(struct vctx *v, const struct member *m, const char *prefix)
{
	int fd = memfd_of(m), rc;
	char *path;
	struct proc_opts po = { .out_fd = v->log_fd, .timeout = TOOL_TIMEOUT };

	if (fd < 0)
		return -1;
	path = xasprintf("/proc/self/fd/%d", fd);
	{
		const char *argv[] = { "osslsigncode", "verify", "-CAfile", v->ca, "-in", path,
				       NULL };

		rc = proc_run(argv, &po);
	}
	close(fd);
	free(path);
	if (rc == 127 || rc < 0)
		return errorx("cannot run 'osslsigncode verify' on '%s%s'", prefix, m->name);
	report(v, rc == 0, "signature", prefix, m->name,
	       "Authenticode signature missing or not chaining to the CA");
	return 0;
}

static void
sha256_hex(const void *data, size_t len, char hex[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0, i;

	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

static int
is_tar_name(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && strcasecmp(name + n - 4, ".tar") == 0;
}

static int
check_pkg(struct vctx *v, const struct pkg *p, const char *prefix, int depth)
{
	const struct member *sums_m = pkg_find(p, "SHA256SUMS");
	const struct member *sig_m = pkg_find(p, "SHA256SUMS.p7s");
	struct sums sums = { NULL, 0 };
	char *why = NULL;
	int i, have_sums = 0, rc = -1;

	if (!sums_m) {
		report(v, 0, "manifest", prefix, "SHA256SUMS", "missing");
	} else if (sums_m->len > SUMS_MAX ||
		   sums_parse(&sums, (const char *)sums_m->data, sums_m->len, "SHA256SUMS") < 0) {
		report(v, 0, "manifest", prefix, "SHA256SUMS", "unreadable or malformed");
	} else {
		report(v, 1, "manifest", prefix, "SHA256SUMS", NULL);
		have_sums = 1;
	}
	if (!sig_m) {
		report(v, 0, "manifest-signature", prefix, "SHA256SUMS.p7s", "missing");
	} else if (sums_m) {
		int r = sums_verify_mem(sums_m->data, sums_m->len, sig_m->data, sig_m->len,
					"SHA256SUMS.p7s", v->ca, &why);

		if (r < 0)
			goto out;
		report(v, r == 0, "manifest-signature", prefix, "SHA256SUMS.p7s", why);
	}
	for (i = 0; i < p->n; i++) {
		const struct member *m = &p->m[i];
		const struct sums_entry *e;
		char hex[65];

		if (m == sums_m || m == sig_m)
			continue;
		if (have_sums) {
			e = sums_find(&sums, m->name);
			sha256_hex(m->data, m->len, hex);
			if (!e)
				report(v, 0, "sha256", prefix, m->name, "not listed in SHA256SUMS");
			else
				report(v, strcmp(hex, e->hex) == 0, "sha256", prefix, m->name,
				       "does not match SHA256SUMS");
		}
		if ((verify_is_signable(m->name) ||
		     (m->len >= 2 && m->data[0] == 'M' && m->data[1] == 'Z')) &&
		    check_authenticode(v, m, prefix) < 0)
			goto out;
		if (depth == 0 && is_tar_name(m->name)) {
			struct pkg inner = { NULL, 0, 0 };
			char *ip = xasprintf("%s%s:", prefix, m->name);
			int r = load_archive(v, NULL, m->data, m->len, &inner, ip, m->name);

			if (r == 0)
				r = check_pkg(v, &inner, ip, depth + 1);
			pkg_release(&inner);
			free(ip);
			if (r < 0)
				goto out;
		}
	}
	for (i = 0; have_sums && i < sums.count; i++)
		if (!pkg_find(p, sums.entries[i].name))
			report(v, 0, "sha256", prefix, sums.entries[i].name,
			       "listed in SHA256SUMS but missing");
	rc = 0;
out:
	free(why);
	sums_release(&sums);
	return rc;
}

static int
has_magic(const char *path, off_t offset, const char *magic, size_t len)
{
	char buf[16];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = pread(fd, buf, len, offset);
	close(fd);
	return n == (ssize_t)len && memcmp(buf, magic, len) == 0;
}

/* The package at path in memory: a directory, a tar or an ISO. */
static int
load_any(struct vctx *v, const char *path, struct pkg *p)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return error("cannot stat '%s'", path);
	if (S_ISDIR(st.st_mode)) {
		int rc = load_dir(v, path, "", p, "", 0);

		if (rc == 0 && p->n > 0)
			qsort(p->m, (size_t)p->n, sizeof(*p->m), cmp_member);
		return rc;
	}
	if (!S_ISREG(st.st_mode))
		return errorx("'%s' is neither a file nor a directory", path);
	if (!has_magic(path, 0x8001, "CD001", 5) && !has_magic(path, 257, "ustar", 5))
		return errorx("'%s' is not a package (.tar), an ISO image or a directory", path);
	return load_archive(v, path, NULL, 0, p, "", path);
}

int
verify_path(const char *path, const char *ca, FILE *out, int log_fd)
{
	struct vctx v = { .ca = ca, .out = out, .log_fd = log_fd, .failed = 0 };
	struct pkg p = { NULL, 0, 0 };
	int rc;

	if (!file_exists(ca))
		return errorx("CA certificate '%s' not found", ca);
	rc = load_any(&v, path, &p);
	if (rc == 0)
		rc = check_pkg(&v, &p, "", 0);
	pkg_release(&p);
	if (rc < 0)
		return -1;
	return v.failed ? 1 : 0;
}

/* The catalog entries of the package p (catalog.h), as the sign step makes them. */
static char *
catalog_of(struct vctx *v, const struct pkg *p, size_t *len)
{
	struct catalog_entry *e = xcalloc((size_t)p->n + 1, sizeof(*e));
	char *text = NULL;
	int i, n = 0;

	for (i = 0; i < p->n; i++) {
		const struct member *m = &p->m[i];

		if (catalog_skips(m->name))
			continue;
		e[n].name = m->name;
		e[n].size = (long long)m->len;
		sha256_hex(m->data, m->len, e[n].sha256);
		if (verify_is_signable(m->name)) {
			int fd = memfd_of(m), rc;
			char *mpath;

			if (fd < 0)
				goto out;
			mpath = xasprintf("/proc/self/fd/%d", fd);
			rc = catalog_authenticode(mpath, e[n].authenticode, v->log_fd);
			close(fd);
			free(mpath);
			if (rc < 0)
				goto out;
		}
		n++;
	}
	text = catalog_text(e, n, len);
out:
	free(e);
	return text;
}

int
verify_catalog(const char *path, char hex[65], char **text, int log_fd)
{
	struct vctx v = { .ca = NULL, .out = NULL, .log_fd = log_fd, .failed = 0 };
	struct pkg p = { NULL, 0, 0 };
	char *t = NULL;
	size_t len;
	int rc = -1;

	/*
	 * An ISO holds the package's files at its root next to the package
	 * .tar, which catalogs leave out: the same catalog as the .tar's.
	 */
	if (load_any(&v, path, &p) < 0)
		goto out;
	if (v.failed) {
		errorx("'%s' holds members pvci refuses (links, devices, absolute or '..' "
		       "names): no catalog", path);
		goto out;
	}
	if (!(t = catalog_of(&v, &p, &len)))
		goto out;
	sha256_hex(t, len, hex);
	rc = 0;
out:
	if (rc == 0 && text)
		*text = t;
	else
		free(t);
	pkg_release(&p);
	return rc;
}
