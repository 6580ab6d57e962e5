#!/bin/bash
# QEMU killed under the guest (kill -9 of its pid, from libvirt's pid file)
# while network-stress runs: the step is broken (the host's emulator died,
# not the driver under test) with a note saying the emulator died; the
# always steps still run; no domain, overlay or iperf3 server is left; the
# next job on the same host passes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/guest-lib.sh"
guest_setup
plan 9
guest_image
# A port of this test's own, so that another test's iperf3 server is not ours.
port=$((20000 + $$ % 20000))
guest_config network.iperf3_port "$port"

job=test-x64-linux-qemukill
jq -n '{
  name: "qemukill",
  jobs: [
    { name: "test-x64-linux-qemukill",
      runvars: { image: "testguest", network_runtime: "60" },
      steps: [ { step: "guest-start" }, { step: "network-stress", timeout: 400 },
               { step: "capture-logs" }, { step: "cleanup" } ] },
    { name: "test-x64-linux-after",
      runvars: { image: "testguest", cmd_hello: "echo hello-after" },
      steps: [ { step: "guest-start" }, { step: "guest-run", as: "hello" },
               { step: "capture-logs" }, { step: "cleanup" } ] } ] }' >"$TEST_DIR/qemukill.json"
f=$(pvci flight create "$TEST_DIR/qemukill.json")
"$PVCI_BIN" flight run "$f" >"$TEST_DIR/run.out" 2>&1 &
runner=$!
at_exit "kill $runner 2>/dev/null"
dom="$GUEST_PREFIX-$f-$job"
# Bounded wait until the iperf3 client runs in the guest.
for ((i = 0; i < 600; i++)); do
	if [ "$(step_status "$f" $job network-stress 2>/dev/null)" = running ]; then
		log=$(guest_step_log "$f" $job network-stress)
		grep -q "\$ iperf3 " "$log" 2>/dev/null && break
	fi
	sleep 0.5
done
like "the iperf3 client runs in the guest" "$(cat "$log" 2>/dev/null)" "\\\$ iperf3 "
qpid=$(cat "/run/libvirt/qemu/$dom.pid" 2>/dev/null)
check "QEMU's pid is known ($qpid)" test -n "$qpid" -a -d "/proc/$qpid"
kill -KILL "$qpid"
wait "$runner"; rc=$?
is "the flight is broken (exit 2)" "$rc" 2
is "network-stress is broken, not failed" "$(step_status "$f" $job network-stress)" broken
like "its note says the emulator died" "$(step_note "$f" $job network-stress)" \
	"the emulator of domain '$dom' died under it: broken, not a guest failure"
is "cleanup still ran and passed" "$(step_status "$f" $job cleanup)" pass
check "no domain and no overlay remain" guest_gone "$f" $job
check "no iperf3 server is left on port $port" sh -c "! ss -Hltn 'sport = :$port' | grep -q ."
is "the next job on the same host passes" "$(job_status "$f" test-x64-linux-after)" pass
