/*
 * A Xen test host that is itself a QEMU guest of this machine (built by
 * guest-images/xenhost/build.sh): booted through a libvirt connection
 * (TCG here, KVM on real hardware), dom0 reached over SSH on a loopback
 * port forward of QEMU's user-mode network (hostfwd), with a key pair and
 * an SSH host key made for each start and pinned in a known_hosts file.
 *
 * State directory (one per host, e.g. INSTANCE/xenhost/):
 *   id_ed25519, id_ed25519.pub   the client key (root's authorized key)
 *   ssh_host_ed25519_key[.pub]   dom0's host key
 *   known_hosts                  "[127.0.0.1]:PORT <host key>"
 *   initrd.img                   the image's initramfs + a cpio with the keys
 *   console.log                  Xen's and dom0's serial console
 *   host.json                    domain, libvirt uri, port (while it runs)
 *   ssh.ctl                      the shared SSH connection (ControlMaster)
 */
#ifndef PVCI_XENHOST_H
#define PVCI_XENHOST_H

struct toolstack_opts;

struct xenhost_opts {
	const char *image_dir;	/* a built xenhost image (image.json, xen, ...) */
	const char *state_dir;
	const char *domain;	/* the libvirt domain name of the host VM */
	const char *uri;	/* libvirt, e.g. qemu:///system */
	const char *domain_type;	/* qemu (TCG) or kvm */
	const char *emulator;	/* qemu-system-x86_64 */
	int memory_mib;		/* 0: 3072 */
	int vcpus;		/* 0: 2 */
	int boot_timeout;	/* seconds to dom0 answering "xl info"; 0: 900 */
};

/*
 * Boots the host and waits until dom0 answers "xl info" over SSH. On
 * failure the VM is destroyed again and the console log's tail reported.
 */
int xenhost_start(const struct xenhost_opts *opts);

/*
 * Destroys and undefines the host VM recorded in state_dir/host.json (if
 * any), and forgets it. 0 also when nothing ran.
 */
int xenhost_stop(const char *state_dir);

/* How to reach a running host's dom0 (strings owned by the struct). */
struct xenhost_ssh {
	char *uri;		/* "ssh://root@127.0.0.1:PORT", for the xl backend */
	char *target;		/* "root@127.0.0.1" */
	char *port;
	char *key;
	char *known_hosts;
	char *control;		/* the shared SSH connection's socket */
};

/* Fills ssh from state_dir/host.json: 0, or -1 when no host runs there. */
int xenhost_ssh_load(const char *state_dir, struct xenhost_ssh *ssh);
void xenhost_ssh_release(struct xenhost_ssh *ssh);

/*
 * Runs argv in dom0 of the host running from state_dir, its output on this
 * process's stdout and stderr. Returns the remote exit status, or -1 (and
 * SSH_LINK_FAILED, 255, when the link failed), reported.
 */
int xenhost_run(const char *state_dir, const char *const argv[]);

#endif
