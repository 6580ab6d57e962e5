#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "sums.h"
#include "util.h"
#include "verify.h"

#define SUMS_MAX (1024 * 1024)
#define MAX_FILES 4096
#define TOOL_TIMEOUT 300

struct vctx {
	const char *ca;
	FILE *out;
	int log_fd;
	int failed;
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

static int
starts_mz(const char *path)
{
	char magic[2];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, magic, 2);
	close(fd);
	return n == 2 && magic[0] == 'M' && magic[1] == 'Z';
}

static void
report(struct vctx *v, int ok, const char *what, const char *prefix, const char *name,
       const char *why)
{
	if (ok) {
		fprintf(v->out, "ok   %s %s%s\n", what, prefix, name);
	} else {
		fprintf(v->out, "FAIL %s %s%s: %s\n", what, prefix, name, why);
		v->failed = 1;
	}
	fflush(v->out);
}

/* The regular files under dir, as sorted relative names. */
struct flist {
	char **names;
	int count;
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
list_files(struct vctx *v, const char *dir, const char *rel, struct flist *fl,
	   const char *prefix, int depth)
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
	while ((de = readdir(d)) != NULL) {
		char *r, *p;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		r = *rel ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		p = path_join(dir, r);
		if (lstat(p, &st) < 0) {
			rc = error("cannot stat '%s'", p);
		} else if (S_ISDIR(st.st_mode) && depth < 8) {
			rc = list_files(v, dir, r, fl, prefix, depth + 1);
		} else if (S_ISREG(st.st_mode) && fl->count < MAX_FILES) {
			fl->names = xrealloc(fl->names, (size_t)(fl->count + 1) * sizeof(char *));
			fl->names[fl->count++] = r;
			r = NULL;
		} else {
			report(v, 0, "file", prefix, r,
			       "not a regular file (or too deep, or too many files)");
		}
		free(r);
		free(p);
		if (rc < 0)
			break;
	}
	closedir(d);
	free(path);
	return rc;
}

static void
flist_release(struct flist *fl)
{
	int i;

	for (i = 0; i < fl->count; i++)
		free(fl->names[i]);
	free(fl->names);
}

static int
check_authenticode(struct vctx *v, const char *file, const char *prefix, const char *name)
{
	const char *argv[] = { "osslsigncode", "verify", "-CAfile", v->ca, "-in", file, NULL };
	struct proc_opts po = { .out_fd = v->log_fd, .timeout = TOOL_TIMEOUT };
	int rc = proc_run(argv, &po);

	if (rc == 127 || rc < 0)
		return errorx("cannot run 'osslsigncode verify' on '%s%s'", prefix, name);
	report(v, rc == 0, "signature", prefix, name,
	       "Authenticode signature missing or not chaining to the CA");
	return 0;
}

static int verify_any(struct vctx *v, const char *path, const char *prefix, int depth);

static int
verify_dir(struct vctx *v, const char *dir, const char *prefix, int depth)
{
	struct flist fl = { NULL, 0 };
	struct sums sums = { NULL, 0 };
	char *sums_path = path_join(dir, "SHA256SUMS");
	char *sig_path = path_join(dir, "SHA256SUMS.p7s");
	char *text = NULL, *why = NULL;
	size_t len;
	int i, rc = -1, have_sums = 0;

	if (list_files(v, dir, "", &fl, prefix, 0) < 0)
		goto out;
	if (fl.count > 0)
		qsort(fl.names, (size_t)fl.count, sizeof(char *), cmp_str);

	if (!file_exists(sums_path)) {
		report(v, 0, "manifest", prefix, "SHA256SUMS", "missing");
	} else if (!(text = read_file(sums_path, SUMS_MAX, &len)) ||
		   sums_parse(&sums, text, len, sums_path) < 0) {
		report(v, 0, "manifest", prefix, "SHA256SUMS", "unreadable or malformed");
	} else {
		report(v, 1, "manifest", prefix, "SHA256SUMS", NULL);
		have_sums = 1;
	}
	if (!file_exists(sig_path)) {
		report(v, 0, "manifest-signature", prefix, "SHA256SUMS.p7s", "missing");
	} else if (file_exists(sums_path)) {
		int r = sums_verify(sums_path, sig_path, v->ca, &why);

		if (r < 0)
			goto out;
		report(v, r == 0, "manifest-signature", prefix, "SHA256SUMS.p7s", why);
	}

	for (i = 0; i < fl.count; i++) {
		const char *name = fl.names[i];
		char *file = path_join(dir, name);
		const struct sums_entry *e;
		char hex[65];

		if (!strcmp(name, "SHA256SUMS") || !strcmp(name, "SHA256SUMS.p7s")) {
			free(file);
			continue;
		}
		if (have_sums) {
			e = sums_find(&sums, name);
			if (!e) {
				report(v, 0, "sha256", prefix, name, "not listed in SHA256SUMS");
			} else if (sha256_file(file, hex, NULL) < 0) {
				free(file);
				goto out;
			} else {
				report(v, strcmp(hex, e->hex) == 0, "sha256", prefix, name,
				       "does not match SHA256SUMS");
			}
		}
		if ((verify_is_signable(name) || starts_mz(file)) &&
		    check_authenticode(v, file, prefix, name) < 0) {
			free(file);
			goto out;
		}
		if (depth == 0 && strlen(name) > 4 &&
		    strcasecmp(name + strlen(name) - 4, ".tar") == 0) {
			char *inner = xasprintf("%s%s:", prefix, name);
			int r = verify_any(v, file, inner, depth + 1);

			free(inner);
			if (r < 0) {
				free(file);
				goto out;
			}
		}
		free(file);
	}
	for (i = 0; have_sums && i < sums.count; i++) {
		char *file = path_join(dir, sums.entries[i].name);

		if (!file_exists(file))
			report(v, 0, "sha256", prefix, sums.entries[i].name,
			       "listed in SHA256SUMS but missing");
		free(file);
	}
	rc = 0;
out:
	free(why);
	free(text);
	sums_release(&sums);
	flist_release(&fl);
	free(sums_path);
	free(sig_path);
	return rc;
}

/* Extracted files may be read-only (ISO): make the tree removable. */
static int
make_writable(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)ftw;
	if (flag == FTW_D || flag == FTW_DNR)
		chmod(path, (st->st_mode & 07777) | S_IRWXU);
	return 0;
}

static void
remove_extracted(const char *dir)
{
	nftw(dir, make_writable, 16, FTW_PHYS);
	remove_tree(dir);
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

static int
verify_any(struct vctx *v, const char *path, const char *prefix, int depth)
{
	const char *tmpdir = getenv("TMPDIR");
	struct proc_opts po = { .out_fd = v->log_fd, .timeout = TOOL_TIMEOUT };
	struct stat st;
	char *tmp;
	int rc;

	if (stat(path, &st) < 0)
		return error("cannot stat '%s'", path);
	if (S_ISDIR(st.st_mode))
		return verify_dir(v, path, prefix, depth);
	if (!S_ISREG(st.st_mode))
		return errorx("'%s' is neither a file nor a directory", path);

	tmp = xasprintf("%s/pvci-verify.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(tmp)) {
		error("cannot create a temporary directory '%s'", tmp);
		free(tmp);
		return -1;
	}
	if (has_magic(path, 0x8001, "CD001", 5)) {
		const char *argv[] = { "xorriso", "-osirrox", "on", "-indev", path,
				       "-extract", "/", tmp, NULL };

		/* xorriso wants to create the target itself. */
		rmdir(tmp);
		rc = proc_run(argv, &po);
		if (rc != 0) {
			report(v, 0, "read", prefix, path, "cannot read the ISO image");
			remove_extracted(tmp);
			free(tmp);
			return 0;
		}
	} else if (has_magic(path, 257, "ustar", 5)) {
		const char *argv[] = { "tar", "-x", "-f", path, "-C", tmp, "--no-same-owner",
				       "--no-same-permissions", NULL };

		rc = proc_run(argv, &po);
		if (rc != 0) {
			report(v, 0, "read", prefix, path, "cannot read the tar archive");
			remove_extracted(tmp);
			free(tmp);
			return 0;
		}
	} else {
		remove_extracted(tmp);
		free(tmp);
		return errorx("'%s' is not a package (.tar), an ISO image or a directory", path);
	}
	rc = verify_dir(v, tmp, prefix, depth);
	remove_extracted(tmp);
	free(tmp);
	return rc;
}

int
verify_path(const char *path, const char *ca, FILE *out, int log_fd)
{
	struct vctx v = { .ca = ca, .out = out, .log_fd = log_fd, .failed = 0 };

	if (!file_exists(ca))
		return errorx("CA certificate '%s' not found", ca);
	if (verify_any(&v, path, "", 0) < 0)
		return -1;
	return v.failed ? 1 : 0;
}
