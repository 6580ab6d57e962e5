#!/bin/bash
# libvirtd (a private one this test starts, killed by its pid with SIGKILL)
# dies while guest-saverestore saves the guest to its file, and is started again at
# once, as its supervisor would: guest-saverestore is broken (the toolstack
# failed, not the driver), with a note saying so; the always steps reach
# the restarted daemon (which took the QEMU back) and clean up; no save file,
# domain, overlay or QEMU is left; the next job on the same host passes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/guest-lib.sh"
. "$(dirname "$0")/fault-lib.sh"
fault_guest_setup
plan 10
guest_image

job=test-x64-linux-lvkill
jq -n '{
  name: "lvkill",
  jobs: [
    { name: "test-x64-linux-lvkill", runvars: { image: "testguest" },
      steps: [ { step: "guest-start" }, { step: "guest-saverestore" },
               { step: "capture-logs" }, { step: "cleanup" } ] },
    { name: "test-x64-linux-after", runvars: { image: "testguest", cmd_hello: "echo hello-after" },
      steps: [ { step: "guest-start" }, { step: "guest-run", as: "hello" },
               { step: "capture-logs" }, { step: "cleanup" } ] } ] }' >"$TEST_DIR/lvkill.json"
f=$(pvci flight create "$TEST_DIR/lvkill.json")
"$PVCI_BIN" flight run "$f" >"$TEST_DIR/run.out" 2>&1 &
runner=$!
at_exit "kill $runner 2>/dev/null"
dom="$GUEST_PREFIX-$f-$job"
save="$PVCI_HOME/work/$f/$job/guest.save"
fault_wait_step "$f" $job guest-saverestore
# Bounded, and short: a save takes a second or two.
for ((i = 0; i < 3000; i++)); do
	[ -s "$save" ] && break
	sleep 0.02
done
check "the save is being written" test -s "$save"
fault_libvirtd_kill
fault_libvirtd_start
wait "$runner"; rc=$?
is "the flight is broken (exit 2)" "$rc" 2
is "guest-saverestore is broken, not failed" "$(step_status "$f" $job guest-saverestore)" broken
like "its note says the toolstack went away" "$(step_note "$f" $job guest-saverestore)" \
	"the toolstack is unreachable: broken, not a guest failure"
is "capture-logs reached the restarted daemon" "$(step_status "$f" $job capture-logs)" pass
is "cleanup too" "$(step_status "$f" $job cleanup)" pass
check "no domain and no overlay remain" guest_gone "$f" $job
check "no save file is left" test ! -e "$save"
check "no QEMU is left" fault_no_qemu_left
is "the next job on the same host passes" "$(job_status "$f" test-x64-linux-after)" pass
