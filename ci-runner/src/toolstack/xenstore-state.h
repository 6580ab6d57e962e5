/*
 * The xenstore handshake of a guest's PV devices, judged from a listing in
 * the format of "xenstore-ls -f" (one "PATH = \"VALUE\"" a line). Pure: no
 * I/O, so it is unit-tested on recorded listings.
 *
 * A frontend is /local/domain/DOMID/device/TYPE/DEVID; its backend is the
 * path its "backend" key names (else /local/domain/0/backend/TYPE/DOMID/
 * DEVID). Every frontend and every backend of the guest must be in state 4
 * (XenbusStateConnected), which is what the Windows PV drivers are judged
 * by; a backend without a frontend, or the reverse, counts as not connected.
 * Console devices (vfb, console) are not under device/ and are not checked.
 */
#ifndef PVCI_XENSTORE_STATE_H
#define PVCI_XENSTORE_STATE_H

#include "util.h"

#define XENBUS_STATE_CONNECTED 4

struct xs_check {
	int devices;	/* frontends found */
	int connected;	/* frontends whose frontend and backend are both in state 4 */
};

/*
 * Judges listing for domid: fills *out and appends one line a device to
 * report ("vif/0: frontend 4 (connected), backend 4 (connected)"). Returns
 * 0 when every device is connected and there is at least one, 1 when not,
 * -1 when the listing is not in the expected format (reported in report).
 */
int xenstore_state_check(const char *listing, long domid, struct strbuf *report,
			 struct xs_check *out);

/* Names of the xenbus states ("initialising", ..., "connected"), or "unknown". */
const char *xenbus_state_name(int state);

#endif
