#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/openat2.h>
#include <openssl/evp.h>

#include "keys.h"
#include "log.h"
#include "proc.h"
#include "signer.h"
#include "sums.h"
#include "token.h"
#include "util.h"

#define SIGN_MAX (512LL * 1024 * 1024)
#define TOOL_TIMEOUT 300

enum kind { K_PE, K_CAT, K_MSI, K_NONE };

static enum kind
kind_of_name(const char *name)
{
	static const struct { const char *ext; enum kind k; } exts[] = {
		{ ".sys", K_PE }, { ".dll", K_PE }, { ".exe", K_PE },
		{ ".cat", K_CAT }, { ".msi", K_MSI },
	};
	size_t n = strlen(name), i;

	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (n > 4 && strcasecmp(name + n - 4, exts[i].ext) == 0)
			return exts[i].k;
	return K_NONE;
}

int
signer_name_is_signable(const char *name)
{
	return name_is_valid(name) && kind_of_name(name) != K_NONE;
}

/* Whether the first bytes of a file of size bytes are those of its kind. */
static int
bytes_match(enum kind k, const unsigned char *h, size_t len, long long size)
{
	static const unsigned char ole[] = { 0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1 };
	static const unsigned char signed_data[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
						     0x0d, 0x01, 0x07, 0x02 };
	unsigned long pe;

	switch (k) {
	case K_PE:
		if (len < 0x40 || h[0] != 'M' || h[1] != 'Z')
			return 0;
		pe = h[0x3c] | (unsigned long)h[0x3d] << 8 | (unsigned long)h[0x3e] << 16 |
		     (unsigned long)h[0x3f] << 24;
		return pe + 4 <= len && (long long)pe + 4 <= size && !memcmp(h + pe, "PE\0\0", 4);
	case K_CAT:
		return len > 32 && h[0] == 0x30 && memmem(h, 32, signed_data, sizeof(signed_data));
	case K_MSI:
		return len >= sizeof(ole) && !memcmp(h, ole, sizeof(ole));
	default:
		return 0;
	}
}

/* A refusal: the build's outputs are wrong, not the signer. Returns -2. */
static int
refused(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
refused(const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	errorx("%s", msg);
	free(msg);
	return -2;
}

static int
open_beneath(const char *dir, const char *name)
{
	struct open_how how;
	int dfd, fd, saved;

	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	memset(&how, 0, sizeof(how));
	how.flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
		      RESOLVE_NO_XDEV;
	fd = (int)syscall(SYS_openat2, dfd, name, &how, sizeof(how));
	saved = errno;
	close(dfd);
	errno = saved;
	return fd;
}

/* Copies the checked file name of src_dir into the private path to. */
static int
take_copy(const char *src_dir, const char *name, const char *to)
{
	unsigned char head[4096];
	struct stat st;
	ssize_t n, got = 0;
	int fd, out, rc = -1;
	enum kind k = kind_of_name(name);

	if (!name_is_valid(name) || strchr(name, '/') || k == K_NONE)
		return refused("refusing to sign '%s': not a PE image (.sys, .dll, .exe), "
			      "catalog (.cat) or MSI (.msi) file name", name);
	fd = open_beneath(src_dir, name);
	if (fd < 0) {
		if (errno == ELOOP || errno == EXDEV)
			return refused("refusing to sign '%s': a symlink, or outside '%s'", name,
				       src_dir);
		return error("cannot open '%s' in '%s'", name, src_dir);
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    st.st_size > SIGN_MAX) {
		close(fd);
		return refused("refusing to sign '%s': not a plain file of its own (or over %lld "
			       "bytes)", name, SIGN_MAX);
	}
	while (got < (ssize_t)sizeof(head) && (n = read(fd, head + got, sizeof(head) - (size_t)got)) > 0)
		got += n;
	if (!bytes_match(k, head, (size_t)got, (long long)st.st_size)) {
		close(fd);
		return refused("refusing to sign '%s': its bytes are not those of a %s", name,
			       k == K_PE ? "PE image" : k == K_CAT ? "catalog" : "MSI package");
	}
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (out < 0) {
		close(fd);
		return error("cannot create '%s'", to);
	}
	if (lseek(fd, 0, SEEK_SET) == 0) {
		char buf[65536];

		rc = 0;
		while ((n = read(fd, buf, sizeof(buf))) > 0) {
			char *p = buf;

			while (n > 0) {
				ssize_t w = write(out, p, (size_t)n);

				if (w <= 0) {
					rc = -1;
					break;
				}
				p += w;
				n -= w;
			}
			if (rc < 0)
				break;
		}
		if (n < 0)
			rc = -1;
	}
	if (close(out) < 0)
		rc = -1;
	close(fd);
	if (rc < 0)
		error("cannot copy '%s' to '%s'", name, to);
	return rc;
}

static void
log_argv(int log_fd, const char *const *argv)
{
	struct strbuf sb;
	const char *const *a;

	strbuf_init(&sb);
	strbuf_adds(&sb, "signer: run:");
	for (a = argv; *a; a++) {
		strbuf_adds(&sb, " ");
		strbuf_adds(&sb, *a);
	}
	strbuf_adds(&sb, "\n");
	if (write(log_fd, sb.buf, sb.len) < 0) {
		/* The log is best effort; the outcome is reported anyway. */
	}
	strbuf_release(&sb);
}

static int
osslsign(const struct keys_paths *kp, const char *in, const char *out, const char *desc,
	 int log_fd)
{
	const char *argv[32];
	struct proc_opts po = { .out_fd = log_fd, .timeout = TOOL_TIMEOUT };
	int n = 0, rc;

	argv[n++] = "osslsigncode";
	argv[n++] = "sign";
	if (keys_is_pkcs11(kp->key)) {
		if (kp->pkcs11_engine) {
			argv[n++] = "-pkcs11engine";
			argv[n++] = kp->pkcs11_engine;
		}
		argv[n++] = "-pkcs11module";
		argv[n++] = kp->pkcs11_module;
		/* The PIN: read by osslsigncode from the 0600 file, never on argv. */
		argv[n++] = "-readpass";
		argv[n++] = kp->pin_file;
	}
	argv[n++] = "-certs";
	argv[n++] = kp->chain;
	argv[n++] = "-key";
	argv[n++] = kp->key;
	argv[n++] = "-h";
	argv[n++] = "sha256";
	argv[n++] = "-n";
	argv[n++] = desc;
	if (kp->timestamp_url) {
		argv[n++] = "-ts";
		argv[n++] = kp->timestamp_url;
	}
	argv[n++] = "-in";
	argv[n++] = in;
	argv[n++] = "-out";
	argv[n++] = out;
	argv[n] = NULL;
	log_argv(log_fd, argv);
	rc = proc_run(argv, &po);
	if (rc != 0)
		return errorx("cannot sign '%s' (osslsigncode exit status %d)", in, rc);
	{
		const char *vargv[] = { "osslsigncode", "verify", "-CAfile", kp->ca, "-in", out,
					NULL };

		log_argv(log_fd, vargv);
		rc = proc_run(vargv, &po);
	}
	if (rc != 0)
		return errorx("signed '%s' does not verify against CA '%s' (exit status %d)",
			      out, kp->ca, rc);
	return 0;
}

static int
sign_all(const struct keys_paths *kp, const char *src_dir, const char *const *names, int n,
	 const char *dst_dir, const char *work_dir, const char *desc, int log_fd)
{
	char *priv = path_join(work_dir, "signer.XXXXXX");
	int i, rc = 0;

	if (mkdir_p(work_dir, 0755) < 0 || !mkdtemp(priv)) {
		error("cannot make the signer's private folder '%s'", priv);
		free(priv);
		return -1;
	}
	for (i = 0; i < n && rc == 0; i++) {
		char *in = xasprintf("%s/in-%s", priv, names[i]);
		char *out = xasprintf("%s/out-%s", priv, names[i]);
		char *dst = path_join(dst_dir, names[i]);

		rc = take_copy(src_dir, names[i], in);
		if (rc == 0)
			rc = osslsign(kp, in, out, desc, log_fd);
		if (rc == 0)
			rc = copy_file(out, dst, 0644);
		if (rc == 0)
			dprintf(log_fd, "signer: signed and verified '%s'\n", dst);
		free(in);
		free(out);
		free(dst);
	}
	remove_tree(priv);
	free(priv);
	return rc;
}

/* Runs fn in a child process; its messages go to log_fd. */
static int
in_child(int (*fn)(void *), void *arg, int log_fd)
{
	pid_t pid;
	int status, rc;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return error("cannot start the signing process");
	if (pid == 0) {
		if (log_fd >= 0 && log_fd != 2)
			dup2(log_fd, 2);
		rc = fn(arg);
		_exit(rc == 0 ? 0 : rc == -2 ? 2 : 1);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return error("cannot wait for the signing process");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 2)
		return -2;
	if (WIFSIGNALED(status))
		errorx("the signing process was killed by signal %d", WTERMSIG(status));
	return -1;
}

struct files_req {
	const struct keys_paths *kp;
	const char *src_dir, *dst_dir, *work_dir, *desc;
	const char *const *names;
	int n, log_fd;
};

static int
files_child(void *arg)
{
	struct files_req *r = arg;

	token_env(r->kp);
	return sign_all(r->kp, r->src_dir, r->names, r->n, r->dst_dir, r->work_dir, r->desc,
			r->log_fd);
}

int
signer_sign_files(const struct keys_paths *kp, const char *src_dir, const char *const *names,
		  int n, const char *dst_dir, const char *work_dir, const char *desc, int log_fd)
{
	struct files_req r = { kp, src_dir, dst_dir, work_dir, desc, names, n, log_fd };

	if (n == 0)
		return 0;
	return in_child(files_child, &r, log_fd);
}

struct cms_req {
	const struct keys_paths *kp;
	const char *data, *sig;
};

static int
cms_child(void *arg)
{
	struct cms_req *r = arg;
	EVP_PKEY *pkey = keys_load_signing_key(r->kp);
	int rc;

	if (!pkey)
		return -1;
	rc = sums_sign_pkey(r->data, r->kp->cert, pkey, r->kp->chain, r->sig);
	EVP_PKEY_free(pkey);
	return rc;
}

int
signer_sign_cms(const struct keys_paths *kp, const char *data_path, const char *sig_path,
		int log_fd)
{
	struct cms_req r = { kp, data_path, sig_path };

	return in_child(cms_child, &r, log_fd);
}
