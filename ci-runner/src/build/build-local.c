/*
 * The local build executor: builds on this machine, in the job's work tree,
 * always inside a bubblewrap sandbox. Tree code is hostile until proven
 * otherwise (a branch submitted as a one-off flight is anybody's code), so
 * the build runs:
 *   - as an unprivileged uid (build.sandbox_uid; pvci drops to it with
 *     setpriv when it runs as root), in new user, PID, IPC, UTS, mount,
 *     cgroup and network namespaces (the network only when the job's runvar
 *     build_network is 1);
 *   - on a read-only view of the host's root, with tmpfs over /tmp,
 *     /var/tmp, /run, /root, /home and over the whole instance, so that
 *     keys, the database and other jobs' folders are not there at all; only
 *     the job's source folder (work/F/J/src) and its output folder are
 *     bound back, writable (the rest of the instance's tmpfs is read-only);
 *   - with a clean environment (PATH, HOME, LC_ALL, TZ and the build's own
 *     variables) and limits on processes, address space, file size, CPU
 *     time and core files (prlimit), on top of the step's wall-clock limit.
 * When bubblewrap is missing or cannot make its namespaces here, the build
 * is broken, with the reason: there is no fallback to running unconfined.
 *
 * The outputs are then read back by pvci (root) through openat2 with
 * RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS: a build that leaves a symlink to a
 * key among its outputs gets an error, not the key.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "build-executor.h"
#include "log.h"
#include "util.h"

#define PROBE_TIMEOUT 30
#define FETCH_MAX (1024LL * 1024 * 1024)

/* Whether prog can be run: an absolute path, or found in $PATH. */
static int
on_path(const char *prog)
{
	const char *path = getenv("PATH"), *p, *colon;

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	if (!path)
		path = "/usr/bin:/bin";
	for (p = path;; p = colon + 1) {
		char *cand;
		int ok, len;

		colon = strchr(p, ':');
		len = colon ? (int)(colon - p) : (int)strlen(p);
		cand = len ? xasprintf("%.*s/%s", len, p, prog) : xasprintf("./%s", prog);
		ok = access(cand, X_OK) == 0;
		free(cand);
		if (ok)
			return 1;
		if (!colon)
			return 0;
	}
}

/* A growing argv of owned strings. */
struct args {
	char **v;
	int n, cap;
};

static void
args_add(struct args *a, const char *s)
{
	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? 2 * a->cap : 64;
		a->v = xrealloc(a->v, (size_t)a->cap * sizeof(*a->v));
	}
	a->v[a->n++] = xstrdup(s);
	a->v[a->n] = NULL;
}

static void
args_addf(struct args *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
args_addf(struct args *a, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	args_add(a, s);
	free(s);
}

static void
args_release(struct args *a)
{
	int i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

/* The folder of the job's checked-out trees: work/F/J/src. */
static char *
src_folder(struct step_ctx *ctx)
{
	return path_join(step_work_dir(ctx), "src");
}

static const char *
out_folder(const struct build_job *job)
{
	return job->out_root ? job->out_root : job->out_dir;
}

static uid_t chown_uid;

static int
chown_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (lchown(path, chown_uid, (gid_t)chown_uid) < 0) {
		error("cannot hand '%s' to the build sandbox's uid %u", path,
		      (unsigned)chown_uid);
		return -1;
	}
	return 0;
}

/* Gives the sandbox's uid the folders it may write (when we are root). */
static int
hand_over(struct step_ctx *ctx, const struct build_job *job, uid_t uid)
{
	char *src = src_folder(ctx);
	int rc = 0;

	chown_uid = uid;
	if (nftw(src, chown_one, 32, FTW_PHYS) != 0 ||
	    nftw(out_folder(job), chown_one, 32, FTW_PHYS) != 0) {
		step_log(ctx, "cannot hand the source and output folders to uid %u",
			 (unsigned)uid);
		rc = -1;
	}
	free(src);
	return rc;
}

/*
 * "--perms 0755 --dir D" for each folder D between top (excluded) and path
 * (excluded), so that the folders bubblewrap makes in the tmpfs over top
 * on the way to a bind mount may be passed by the build's uid.
 */
static void
open_parents(struct args *a, const char *top, const char *path)
{
	size_t n = strlen(top);
	const char *p;

	if (strncmp(path, top, n) || path[n] != '/')
		return;
	for (p = strchr(path + n + 1, '/'); p; p = strchr(p + 1, '/')) {
		args_add(a, "--perms");
		args_add(a, "0755");
		args_add(a, "--dir");
		args_addf(a, "%.*s", (int)(p - path), path);
	}
}

/* prlimit and the build's limits, then "--". */
static void
limits_argv(struct step_ctx *ctx, const struct build_job *job, struct args *a)
{
	long mem = step_setting_int(ctx, "build.sandbox_memory_mib");
	long nproc = step_setting_int(ctx, "build.sandbox_nproc");
	long fsize = step_setting_int(ctx, "build.sandbox_fsize_mib");
	long cpu = job->timeout > 0 ? job->timeout : step_seconds_left(ctx);

	args_add(a, "prlimit");
	args_addf(a, "--nproc=%ld", nproc);
	args_addf(a, "--as=%lld", (long long)mem * 1024 * 1024);
	args_addf(a, "--fsize=%lld", (long long)fsize * 1024 * 1024);
	args_addf(a, "--cpu=%ld", cpu > 0 ? cpu : 1);
	args_add(a, "--core=0");
	args_add(a, "--");
}

/*
 * The sandbox's argv around cmd (NULL-terminated). Nothing secret goes in
 * it: it is logged, and any process on the host may read it.
 */
static void
sandbox_argv(struct step_ctx *ctx, const struct build_job *job, const char *const *cmd,
	     int network, struct args *a)
{
	long uid = step_setting_int(ctx, "build.sandbox_uid");
	const char *home = step_home(ctx);
	const char *hide[] = { "/tmp", "/var/tmp", "/run", "/root", "/home" };
	char *src = src_folder(ctx);
	const char *const *e;
	size_t i;

	if (geteuid() == 0) {
		/*
		 * pvci runs each step in a PID namespace of its own but under
		 * the host's /proc, where bubblewrap would look its child up by
		 * the wrong number: a /proc of the step's namespace first. As
		 * root, bubblewrap makes its namespaces without a user
		 * namespace (which a chrooted process may not create) and the
		 * uid is dropped inside the sandbox, before the limits.
		 */
		args_add(a, "unshare");
		args_add(a, "--mount");
		args_add(a, "--propagation");
		args_add(a, "private");
		args_add(a, "--mount-proc");
		args_add(a, "--");
	} else {
		limits_argv(ctx, job, a);
	}
	args_add(a, "bwrap");
	args_add(a, "--die-with-parent");
	args_add(a, "--new-session");
	if (geteuid() == 0) {
		args_add(a, "--unshare-ipc");
		args_add(a, "--unshare-pid");
		args_add(a, "--unshare-uts");
		args_add(a, "--unshare-cgroup-try");
		if (!network)
			args_add(a, "--unshare-net");
	} else {
		args_add(a, "--unshare-all");
		args_add(a, "--unshare-user");
		if (network)
			args_add(a, "--share-net");
		args_add(a, "--uid");
		args_addf(a, "%ld", (long)geteuid());
		args_add(a, "--gid");
		args_addf(a, "%ld", (long)getegid());
	}
	args_add(a, "--hostname");
	args_add(a, "pvci-build");
	args_add(a, "--ro-bind");
	args_add(a, "/");
	args_add(a, "/");
	args_add(a, "--dev");
	args_add(a, "/dev");
	args_add(a, "--proc");
	args_add(a, "/proc");
	for (i = 0; i < sizeof(hide) / sizeof(hide[0]); i++) {
		args_add(a, "--tmpfs");
		args_add(a, hide[i]);
	}
	/* The instance: keys, database, logs, other jobs. */
	args_add(a, "--tmpfs");
	args_add(a, home);
	/* Made by bubblewrap as root they would be 0700: the build's uid passes them. */
	if (geteuid() == 0) {
		open_parents(a, home, src);
		open_parents(a, home, out_folder(job));
	}
	args_add(a, "--bind");
	args_add(a, src);
	args_add(a, src);
	args_add(a, "--bind");
	args_add(a, out_folder(job));
	args_add(a, out_folder(job));
	/* Writing anywhere in the instance but those two is an error, not a tmpfs. */
	args_add(a, "--remount-ro");
	args_add(a, home);
	args_add(a, "--chdir");
	args_add(a, job->src_dir);
	args_add(a, "--clearenv");
	args_add(a, "--setenv");
	args_add(a, "PATH");
	args_add(a, "/usr/local/bin:/usr/bin:/bin");
	args_add(a, "--setenv");
	args_add(a, "HOME");
	args_add(a, "/tmp");
	for (e = job->env; e && *e; e++) {
		const char *eq = strchr(*e, '=');

		if (!eq || eq == *e)
			continue;
		args_add(a, "--setenv");
		args_addf(a, "%.*s", (int)(eq - *e), *e);
		args_add(a, eq + 1);
	}
	args_add(a, "--");
	if (geteuid() == 0) {
		args_add(a, "setpriv");
		args_addf(a, "--reuid=%ld", uid);
		args_addf(a, "--regid=%ld", uid);
		args_add(a, "--clear-groups");
		args_add(a, "--inh-caps=-all");
		args_add(a, "--");
		limits_argv(ctx, job, a);
	}
	for (; *cmd; cmd++)
		args_add(a, *cmd);
	free(src);
}

static enum step_status
local_prepare(struct step_ctx *ctx, const struct build_job *job)
{
	const char *const *t;
	const char *const probe[] = { "true", NULL };
	const char *wrappers[] = { "bwrap", "prlimit", geteuid() == 0 ? "setpriv" : NULL,
				   geteuid() == 0 ? "unshare" : NULL };
	struct args a = { NULL, 0, 0 };
	size_t i;
	int rc;

	for (t = job->tools; t && *t; t++) {
		if (!on_path(*t)) {
			step_log(ctx, "toolchain: '%s' not found on this host: cannot build '%s'",
				 *t, job->driver);
			return STEP_BROKEN;
		}
	}
	if (!on_path(job->argv[0])) {
		step_log(ctx, "toolchain: build command '%s' not found on this host",
			 job->argv[0]);
		return STEP_BROKEN;
	}
	for (i = 0; i < sizeof(wrappers) / sizeof(wrappers[0]); i++) {
		if (wrappers[i] && !on_path(wrappers[i])) {
			step_log(ctx, "sandbox: '%s' not found on this host (Debian packages "
				 "bubblewrap and util-linux): refusing to build '%s' unconfined",
				 wrappers[i], job->driver);
			return STEP_BROKEN;
		}
	}
	if (geteuid() == 0 && hand_over(ctx, job, (uid_t)step_setting_int(ctx,
						"build.sandbox_uid")) < 0)
		return STEP_BROKEN;
	/* Namespaces may be forbidden here (a container, a sysctl): find out now. */
	sandbox_argv(ctx, job, probe, 0, &a);
	rc = step_run(ctx, (const char *const *)a.v, NULL, NULL, PROBE_TIMEOUT);
	args_release(&a);
	if (rc != 0) {
		step_log(ctx, "sandbox: bubblewrap cannot run here (exit status %d; its "
			 "message is above): refusing to build '%s' unconfined", rc,
			 job->driver);
		return STEP_BROKEN;
	}
	step_log(ctx, "sandbox: bubblewrap works; the build runs as uid %ld with the "
		 "instance hidden", geteuid() == 0 ?
		 step_setting_int(ctx, "build.sandbox_uid") : (long)geteuid());
	return STEP_PASS;
}

static enum step_status
local_run(struct step_ctx *ctx, const struct build_job *job)
{
	struct args a = { NULL, 0, 0 };
	int rc;

	sandbox_argv(ctx, job, job->argv, job->network, &a);
	rc = step_run(ctx, (const char *const *)a.v, NULL, NULL, job->timeout);
	args_release(&a);
	return build_status_of(ctx, rc, job->argv[0], job->out_dir);
}

static int
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Opens root/rel for reading without following any symlink or leaving
 * root; -1 with errno set.
 */
static int
open_beneath(const char *root, const char *rel)
{
	struct open_how how;
	int dfd, fd, saved;

	dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		return -1;
	memset(&how, 0, sizeof(how));
	how.flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
		      RESOLVE_NO_XDEV;
	fd = (int)syscall(SYS_openat2, dfd, rel, &how, sizeof(how));
	saved = errno;
	close(dfd);
	errno = saved;
	return fd;
}

/* The writable folder holding path, and path relative to it; NULL if none. */
static const char *
writable_root(struct step_ctx *ctx, const struct build_job *job, const char *path,
	      char **root)
{
	const char *cands[2];
	size_t i, n;

	*root = src_folder(ctx);
	cands[0] = out_folder(job);
	cands[1] = *root;
	for (i = 0; i < 2; i++) {
		n = strlen(cands[i]);
		if (strncmp(path, cands[i], n) == 0 && path[n] == '/') {
			if (i == 0) {
				free(*root);
				*root = xstrdup(cands[0]);
			}
			return path + n + 1;
		}
	}
	free(*root);
	*root = NULL;
	return NULL;
}

static int
local_fetch(struct step_ctx *ctx, const struct build_job *job, const char *file,
	    const char *local_path)
{
	char *from = path_join(job->out_dir, file), *root = NULL, *tmp;
	const char *rel = writable_root(ctx, job, from, &root);
	struct stat st;
	int fd, out, rc = -1;

	if (!rel) {
		step_log(ctx, "output folder '%s' is outside the build's folders", job->out_dir);
		free(from);
		return -1;
	}
	fd = open_beneath(root, rel);
	if (fd < 0) {
		if (errno == ENOENT) {
			rc = 1;
		} else if (errno == ELOOP || errno == EXDEV) {
			step_log(ctx, "refusing output '%s': it is or goes through a symlink "
				 "or a mount point", from);
			rc = 2;
		} else {
			step_log(ctx, "cannot open output '%s': %s", from, strerror(errno));
		}
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    st.st_size > FETCH_MAX) {
		step_log(ctx, "refusing output '%s': not a plain regular file of its own "
			 "(a device, a folder, a hard link or too big)", from);
		close(fd);
		rc = 2;
		goto out;
	}
	tmp = xasprintf("%s.part", local_path);
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (out < 0) {
		error("cannot create '%s'", tmp);
	} else {
		char buf[65536];
		ssize_t n;
		long long total = 0;

		rc = 0;
		while ((n = read(fd, buf, sizeof(buf))) > 0) {
			total += n;
			if (total > FETCH_MAX || write_all(out, buf, (size_t)n) < 0) {
				rc = -1;
				break;
			}
		}
		if (n < 0)
			rc = -1;
		if (close(out) < 0)
			rc = -1;
		if (rc == 0 && rename(tmp, local_path) < 0)
			rc = -1;
		if (rc < 0) {
			error("cannot copy '%s' to '%s'", from, local_path);
			unlink(tmp);
		}
	}
	free(tmp);
	close(fd);
out:
	free(root);
	free(from);
	return rc;
}

const struct build_executor build_executor_local = {
	.name = "local",
	.prepare = local_prepare,
	.run = local_run,
	.fetch = local_fetch,
	.release = NULL,
};
