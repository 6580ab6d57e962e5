#!/bin/bash
# libvirtd (a private one this test starts, killed by its pid with SIGKILL)
# dies while guest-start waits for a new guest's agent, and is started again
# at once, as its supervisor would: guest-start is broken (the toolstack
# failed, not the guest) and its note says the connection was lost; the
# always steps reach the restarted daemon and clean up; no domain, overlay
# or QEMU is left; the next job on the same host passes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/guest-lib.sh"
. "$(dirname "$0")/fault-lib.sh"
fault_guest_setup
plan 9
guest_image

job=test-x64-linux-lvkill
jq -n '{
  name: "lvkill",
  jobs: [
    { name: "test-x64-linux-lvkill", runvars: { image: "testguest", cmd_hello: "echo hello" },
      steps: [ { step: "guest-start" }, { step: "guest-run", as: "hello" },
               { step: "capture-logs" }, { step: "cleanup" } ] },
    { name: "test-x64-linux-after", runvars: { image: "testguest", cmd_hello: "echo hello-after" },
      steps: [ { step: "guest-start" }, { step: "guest-run", as: "hello" },
               { step: "capture-logs" }, { step: "cleanup" } ] } ] }' >"$TEST_DIR/lvkill.json"
f=$(pvci flight create "$TEST_DIR/lvkill.json")
"$PVCI_BIN" flight run "$f" >"$TEST_DIR/run.out" 2>&1 &
runner=$!
at_exit "kill $runner 2>/dev/null"
dom="$GUEST_PREFIX-$f-$job"
# The domain runs and guest-start waits for its agent.
fault_wait_step "$f" $job guest-start "domain '$dom' started in"
for ((i = 0; i < 600; i++)); do
	virsh -q -c "$GUEST_URI" list --name 2>/dev/null | grep -qx "$dom" && break
	sleep 0.5
done
is "guest-start runs with its domain up" \
	"$(step_status "$f" $job guest-start)/$(virsh -q -c "$GUEST_URI" domstate "$dom" 2>/dev/null)" "running/running"
fault_libvirtd_kill
fault_libvirtd_start
wait "$runner"; rc=$?
is "the flight is broken (exit 2)" "$rc" 2
is "guest-start is broken, not failed" "$(step_status "$f" $job guest-start)" broken
like "its note says libvirt went away" "$(step_note "$f" $job guest-start)" \
	"the toolstack is unreachable: broken, not a guest failure"
is "capture-logs reached the restarted daemon" "$(step_status "$f" $job capture-logs)" pass
is "cleanup too" "$(step_status "$f" $job cleanup)" pass
check "no domain and no overlay remain" guest_gone "$f" $job
check "no QEMU is left" fault_no_qemu_left
is "the next job on the same host passes" "$(job_status "$f" test-x64-linux-after)" pass
