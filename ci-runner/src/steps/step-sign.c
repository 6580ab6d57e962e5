/*
 * The sign step: Authenticode-signs the PE images, catalogs and MSIs a build
 * job produced (the job of runvar "buildjob", else this one), verifies each
 * signature against the CA, and packages the driver:
 *   artifacts/F/J/signed/        the package's files: signed images, INF,
 *                                ca.pem, SHA256SUMS, SHA256SUMS.p7s
 *   artifacts/F/J/NAME-VERSION.tar   those files, deterministic (sorted,
 *                                mtime = commit time, owner 0)
 *   artifacts/F/J/NAME-VERSION.iso   the same files at its root plus the
 *                                tar, with a SHA256SUMS covering them all
 * Signing problems (missing or expiring keys, a failing osslsigncode) are
 * infrastructure: broken.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "catalog.h"
#include "keys.h"
#include "signer.h"
#include "step.h"
#include "steps.h"
#include "sums.h"
#include "token.h"
#include "util.h"
#include "verify.h"

#define INFO_MAX (1024 * 1024)

struct signed_file {
	char *name;
	char *kind;
};

struct sign_state {
	struct keys_paths kp;
	char *pkg_dir;		/* artifacts/F/J/signed */
	char *base;		/* NAME-VERSION */
	long long mtime;
	struct signed_file *files;
	int nfiles;
};

static void
sign_state_release(struct sign_state *ss)
{
	int i;

	keys_paths_release(&ss->kp);
	free(ss->pkg_dir);
	free(ss->base);
	for (i = 0; i < ss->nfiles; i++) {
		free(ss->files[i].name);
		free(ss->files[i].kind);
	}
	free(ss->files);
}

static void
add_file(struct sign_state *ss, const char *name, const char *kind)
{
	ss->files = xrealloc(ss->files, (size_t)(ss->nfiles + 1) * sizeof(*ss->files));
	ss->files[ss->nfiles].name = xstrdup(name);
	ss->files[ss->nfiles].kind = xstrdup(kind);
	ss->nfiles++;
}

/* build-info.json of the build job; NULL (logged) if there is none. */
static json_t *
load_build_info(struct step_ctx *ctx, const char *buildjob)
{
	char *path, *text;
	json_error_t jerr;
	json_t *info;
	size_t len;

	if (strcmp(buildjob, step_job(ctx)) == 0) {
		path = path_join(step_artifacts_dir(ctx), "build-info.json");
	} else {
		char *found = step_job_artifact(ctx, buildjob, "build-info", NULL);

		if (!found) {
			step_log(ctx, "job '%s' has no build-info artifact: did it build?",
				 buildjob);
			return NULL;
		}
		path = found[0] == '/' ? found : path_join(step_home(ctx), found);
		if (path != found)
			free(found);
	}
	text = read_file(path, INFO_MAX, &len);
	if (!text) {
		step_log(ctx, "cannot read '%s': did job '%s' build?", path, buildjob);
		free(path);
		return NULL;
	}
	info = json_loadb(text, len, 0, &jerr);
	free(text);
	if (!json_is_object(info) || !json_is_array(json_object_get(info, "files"))) {
		step_log(ctx, "'%s' is not a build-info file", path);
		json_decref(info);
		info = NULL;
	}
	free(path);
	return info;
}

static int
check_keys(struct step_ctx *ctx, struct sign_state *ss)
{
	const char *need[] = { ss->kp.ca, ss->kp.cert, ss->kp.chain,
			       keys_is_pkcs11(ss->kp.key) ? ss->kp.pin_file : ss->kp.key };
	long min_days = step_setting_int(ctx, "signing.min_validity_days");
	const char *certs[] = { ss->kp.cert, ss->kp.ca };
	size_t i;

	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (need[i] && !file_exists(need[i])) {
			step_log(ctx, "signing key file '%s' is missing (run 'pvci keys init')",
				 need[i]);
			return -1;
		}
	}
	/*
	 * A key that cannot be had (a key file cut or corrupt, a token gone
	 * or refusing its PIN) is said here, by name and reason, rather than
	 * by osslsigncode half-way through the package.
	 */
	{
		EVP_PKEY *pkey;

		if (keys_is_pkcs11(ss->kp.key) && token_check(&ss->kp) < 0)
			return -1;
		pkey = keys_is_pkcs11(ss->kp.key) ? token_load_key(&ss->kp)
						  : keys_load_key(ss->kp.key);
		if (pkey == NULL)
			return -1;
		EVP_PKEY_free(pkey);
	}
	for (i = 0; i < sizeof(certs) / sizeof(certs[0]); i++) {
		char *why = NULL;
		int rc = keys_check_validity(certs[i], min_days, now_seconds(), &why);

		if (rc != 0) {
			if (why)
				step_log(ctx, "%s", why);
			else
				step_log(ctx, "cannot read certificate '%s'", certs[i]);
			free(why);
			return -1;
		}
	}
	return 0;
}

static int
cmp_files(const void *a, const void *b)
{
	return strcmp(((const struct signed_file *)a)->name,
		      ((const struct signed_file *)b)->name);
}

/*
 * Signs or copies each output into the package directory. The images to
 * sign go by name to the signing process (signer.h), which takes them from
 * the build's output folder itself; this step never touches the key.
 */
static enum step_status
stage_package(struct step_ctx *ctx, struct sign_state *ss, json_t *info)
{
	const char *driver = json_string_value(json_object_get(info, "driver"));
	json_t *files = json_object_get(info, "files"), *f;
	char *desc = xasprintf("%s (pvci)", driver ? driver : "driver");
	const char **to_sign = xcalloc(json_array_size(files) + 1, sizeof(char *));
	char *src_dir = NULL;
	enum step_status st = STEP_BROKEN;
	int nsign = 0;
	size_t i;

	json_array_foreach(files, i, f) {
		const char *name = json_string_value(json_object_get(f, "name"));
		const char *kind = json_string_value(json_object_get(f, "kind"));
		const char *path = json_string_value(json_object_get(f, "path"));
		const char *slash = path ? strrchr(path, '/') : NULL;
		char *dst;
		int rc = 0;

		if (!name || !kind || !path || !name_is_valid(name) || !slash ||
		    strcmp(slash + 1, name) != 0) {
			step_log(ctx, "bad entry %zu in build-info", i);
			goto out;
		}
		/* Every output comes from one folder: the build's. */
		if (!src_dir) {
			src_dir = xasprintf("%.*s", (int)(slash - path), path);
		} else if (strlen(src_dir) != (size_t)(slash - path) ||
			   strncmp(src_dir, path, (size_t)(slash - path)) != 0) {
			step_log(ctx, "build-info entry '%s' is outside the build's output "
				 "folder '%s'", path, src_dir);
			goto out;
		}
		/* Symbols stay with the build job; the package is what installs. */
		if (!strcmp(kind, "pdb"))
			continue;
		if (verify_is_signable(name)) {
			to_sign[nsign++] = json_string_value(json_object_get(f, "name"));
		} else {
			dst = path_join(ss->pkg_dir, name);
			rc = copy_file(path, dst, 0644);
			free(dst);
		}
		if (rc < 0)
			goto out;
		add_file(ss, name, kind);
	}
	if (nsign > 0) {
		char *work = path_join(step_work_dir(ctx), "sign");

		step_log(ctx, "signing %d file%s of '%s' in the signing process", nsign,
			 nsign == 1 ? "" : "s", src_dir);
		int rc = signer_sign_files(&ss->kp, src_dir, to_sign, nsign, ss->pkg_dir, work,
					   desc, step_log_fd(ctx));

		if (rc == -2) {
			step_log(ctx, "the signing process refused the build's outputs (above): "
				 "the build is wrong");
			st = STEP_FAIL;
		} else if (rc < 0) {
			step_log(ctx, "the signing process failed (its messages are above)");
		}
		if (rc < 0) {
			free(work);
			goto out;
		}
		free(work);
	}
	{
		char *ca = path_join(ss->pkg_dir, "ca.pem");

		if (copy_file(ss->kp.ca, ca, 0644) < 0) {
			free(ca);
			goto out;
		}
		free(ca);
		add_file(ss, "ca.pem", "ca");
	}
	if (ss->nfiles > 0)
		qsort(ss->files, (size_t)ss->nfiles, sizeof(*ss->files), cmp_files);
	st = STEP_PASS;
out:
	free(to_sign);
	free(src_dir);
	free(desc);
	return st;
}

/* SHA256SUMS over names in dir, and its detached CMS signature. */
static int
write_sums(struct step_ctx *ctx, struct sign_state *ss, const char *dir,
	   const char *const *names, int n)
{
	char *sums = path_join(dir, "SHA256SUMS");
	char *sig = path_join(dir, "SHA256SUMS.p7s");
	int rc = -1;

	/* Both report their own errors, to the step log too. */
	if (sums_write(dir, names, n) == 0 &&
	    signer_sign_cms(&ss->kp, sums, sig, step_log_fd(ctx)) == 0)
		rc = 0;
	free(sums);
	free(sig);
	return rc;
}

static int
make_tar(struct step_ctx *ctx, struct sign_state *ss, const char *tar)
{
	const char **argv = xcalloc((size_t)ss->nfiles + 20, sizeof(char *));
	char *mtime = xasprintf("--mtime=@%lld", ss->mtime);
	int n = 0, i, rc;

	argv[n++] = "tar";
	argv[n++] = "--create";
	argv[n++] = "--file";
	argv[n++] = tar;
	argv[n++] = "--format=ustar";
	argv[n++] = mtime;
	argv[n++] = "--owner=0";
	argv[n++] = "--group=0";
	argv[n++] = "--numeric-owner";
	argv[n++] = "--mode=u=rw,go=r";
	argv[n++] = "-C";
	argv[n++] = ss->pkg_dir;
	argv[n++] = "--";
	/* Sorted names, then the manifest and its signature: a fixed order. */
	for (i = 0; i < ss->nfiles; i++)
		argv[n++] = ss->files[i].name;
	argv[n++] = "SHA256SUMS";
	argv[n++] = "SHA256SUMS.p7s";
	argv[n] = NULL;
	unlink(tar);
	rc = step_run(ctx, argv, NULL, NULL, 0);
	free(argv);
	free(mtime);
	if (rc != 0)
		step_log(ctx, "cannot make '%s' (tar exit status %d)", tar, rc);
	return rc == 0 ? 0 : -1;
}

static int
make_iso(struct step_ctx *ctx, struct sign_state *ss, const char *tar, const char *iso)
{
	char *dir = path_join(step_work_dir(ctx), "iso");
	const char **names = xcalloc((size_t)ss->nfiles + 2, sizeof(char *));
	char *tarname = strrchr(tar, '/') + 1;
	char volid[33], *epoch = xasprintf("SOURCE_DATE_EPOCH=%lld", ss->mtime);
	const char *env[] = { epoch, NULL };
	int i, n = 0, rc = -1;
	size_t j;

	if (remove_tree(dir) < 0 || mkdir_p(dir, 0755) < 0)
		goto out;
	for (i = 0; i < ss->nfiles; i++) {
		char *from = path_join(ss->pkg_dir, ss->files[i].name);
		char *to = path_join(dir, ss->files[i].name);

		rc = copy_file(from, to, 0644);
		free(from);
		free(to);
		if (rc < 0)
			goto out;
		names[n++] = ss->files[i].name;
	}
	{
		char *to = path_join(dir, tarname);

		rc = copy_file(tar, to, 0644);
		free(to);
		if (rc < 0)
			goto out;
		names[n++] = tarname;
	}
	rc = -1;
	if (write_sums(ctx, ss, dir, names, n) < 0)
		goto out;
	/* ISO 9660 volume ids: upper case, digits, underscore, 32 at most. */
	for (j = 0; j < sizeof(volid) - 1 && ss->base[j]; j++) {
		char c = ss->base[j];

		volid[j] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') :
			   ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) ? c : '_';
	}
	volid[j] = '\0';
	{
		const char *argv[] = { "xorriso", "-as", "mkisofs", "-J", "-R", "-V", volid,
				       "-o", iso, dir, NULL };

		unlink(iso);
		rc = step_run(ctx, argv, NULL, env, 0);
		if (rc != 0) {
			step_log(ctx, "cannot make '%s' (xorriso exit status %d)", iso, rc);
			rc = -1;
		}
	}
out:
	remove_tree(dir);
	free(dir);
	free(names);
	free(epoch);
	return rc;
}

/*
 * The package's catalog (catalog.h) at artifacts/F/J/BASE.catalog.csv,
 * signed with the CMS key into BASE.catalog.csv.p7s; both recorded, and
 * the catalog's SHA-256 set as runvar catalog_sha256.
 */
static int
write_catalog(struct step_ctx *ctx, struct sign_state *ss)
{
	struct catalog_entry *e = xcalloc((size_t)ss->nfiles + 1, sizeof(*e));
	char *csv = xasprintf("%s/%s.catalog.csv", step_artifacts_dir(ctx), ss->base);
	char *sig = xasprintf("%s.p7s", csv), *text = NULL, hex[65];
	int i, n = 0, rc = -1;
	size_t len;

	for (i = 0; i < ss->nfiles; i++) {
		char *p = path_join(ss->pkg_dir, ss->files[i].name);
		off_t size;
		int bad;

		if (catalog_skips(ss->files[i].name)) {
			free(p);
			continue;
		}
		e[n].name = ss->files[i].name;
		bad = sha256_file(p, e[n].sha256, &size) < 0 ||
		      (verify_is_signable(e[n].name) &&
		       catalog_authenticode(p, e[n].authenticode, step_log_fd(ctx)) < 0);
		e[n].size = (long long)size;
		free(p);
		if (bad)
			goto out;
		n++;
	}
	text = catalog_text(e, n, &len);
	if (write_file_atomic(csv, text, len, 0644) < 0 ||
	    signer_sign_cms(&ss->kp, csv, sig, step_log_fd(ctx)) < 0 ||
	    sha256_file(csv, hex, NULL) < 0 ||
	    step_add_artifact(ctx, csv, "catalog") < 0 ||
	    step_add_artifact(ctx, sig, "catalog-sig") < 0 ||
	    step_set_runvar(ctx, "catalog_sha256", hex) < 0)
		goto out;
	step_log(ctx, "catalog '%s' (sha256 %s), signed", csv, hex);
	rc = 0;
out:
	free(text);
	free(csv);
	free(sig);
	free(e);
	return rc;
}

/* Checks what was made, as "pvci verify" will; the lines go to the step log. */
static int
self_check(struct step_ctx *ctx, struct sign_state *ss, const char *path)
{
	int fd = dup(step_log_fd(ctx));
	FILE *out = fd >= 0 ? fdopen(fd, "a") : NULL;
	int rc;

	if (!out) {
		if (fd >= 0)
			close(fd);
		step_log(ctx, "cannot write to the step log");
		return -1;
	}
	rc = verify_path(path, ss->kp.ca, out, -1);
	fclose(out);
	if (rc != 0)
		step_log(ctx, "'%s' does not verify", path);
	return rc == 0 ? 0 : -1;
}

enum step_status
step_sign(struct step_ctx *ctx)
{
	const char *buildjob = step_runvar(ctx, "buildjob");
	struct sign_state ss;
	enum step_status st = STEP_BROKEN;
	const char *driver, *version;
	char *tar = NULL, *iso = NULL, *tarname = NULL, *isoname = NULL;
	const char **names = NULL;
	json_t *info;
	int i;

	memset(&ss, 0, sizeof(ss));
	if (!buildjob || !*buildjob)
		buildjob = step_job(ctx);
	if (!(info = load_build_info(ctx, buildjob)))
		return STEP_BROKEN;
	driver = json_string_value(json_object_get(info, "driver"));
	version = json_string_value(json_object_get(info, "version"));
	if (!name_is_valid(driver) || !name_is_valid(version) ||
	    !json_is_integer(json_object_get(info, "commit_time"))) {
		step_log(ctx, "build-info of job '%s' lacks driver, version or commit_time",
			 buildjob);
		json_decref(info);
		return STEP_BROKEN;
	}
	ss.mtime = json_integer_value(json_object_get(info, "commit_time"));
	ss.base = xasprintf("%s-%s", driver, version);
	keys_paths_init(&ss.kp, step_config(ctx), step_home(ctx));
	if (check_keys(ctx, &ss) < 0)
		goto out;

	ss.pkg_dir = path_join(step_artifacts_dir(ctx), "signed");
	if (remove_tree(ss.pkg_dir) < 0 || mkdir_p(ss.pkg_dir, 0755) < 0)
		goto out;
	step_log(ctx, "signing '%s' of job '%s' with '%s'", ss.base, buildjob, ss.kp.cert);
	if ((st = stage_package(ctx, &ss, info)) != STEP_PASS)
		goto out;
	st = STEP_BROKEN;
	names = xcalloc((size_t)ss.nfiles + 1, sizeof(char *));
	for (i = 0; i < ss.nfiles; i++)
		names[i] = ss.files[i].name;
	if (write_sums(ctx, &ss, ss.pkg_dir, names, ss.nfiles) < 0 ||
	    write_catalog(ctx, &ss) < 0)
		goto out;

	tarname = xasprintf("%s.tar", ss.base);
	isoname = xasprintf("%s.iso", ss.base);
	tar = path_join(step_artifacts_dir(ctx), tarname);
	iso = path_join(step_artifacts_dir(ctx), isoname);
	if (make_tar(ctx, &ss, tar) < 0 || make_iso(ctx, &ss, tar, iso) < 0)
		goto out;
	if (self_check(ctx, &ss, tar) < 0 || self_check(ctx, &ss, iso) < 0)
		goto out;

	/* Record: the signed files (newest of their kind), then the package. */
	for (i = 0; i < ss.nfiles; i++) {
		char *p = path_join(ss.pkg_dir, ss.files[i].name);
		int rc = step_add_artifact(ctx, p, ss.files[i].kind);

		free(p);
		if (rc < 0)
			goto out;
	}
	{
		char *sums = path_join(ss.pkg_dir, "SHA256SUMS");
		char *sig = path_join(ss.pkg_dir, "SHA256SUMS.p7s");
		int bad = step_add_artifact(ctx, sums, "sums") < 0 ||
			  step_add_artifact(ctx, sig, "sums-sig") < 0 ||
			  step_add_artifact(ctx, tar, "package") < 0 ||
			  step_add_artifact(ctx, iso, "iso") < 0;

		free(sums);
		free(sig);
		if (bad)
			goto out;
	}
	if (step_set_runvar(ctx, "signed_version", version) < 0)
		goto out;
	step_log(ctx, "packaged '%s' and '%s'", tar, iso);
	st = STEP_PASS;
out:
	free(names);
	free(tar);
	free(iso);
	free(tarname);
	free(isoname);
	sign_state_release(&ss);
	json_decref(info);
	return st;
}
