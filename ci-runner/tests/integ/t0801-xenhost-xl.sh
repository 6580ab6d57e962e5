#!/bin/bash
# pvci's xl backend against a real Xen host, over SSH: a PV guest (Debian's
# kernel and a tiny initrd, from the host image) created from an xl.cfg,
# listed (xl list -l), saved, restored, shut down (bounded, then
# destroyed), destroyed; xl missing in dom0 and a dead dom0 are broken,
# with the reason.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/guest-lib.sh"
. "$(dirname "$0")/xen-lib.sh"
xen_setup
plan 21

g="$XEN_PREFIX-pv1"
save=/var/lib/pvci/save/$g.save
xen_image || { sed 's/^/# /' "$TEST_DIR/image.out" | tail -n 20; }
guest_config guest.shutdown_timeout 10
pvci xenhost start --image "$XEN_IMAGE" >"$TEST_DIR/start.out" 2>"$TEST_DIR/start.err"; rc=$?
is "the Xen host boots" "$rc" 0
[ "$rc" = 0 ] || tail -n 30 "$TEST_DIR/start.err" | sed 's/^/# /'

dom() { pvci xenhost domain "$g" "$@"; }
# The domain's id as the real xl lists it (JSON), or nothing.
domid() { pvci xenhost run xl list -l | jq -r --arg n "$g" '.[] | select(.config.c_info.name == $n) | .domid'; }

pvci xenhost run cat /var/lib/pvci/pvguest.cfg | sed "s/NAME/$g/" >"$TEST_DIR/pv.cfg"
like "the host image carries a PV guest config" "$(cat "$TEST_DIR/pv.cfg")" "^kernel = \"/var/lib/pvci/vmlinuz\""
dom create "$TEST_DIR/pv.cfg" >"$TEST_DIR/create.out" 2>&1; rc=$?
is "create from xl.cfg" "$rc" 0
[ "$rc" = 0 ] || tail -n 20 "$TEST_DIR/create.out" | sed 's/^/# /'
is "state: running" "$(dom state 2>&1)" running
is "listed by prefix" "$(pvci xenhost domain "$XEN_PREFIX-" list 2>&1)" "$g"
id1=$(domid)
like "xl list -l in dom0 shows it" "$id1" '^[1-9][0-9]*$'
check "the guest's kernel reaches its init (console in dom0)" xen_console_wait "$g" "pvci-pvguest: up" 300

dom save "$save" >"$TEST_DIR/save.out" 2>&1; rc=$?
is "save" "$rc" 0
[ "$rc" = 0 ] || grep -v progress "$TEST_DIR/save.out" | tail -n 20 | sed 's/^/# /'
is "saved: shut off, still defined" "$(dom state 2>&1)" "shut off"
check "the save file is in dom0" pvci xenhost run test -s "$save"
dom restore "$save" >"$TEST_DIR/restore.out" 2>&1; rc=$?
is "restore" "$rc" 0
[ "$rc" = 0 ] || tail -n 20 "$TEST_DIR/restore.out" | sed 's/^/# /'
is "restored: running" "$(dom state 2>&1)" running
id2=$(domid)
like "as a new domain" "$id2:$id1" '^[1-9][0-9]*:'
[ "$id2" != "$id1" ] && ok "... whose id changed" || not_ok "... whose id changed ($id1 -> $id2)"

dom shutdown >"$TEST_DIR/shutdown.out" 2>&1; rc=$?
is "shutdown (bounded by guest.shutdown_timeout, then destroy)" "$rc" 0
is "after shutdown: off" "$(dom state 2>&1)" "shut off"
dom destroy >/dev/null 2>&1
is "destroyed and undefined: nothing left by that name" \
	"$(pvci xenhost domain "$XEN_PREFIX-" list 2>&1; domid)" ""

# xl missing in dom0: broken, saying so (then put back).
pvci xenhost run mv /usr/lib/xen-4.17/bin/xl /usr/lib/xen-4.17/bin/xl.off
out=$(pvci xenhost domain "$XEN_PREFIX-" list 2>&1); rc=$?
is "xl missing in dom0: broken" "$rc" 2
like "... with the reason" "$out" "'xl' not found in dom0"
pvci xenhost run mv /usr/lib/xen-4.17/bin/xl.off /usr/lib/xen-4.17/bin/xl

# dom0 gone behind pvci's back: broken, as a dead SSH link.
virsh_q destroy "$XEN_DOMAIN" >/dev/null 2>&1
out=$(pvci xenhost domain "$XEN_PREFIX-" list 2>&1); rc=$?
is "dom0 killed: broken" "$rc" 2
like "... as a failed SSH link" "$out" "SSH link to .* failed"
