/*
 * The toolstack: how pvci makes, runs and watches guests.
 *
 * One interface with a backend per toolstack, chosen by name at open time
 * ("libvirt" for any libvirt URI, "xl" for Xen's xl command). The public
 * functions check their arguments, then call the backend if it implements
 * the operation, otherwise they report "operation 'X' is not supported by
 * toolstack 'Y'" and return -1. Errors are reported once, where they
 * happen, naming the domain; callers only propagate -1.
 *
 * Handles of the underlying library (virConnectPtr, virDomainPtr,
 * virStreamPtr) never leave their backend.
 *
 * Everything here is single-threaded. The libvirt backend runs libvirt's
 * default event loop only while the caller waits (ts_console_read,
 * toolstack_wait): that is when lifecycle events and console data arrive.
 */
#ifndef PVCI_TOOLSTACK_H
#define PVCI_TOOLSTACK_H

#include <stddef.h>
#include <sys/types.h>

struct toolstack;
struct ts_domain;
struct ts_console;

enum ts_state {
	TS_STATE_UNDEFINED = 0,	/* no such domain */
	TS_STATE_OFF,		/* defined, not running */
	TS_STATE_RUNNING,
	TS_STATE_PAUSED,
	TS_STATE_SHUTTING_DOWN,
	TS_STATE_CRASHED,
	TS_STATE_OTHER,
};

/* Lifecycle events, as they reach a waiting step. */
enum ts_event {
	TS_EVENT_NONE = 0,
	TS_EVENT_STARTED,
	TS_EVENT_STOPPED,	/* shut down, destroyed, or gone after a crash */
	TS_EVENT_CRASHED,	/* the guest crashed or panicked */
	TS_EVENT_SUSPENDED,
	TS_EVENT_RESUMED,
	TS_EVENT_REBOOTED,	/* the guest reset itself (reboot); it runs on */
	TS_EVENT_OTHER,
	TS_EVENT_EMULATOR_DIED,	/* stopped without the guest asking (emulator killed or crashed) */
};

const char *ts_state_name(enum ts_state state);
const char *ts_event_name(enum ts_event event);

struct toolstack_opts {
	const char *backend;		/* "libvirt" or "xl" */
	const char *uri;		/* libvirt connection URI */
	const char *domain_type;	/* kvm, qemu, xen */
	const char *state_dir;		/* where the xl backend keeps its xl.cfg files */
	/*
	 * xl in a Xen host's dom0 over SSH: uri "ssh://root@127.0.0.1:PORT",
	 * the private key, and the known_hosts file pinning that host's key.
	 * Without an ssh:// uri the xl backend runs xl on this machine.
	 */
	const char *ssh_key;
	const char *ssh_known_hosts;
	const char *ssh_control;	/* a shared connection's socket, or NULL */
	/* toolstack_shutdown's bound in seconds for xl before destroy (0: 60). */
	int shutdown_timeout;
};

/*
 * Connects. NULL on error (reported, naming the URI). A connection that
 * cannot be made is an infrastructure fault: steps report it as broken.
 */
struct toolstack *toolstack_open(const struct toolstack_opts *opts);
void toolstack_close(struct toolstack *ts);

const char *toolstack_name(const struct toolstack *ts);	/* the backend's name */
const char *toolstack_domain_type(const struct toolstack *ts);
/* The name of a guest-images/KIND/ template file for this backend. */
const char *toolstack_template_file(const struct toolstack *ts);
/*
 * 1 while the connection to the toolstack works, 0 when it is lost (the
 * daemon went away). Steps use it to tell "broken" from "fail" after an
 * error.
 */
int toolstack_alive(struct toolstack *ts);

/*
 * Domains. A struct ts_domain names one domain; it stays valid across
 * start, destroy, save and restore, and is freed by ts_domain_free (the
 * domain itself is untouched).
 */
/* Defines a persistent domain from config (libvirt XML or xl.cfg text). */
int toolstack_define(struct toolstack *ts, const char *name, const char *config,
		     struct ts_domain **out);
/* 1 and *out when the domain exists, 0 when it does not, -1 on error. */
int toolstack_lookup(struct toolstack *ts, const char *name, struct ts_domain **out);
/* Names of every domain whose name starts with prefix (NULL-terminated). */
int toolstack_list(struct toolstack *ts, const char *prefix, char ***names);
void ts_domain_free(struct ts_domain *dom);
const char *ts_domain_name(const struct ts_domain *dom);
struct toolstack *ts_domain_toolstack(struct ts_domain *dom);

int toolstack_start(struct ts_domain *dom);
/* Stops at once (pulls the plug); a domain already off is not an error. */
int toolstack_destroy(struct ts_domain *dom);
/* Removes the definition; the domain must be off. */
int toolstack_undefine(struct ts_domain *dom);
/* Asks the guest to shut down (ACPI); returns before it has. */
int toolstack_shutdown(struct ts_domain *dom);
/* Saves a running domain's memory to path and stops it. */
int toolstack_save(struct ts_domain *dom, const char *path);
/* Restores a domain saved by toolstack_save; it runs again. */
int toolstack_restore(struct ts_domain *dom, const char *path);
int toolstack_state(struct ts_domain *dom, enum ts_state *state);
/*
 * 1 when the domain is off because it crashed (libvirt: shut off, reason
 * crashed; the guest panicked, or its emulator died under it), 0 when not
 * or when the backend cannot tell, -1 on error (reported).
 */
int toolstack_off_after_crash(struct ts_domain *dom);
/*
 * Changes the medium of the CD-ROM drive target ("hdc") of a running
 * domain: path is an ISO image, or NULL to eject.
 */
int toolstack_media_change(struct ts_domain *dom, const char *target, const char *path);

/*
 * Events. Lifecycle events of a domain are queued from the moment its
 * handle exists; toolstack_next_event pops the oldest (1), or says there is
 * none (0). toolstack_wait waits at most timeout_ms for anything to happen
 * (an event, console data) and dispatches it.
 */
int toolstack_next_event(struct ts_domain *dom, enum ts_event *event);
int toolstack_wait(struct toolstack *ts, int timeout_ms);

/*
 * Consoles: a byte stream to the guest's character device dev ("serial1").
 * ts_console_read returns the number of bytes read (> 0), 0 when
 * timeout_ms passed without data, -1 on error or when the console closed
 * (reported). ts_console_write writes all of buf or fails.
 */
int toolstack_console_open(struct ts_domain *dom, const char *dev, struct ts_console **out);
ssize_t ts_console_read(struct ts_console *con, void *buf, size_t len, int timeout_ms);
int ts_console_write(struct ts_console *con, const void *buf, size_t len, int timeout_ms);
void ts_console_close(struct ts_console *con);
struct ts_domain *ts_console_domain(struct ts_console *con);

#endif
