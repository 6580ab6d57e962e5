#!/bin/bash
# The xenstore-state step on a real Xen host: a PV guest whose vif connects
# passes; one whose vif frontend never loads (netfront left out) fails with
# the states and the guest's xenstore subtree in the step log; without a
# host the step is broken.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/guest-lib.sh"
. "$(dirname "$0")/xen-lib.sh"
xen_setup
plan 11

ok_dom="$XEN_PREFIX-vifok"
bad_dom="$XEN_PREFIX-vifbad"
recipe="$TEST_DIR/xs.json"
jq -n --arg ok "$ok_dom" --arg bad "$bad_dom" '{
  name: "xenstore", trees: [],
  jobs: [
    { name: "test-x64-xen-vifok", trees: [], runvars: { xen_domain: $ok },
      steps: [ { step: "xenstore-state" } ] },
    { name: "test-x64-xen-vifbad", trees: [], runvars: { xen_domain: $bad },
      steps: [ { step: "xenstore-state" } ] } ] }' >"$recipe"

# No host: broken, saying so.
f0=$(pvci flight create "$recipe")
pvci flight run "$f0" >/dev/null 2>&1
is "no Xen host: broken" "$(step_status "$f0" test-x64-xen-vifok xenstore-state)" broken
like "... saying so" "$(cat "$(guest_step_log "$f0" test-x64-xen-vifok xenstore-state)")" \
	"no Xen host runs for this instance"

xen_image || sed 's/^/# /' "$TEST_DIR/image.out" | tail -n 20
pvci xenhost start --image "$XEN_IMAGE" >"$TEST_DIR/start.out" 2>"$TEST_DIR/start.err"; rc=$?
is "the Xen host boots" "$rc" 0
[ "$rc" = 0 ] || tail -n 30 "$TEST_DIR/start.err" | sed 's/^/# /'

# Both guests: the tiny PV guest with a vif on the null hotplug script; the
# bad one boots without xen-netfront.
pvci xenhost run cat /var/lib/pvci/pvguest.cfg >"$TEST_DIR/pv.cfg.in"
{ sed "s/NAME/$ok_dom/" "$TEST_DIR/pv.cfg.in"; echo "vif = ['script=vif-pvci-null']"; } >"$TEST_DIR/ok.cfg"
{ sed -e "s/NAME/$bad_dom/" -e 's/^extra = "\(.*\)"/extra = "\1 pvci.skip=xen-netfront"/' \
	"$TEST_DIR/pv.cfg.in"; echo "vif = ['script=vif-pvci-null']"; } >"$TEST_DIR/bad.cfg"
check "a guest with a vif starts" pvci xenhost domain "$ok_dom" create "$TEST_DIR/ok.cfg"
check "a guest without netfront starts" pvci xenhost domain "$bad_dom" create "$TEST_DIR/bad.cfg"
check "the first reaches its init" xen_console_wait "$ok_dom" "pvci-pvguest: up" 300
check "the second reaches its init, netfront left out" xen_console_wait "$bad_dom" "skipping xen-netfront" 300

f=$(pvci flight create "$recipe")
pvci flight run "$f" >"$TEST_DIR/run.out" 2>&1
is "vif connected: xenstore-state passes" "$(step_status "$f" test-x64-xen-vifok xenstore-state)" pass
okl=$(cat "$(guest_step_log "$f" test-x64-xen-vifok xenstore-state)")
like "... with the vif's states in the log" "$okl" "vif/0: frontend 4 \(connected\), backend 4 \(connected\)"
is "vif never connected: fails" "$(step_status "$f" test-x64-xen-vifbad xenstore-state)" fail
badl=$(cat "$(guest_step_log "$f" test-x64-xen-vifbad xenstore-state)")
like "... with the states and the subtree in the log" \
	"$(grep -E 'vif/0: frontend|xenstore subtree|/backend/vif/[0-9]+/0/state' <<<"$badl" | paste -sd'|')" \
	'vif/0: frontend [0-9] \([a-z-]+\), backend [0-9] \([a-z-]+\).*\|.*xenstore subtree.*\|.*backend/vif/[0-9]+/0/state'
grep -E 'frontend|subtree' <<<"$badl" | head -n 3 | sed 's/^/# /'
pvci xenhost domain "$ok_dom" destroy >/dev/null 2>&1
pvci xenhost domain "$bad_dom" destroy >/dev/null 2>&1
