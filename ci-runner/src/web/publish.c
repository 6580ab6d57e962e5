#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "config.h"
#include "db.h"
#include "instance.h"
#include "log.h"
#include "pages.h"
#include "publish.h"
#include "util.h"

#define MANIFEST ".pvci-manifest"
#define MANIFEST_MAX (64 * 1024 * 1024)
#define CREDENTIALS_MAX 65536
#define BACKOFF_MS_MAX 4000
/* A manifest is sent after this many files or seconds of a publish. */
#define CHECKPOINT_FILES 200
#define CHECKPOINT_SECONDS 30

struct pfile {
	char *rel;
	char hex[65];
};

struct plist {
	struct pfile *v;
	size_t n, alloc;
};

static void
plist_add(struct plist *l, char *rel)
{
	if (l->n == l->alloc) {
		l->alloc = l->alloc ? 2 * l->alloc : 64;
		l->v = xrealloc(l->v, l->alloc * sizeof(*l->v));
	}
	l->v[l->n].rel = rel;
	l->v[l->n].hex[0] = '\0';
	l->n++;
}

static void
plist_release(struct plist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].rel);
	free(l->v);
}

static char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

enum target_kind { T_FILE, T_SFTP, T_HTTPS };

struct target {
	enum target_kind kind;
	char *base;		/* URL without the trailing '/'; file: the folder */
	char *shown;		/* the URL for messages, redacted */
	CURL *curl;
	char *user, *password, *key, *pubkey;
	const struct publish_opts *o;
	json_t *dirs;		/* https: folders known to exist */
	char answer[CURL_ERROR_SIZE + 64];	/* the last failure, for the message */
	char errbuf[CURL_ERROR_SIZE];
};

/* Writes data as staging/rel, making its folders. */
static int
stage_data(const char *staging, const char *rel, const void *data, size_t len)
{
	char *path = path_join(staging, rel), *dir = xstrdup(path);
	int rc;

	rc = mkdir_p(dirname(dir), 0755);
	if (rc == 0)
		rc = write_file_atomic(path, data, len, 0644);
	free(dir);
	free(path);
	return rc;
}

/* Renders a page into the staging folder; 1 when there is no such page. */
static int
stage_page(struct db *db, const char *staging, const char *page, struct plist *l)
{
	struct web_out out;
	int rc = web_render(db, page, &out);

	if (rc == 0) {
		rc = stage_data(staging, page, out.body.buf, out.body.len);
		if (rc == 0)
			plist_add(l, xstrdup(page));
	}
	web_out_release(&out);
	return rc;
}

/* nftw has no user pointer: the tree being staged. */
static struct {
	const char *root, *prefix, *staging;
	struct plist *l;
	int failed;
} walk;

static int
stage_one(const char *fpath, const struct stat *sb, int type, struct FTW *ftw)
{
	char *rel, *dest, *dir;

	(void)sb;
	(void)ftw;
	if (type != FTW_F)	/* folders; symbolic links are not followed or sent */
		return 0;
	rel = xasprintf("%s/%s", walk.prefix, fpath + strlen(walk.root) + 1);
	dest = path_join(walk.staging, rel);
	dir = xstrdup(dest);
	unlink(dest);
	/* A hard link costs nothing for a large package; a copy when across file systems. */
	if (mkdir_p(dirname(dir), 0755) < 0 ||
	    (link(fpath, dest) < 0 && copy_file(fpath, dest, 0644) < 0)) {
		walk.failed = 1;
		free(rel);
	} else
		plist_add(walk.l, rel);
	free(dir);
	free(dest);
	return walk.failed;
}

static int
stage_tree(const char *home, const char *top, long flight, const char *staging,
	   struct plist *l)
{
	char *prefix = xasprintf("%s/%ld", top, flight);
	char *root = path_join(home, prefix);
	int rc = 0;

	if (file_exists(root)) {
		walk.root = root;
		walk.prefix = prefix;
		walk.staging = staging;
		walk.l = l;
		walk.failed = 0;
		if (nftw(root, stage_one, 16, FTW_PHYS) != 0)
			rc = walk.failed ? -1 : error("publish: '%s'", root);
	}
	free(root);
	free(prefix);
	return rc;
}

/* The credentials file: {"user": ..., "password": ..., "key": PATH}, mode 0600. */
static int
credentials_load(struct target *t, const char *path)
{
	json_error_t jerr;
	struct stat st;
	json_t *j;
	char *text;
	size_t len;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return error("publish credentials file '%s'", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		close(fd);
		return errorx("publish credentials file '%s' is refused: not a regular file "
			      "of mode 0600", path);
	}
	text = read_fd(fd, path, CREDENTIALS_MAX, &len);
	close(fd);
	if (!text)
		return -1;
	j = json_loadb(text, len, 0, &jerr);
	explicit_bzero(text, len);
	free(text);
	if (!json_is_object(j)) {
		json_decref(j);
		return errorx("publish credentials file '%s': wants a JSON object with "
			      "\"user\", \"password\" and/or \"key\"", path);
	}
	if (JS(j, "user"))
		t->user = xstrdup(JS(j, "user"));
	if (JS(j, "password"))
		t->password = xstrdup(JS(j, "password"));
	if (JS(j, "key")) {
		/* Relative to the instance, as the config's files. */
		t->key = instance_resolve(t->o->home, JS(j, "key"));
		t->pubkey = xasprintf("%s.pub", t->key);
		if (!file_exists(t->pubkey)) {
			free(t->pubkey);
			t->pubkey = NULL;
		}
	}
	json_decref(j);
	return 0;
}

static int
target_open(struct target *t, const struct publish_opts *o)
{
	size_t n = strlen(o->url);

	memset(t, 0, sizeof(*t));
	t->o = o;
	t->shown = redact_secrets(o->url);
	while (n > 1 && o->url[n - 1] == '/')
		n--;
	if (!strncmp(o->url, "file://", 7)) {
		t->kind = T_FILE;
		t->base = xstrndup(o->url + 7, n - 7);
		if (t->base[0] != '/')
			return errorx("publish: target '%s': wants file:///ABSOLUTE/PATH", t->shown);
		return 0;
	}
	if (!strncmp(o->url, "sftp://", 7))
		t->kind = T_SFTP;
	else if (!strncmp(o->url, "https://", 8))
		t->kind = T_HTTPS;
	else
		return errorx("publish: target '%s': wants file://, sftp:// or https://", t->shown);
	if (secrets_present(o->url))
		return errorx("publish: target '%s' holds a password: put it in the file "
			      "'publish.credentials_file' names", t->shown);
	t->base = xstrndup(o->url, n);
	if (t->kind == T_SFTP && !o->known_hosts)
		return errorx("publish: target '%s': sftp wants 'publish.known_hosts' (the "
			      "server's host key is checked)", t->shown);
	if (o->credentials_file && credentials_load(t, o->credentials_file) < 0)
		return -1;
	if (t->kind == T_SFTP && !t->key)
		return errorx("publish: target '%s': sftp wants a \"key\" in '%s'", t->shown,
			      o->credentials_file ? o->credentials_file : "publish.credentials_file");
	t->curl = curl_easy_init();
	if (!t->curl)
		return errorx("publish: libcurl did not initialise");
	t->dirs = json_object();
	return 0;
}

static void
target_close(struct target *t)
{
	if (t->curl)
		curl_easy_cleanup(t->curl);
	if (t->password) {
		explicit_bzero(t->password, strlen(t->password));
		free(t->password);
	}
	free(t->user);
	free(t->key);
	free(t->pubkey);
	free(t->base);
	free(t->shown);
	json_decref(t->dirs);
}

/* base/rel with each part of rel URL-escaped. */
static char *
remote_url(struct target *t, const char *rel)
{
	struct strbuf sb;
	const char *p = rel;

	strbuf_init(&sb);
	strbuf_adds(&sb, t->base);
	while (*p) {
		size_t n = strcspn(p, "/");
		char *e = curl_easy_escape(t->curl, p, (int)n);

		strbuf_adds(&sb, "/");
		strbuf_adds(&sb, e ? e : "");
		curl_free(e);
		p += n;
		if (*p == '/')
			p++;
	}
	return strbuf_detach(&sb);
}

static void
curl_common(struct target *t, const char *url)
{
	CURL *c = t->curl;

	curl_easy_reset(c);
	t->errbuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, t->kind == T_SFTP ? "sftp" : "https");
	if (t->user)
		curl_easy_setopt(c, CURLOPT_USERNAME, t->user);
	if (t->kind == T_HTTPS) {
		if (t->password)
			curl_easy_setopt(c, CURLOPT_PASSWORD, t->password);
		if (t->o->ca_file)
			curl_easy_setopt(c, CURLOPT_CAINFO, t->o->ca_file);
	} else {
		curl_easy_setopt(c, CURLOPT_SSH_AUTH_TYPES, (long)CURLSSH_AUTH_PUBLICKEY);
		curl_easy_setopt(c, CURLOPT_SSH_PRIVATE_KEYFILE, t->key);
		if (t->pubkey)
			curl_easy_setopt(c, CURLOPT_SSH_PUBLIC_KEYFILE, t->pubkey);
		if (t->password)	/* the key's passphrase */
			curl_easy_setopt(c, CURLOPT_KEYPASSWD, t->password);
		curl_easy_setopt(c, CURLOPT_SSH_KNOWNHOSTS, t->o->known_hosts);
	}
}

/* Records why the transfer failed in t->answer; -1. */
static int
curl_failed(struct target *t, CURLcode rc, long code)
{
	if (rc != CURLE_OK)
		snprintf(t->answer, sizeof(t->answer), "%s%s%s", curl_easy_strerror(rc),
			 t->errbuf[0] ? ": " : "", t->errbuf);
	else
		snprintf(t->answer, sizeof(t->answer), "HTTP %ld", code);
	return -1;
}

static size_t
take_body(char *p, size_t size, size_t n, void *ud)
{
	struct strbuf *sb = ud;

	if (sb->len + size * n > MANIFEST_MAX)
		return 0;
	strbuf_add(sb, p, size * n);
	return size * n;
}

/* The target's manifest (path -> SHA-256); an empty one when there is none yet. */
static json_t *
manifest_fetch(struct target *t)
{
	json_error_t jerr;
	struct strbuf sb;
	json_t *j, *files;
	char *url = NULL;
	CURLcode rc;
	long code = 0;

	strbuf_init(&sb);
	if (t->kind == T_FILE) {
		char *path = path_join(t->base, MANIFEST);

		if (file_exists(path)) {
			size_t len;
			char *text = read_file(path, MANIFEST_MAX, &len);

			if (!text) {
				free(path);
				return NULL;
			}
			strbuf_add(&sb, text, len);
			free(text);
		}
		free(path);
	} else {
		url = remote_url(t, MANIFEST);
		curl_common(t, url);
		curl_easy_setopt(t->curl, CURLOPT_WRITEFUNCTION, take_body);
		curl_easy_setopt(t->curl, CURLOPT_WRITEDATA, &sb);
		rc = curl_easy_perform(t->curl);
		curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
		if (rc == CURLE_REMOTE_FILE_NOT_FOUND || (rc == CURLE_OK && code == 404)) {
			strbuf_reset(&sb);
		} else if (rc != CURLE_OK || (t->kind == T_HTTPS && code != 200)) {
			curl_failed(t, rc, code);
			errorx("publish: cannot read the manifest '%s/%s': %s", t->shown, MANIFEST,
			       t->answer);
			free(url);
			strbuf_release(&sb);
			return NULL;
		}
		free(url);
	}
	if (!sb.len) {
		strbuf_release(&sb);
		return json_object();
	}
	j = json_loadb(sb.buf, sb.len, 0, &jerr);
	strbuf_release(&sb);
	files = json_object_get(j, "files");
	if (!json_is_object(files)) {
		/* Sending everything again is always right: a broken manifest costs time only. */
		log_warnx("publish: the manifest '%s/%s' is not pvci's; sending every file",
			  t->shown, MANIFEST);
		json_decref(j);
		return json_object();
	}
	json_incref(files);
	json_decref(j);
	return files;
}

/* https: MKCOL each folder of rel not known to exist. */
static int
dav_folders(struct target *t, const char *rel)
{
	const char *slash;

	for (slash = strchr(rel, '/'); slash; slash = strchr(slash + 1, '/')) {
		char *dir = xstrndup(rel, (size_t)(slash - rel)), *url, *u;
		CURLcode rc;
		long code = 0;

		if (json_object_get(t->dirs, dir)) {
			free(dir);
			continue;
		}
		u = remote_url(t, dir);
		url = xasprintf("%s/", u);
		free(u);
		curl_common(t, url);
		curl_easy_setopt(t->curl, CURLOPT_CUSTOMREQUEST, "MKCOL");
		curl_easy_setopt(t->curl, CURLOPT_NOBODY, 1L);
		rc = curl_easy_perform(t->curl);
		curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
		free(url);
		/* 405: the folder is there already. */
		if (rc != CURLE_OK || (code != 201 && code != 405)) {
			char why[sizeof(t->answer)];

			curl_failed(t, rc, code);
			snprintf(why, sizeof(why), "%s", t->answer);
			snprintf(t->answer, sizeof(t->answer), "MKCOL '%s/': %.*s", dir, 200, why);
			free(dir);
			return -1;
		}
		json_object_set_new(t->dirs, dir, json_true());
		free(dir);
	}
	return 0;
}

/* Sends local as rel; 0, or -1 with the reason in t->answer (not reported). */
static int
upload(struct target *t, const char *local, const char *rel)
{
	struct stat st;
	CURLcode rc;
	long code = 0;
	char *url;
	FILE *f;

	t->answer[0] = '\0';
	if (t->kind == T_FILE) {
		char *dest = path_join(t->base, rel), *dir = xstrdup(dest);
		char *tmp = xasprintf("%s.pvci-tmp", dest);
		int r = -1;

		/* Through a temporary name and rename(): a reader never sees half a file. */
		if (mkdir_p(dirname(dir), 0755) == 0 && copy_file(local, tmp, 0644) == 0 &&
		    rename(tmp, dest) == 0)
			r = 0;
		else
			snprintf(t->answer, sizeof(t->answer), "%s", strerror(errno));
		if (r < 0)
			unlink(tmp);
		free(tmp);
		free(dir);
		free(dest);
		return r;
	}
	if (t->kind == T_HTTPS && dav_folders(t, rel) < 0)
		return -1;
	f = fopen(local, "rbe");
	if (!f || fstat(fileno(f), &st) < 0) {
		snprintf(t->answer, sizeof(t->answer), "local file: %s", strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	url = remote_url(t, rel);
	curl_common(t, url);
	curl_easy_setopt(t->curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(t->curl, CURLOPT_READDATA, f);
	curl_easy_setopt(t->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)st.st_size);
	if (t->kind == T_SFTP)
		curl_easy_setopt(t->curl, CURLOPT_FTP_CREATE_MISSING_DIRS, (long)CURLFTP_CREATE_DIR);
	rc = curl_easy_perform(t->curl);
	curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
	fclose(f);
	free(url);
	if (rc != CURLE_OK || (t->kind == T_HTTPS && code != 201 && code != 204 && code != 200))
		return curl_failed(t, rc, code);
	return 0;
}

/* upload() with retries and backoff; every failed try reported. */
static int
upload_retried(struct target *t, const char *staging, const char *rel)
{
	char *local = path_join(staging, rel);
	int i, tries = t->o->tries > 0 ? t->o->tries : 1;
	long ms = 250;

	for (i = 1; i <= tries; i++) {
		if (upload(t, local, rel) == 0) {
			free(local);
			return 0;
		}
		log_warnx("publish: '%s' to '%s': %s (try %d of %d)", rel, t->shown, t->answer, i,
			  tries);
		if (i < tries) {
			struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

			nanosleep(&ts, NULL);
			if ((ms *= 2) > BACKOFF_MS_MAX)
				ms = BACKOFF_MS_MAX;
		}
	}
	free(local);
	return errorx("publish: '%s' was not sent to '%s' after %d tries: %s", rel, t->shown,
		      tries, t->answer);
}

/*
 * Empties the staging folder, made if need be. A folder that is not empty
 * is emptied only when it holds pvci's mark: --dir naming a folder of
 * someone's files never loses them.
 */
#define STAGING_MARK ".pvci-staging"
static int
staging_reset(const char *dir)
{
	char *mark = path_join(dir, STAGING_MARK);
	struct dirent *e;
	int n = 0, rc = -1;
	DIR *d = opendir(dir);

	if (d) {
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				n++;
		closedir(d);
		if (n && !file_exists(mark)) {
			errorx("publish: staging folder '%s' is not empty and not pvci's (no %s): "
			       "refused", dir, STAGING_MARK);
			goto out;
		}
	}
	if (remove_tree(dir) < 0 || mkdir_p(dir, 0755) < 0 ||
	    write_file_atomic(mark, "", 0, 0644) < 0)
		goto out;
	rc = 0;
out:
	free(mark);
	return rc;
}

/* Sends the manifest listing files (path -> SHA-256). */
static int
manifest_send(struct target *t, const char *staging, json_t *files)
{
	json_t *doc = json_pack("{s:i, s:O}", "version", 1, "files", files);
	char *text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	int rc = -1;

	json_decref(doc);
	if (!text)
		return errorx("publish: cannot encode the manifest");
	if (stage_data(staging, MANIFEST, text, strlen(text)) == 0 &&
	    upload_retried(t, staging, MANIFEST) == 0)
		rc = 0;
	free(text);
	return rc;
}

/* Tests only: PVCI_PUBLISH_STOP_AFTER=N dies (SIGKILL) after N files, as an interrupted publish. */
static void
maybe_stop(int sent)
{
	const char *s = getenv("PVCI_PUBLISH_STOP_AFTER");
	long n;

	if (s && parse_long(s, &n) == 0 && sent >= n)
		raise(SIGKILL);
}

int
publish_flight(struct db *db, long flight, const struct publish_opts *o, struct publish_stats *st)
{
	struct db_flight_info fi;
	struct plist l = { 0 };
	struct target t;
	json_t *manifest = NULL, *now = NULL;
	char **pages, *page;
	size_t i, nlast;
	int n = 0, k, rc = -1, since = 0;
	time_t last;

	memset(st, 0, sizeof(*st));
	if (db_flight_info(db, flight, &fi) < 0)
		return -1;
	if (target_open(&t, o) < 0)
		goto out;
	if (staging_reset(o->staging) < 0)
		goto out;
	/* Everything but the index and the badge, which point at the rest, go first. */
	pages = web_flight_pages(db, flight, &n);
	if (!pages)
		goto out;
	for (k = 0; k < n; k++) {
		if (rc != -2 && stage_page(db, o->staging, pages[k], &l) < 0)
			rc = -2;
		if (k > 0) {	/* the job's history, which its page links to */
			const char *job = strrchr(pages[k], '/') + 1;

			page = xasprintf("history/%s/%s", fi.branch, job);
			if (rc != -2 && stage_page(db, o->staging, page, &l) < 0)
				rc = -2;
			free(page);
		}
		free(pages[k]);
	}
	free(pages);
	if (rc == -2)
		goto out;
	page = xasprintf("trends/%s.html", fi.branch);
	k = stage_page(db, o->staging, page, &l);
	free(page);
	if (k < 0 || stage_page(db, o->staging, "regressions.html", &l) < 0 ||
	    stage_tree(o->home, "logs", flight, o->staging, &l) < 0 ||
	    stage_tree(o->home, "artifacts", flight, o->staging, &l) < 0)
		goto out;
	nlast = l.n;
	page = xasprintf("badge/%s.svg", fi.branch);
	k = stage_page(db, o->staging, "index.html", &l);
	if (k == 0)
		k = stage_page(db, o->staging, page, &l);
	free(page);
	if (k < 0)
		goto out;
	for (i = 0; i < l.n; i++) {
		char *path = path_join(o->staging, l.v[i].rel);

		k = sha256_file(path, l.v[i].hex, NULL);
		free(path);
		if (k < 0)
			goto out;
	}
	manifest = manifest_fetch(&t);
	if (!manifest)
		goto out;
	now = json_deep_copy(manifest);
	last = time(NULL);
	for (i = 0; i < l.n; i++) {
		const char *there = json_string_value(json_object_get(manifest, l.v[i].rel));

		if (there && !strcmp(there, l.v[i].hex)) {
			st->unchanged++;
			continue;
		}
		if (upload_retried(&t, o->staging, l.v[i].rel) < 0)
			goto out;
		st->uploaded++;
		json_object_set_new(now, l.v[i].rel, json_string(l.v[i].hex));
		maybe_stop(st->uploaded);
		/*
		 * A long publish sends a manifest now and then (before the index
		 * and badge: it lists only files that are there), so one
		 * interrupted sends again only what it had not sent.
		 */
		if (i + 1 < nlast && ++since >= CHECKPOINT_FILES) {
			if (manifest_send(&t, o->staging, now) < 0)
				goto out;
			since = 0;
		} else if (i + 1 < nlast && time(NULL) - last >= CHECKPOINT_SECONDS) {
			if (manifest_send(&t, o->staging, now) < 0)
				goto out;
			since = 0;
			last = time(NULL);
		}
	}
	if (st->uploaded && manifest_send(&t, o->staging, now) < 0)
		goto out;
	rc = 0;
out:
	if (rc == -2)
		rc = -1;
	json_decref(manifest);
	json_decref(now);
	plist_release(&l);
	target_close(&t);
	db_flight_info_release(&fi);
	return rc;
}

int
publish_instance(struct instance *inst, long flight, const char *url, const char *staging)
{
	struct publish_opts o = { 0 };
	struct publish_stats st;
	char *creds = NULL, *ca = NULL, *kh = NULL, *dir = NULL, *shown;
	int rc;

	if (!url)
		url = config_str(inst->cfg, "publish.url");
	if (!url || !*url)
		return errorx("publish: no target: set 'publish.url' or give --to URL");
	creds = instance_path(inst, "publish.credentials_file");
	ca = instance_path(inst, "publish.ca_file");
	kh = instance_path(inst, "publish.known_hosts");
	dir = staging ? xstrdup(staging) : xasprintf("%s/publish/%ld", inst->home, flight);
	o.home = inst->home;
	o.url = url;
	o.staging = dir;
	o.credentials_file = creds;
	o.ca_file = ca;
	o.known_hosts = kh;
	o.tries = (int)config_int(inst->cfg, "publish.tries");
	rc = publish_flight(inst->db, flight, &o, &st);
	shown = redact_secrets(url);
	if (rc == 0)
		printf("publish: flight %ld: %d uploaded, %d unchanged to %s\n", flight, st.uploaded,
		       st.unchanged, shown);
	else
		fprintf(stderr, "publish: flight %ld: failed after %d uploaded to %s; the next "
			"publish sends what is missing\n", flight, st.uploaded, shown);
	fflush(stdout);
	free(shown);
	free(creds);
	free(ca);
	free(kh);
	free(dir);
	return rc;
}
