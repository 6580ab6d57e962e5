#!/bin/bash
# The network step's iperf3 server dies with the step: "flight run" killed
# with SIGKILL while iperf3 runs (its step goes with it, the guest's client
# stays connected, the guest stays up) leaves no server listening.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/guest-lib.sh"
guest_setup
plan 3
guest_image

job=test-x64-linux-netkill
cat >"$TEST_DIR/netkill.json" <<JSON
{ "name": "netkill", "jobs": [
  { "name": "$job", "runvars": { "image": "testguest", "network_runtime": "300" },
    "steps": [ { "step": "guest-start" },
               { "step": "network-stress", "as": "net", "timeout": 600 } ] } ] }
JSON
f=$(pvci flight create "$TEST_DIR/netkill.json")
"$PVCI_BIN" flight run "$f" >"$TEST_DIR/run.out" 2>&1 &
runner=$!
# Until the step says its server listens (the log is written as it goes).
pid=
for ((i = 0; i < 600 && ${#pid} == 0; i++)); do
	pid=$(grep -rhs 'iperf3 server (pid [0-9]*) listening' "$PVCI_HOME/logs" |
		sed -n 's/.*iperf3 server (pid \([0-9]*\)) listening.*/\1/p' | head -n 1)
	[ -n "$pid" ] || sleep 0.5
done
check "the step started the iperf3 server (pid ${pid:-none})" test -n "$pid"
kill -KILL "$runner"
wait "$runner" 2>/dev/null
# The kernel kills it when its parent dies; reaping may take a moment.
gone=no
for ((i = 0; i < 100; i++)); do
	if [ -z "$pid" ] || process_gone "$pid"; then
		gone=yes
		break
	fi
	sleep 0.1
done
is "the iperf3 server (pid $pid) did not outlive its step" "$gone" yes
check "no iperf3 server of ours listens any more" \
	sh -c "[ -z '$pid' ] || ! grep -qs iperf3 /proc/$pid/cmdline"
[ -z "$pid" ] || process_gone "$pid" || kill "$pid" 2>/dev/null
