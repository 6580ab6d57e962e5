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
# Until the step says its server listens (the log is written as it goes). The
# pid it logs is the one inside the step's PID namespace, so the server is
# found here by its command line: iperf3 -s ... -p PORT.
port=
for ((i = 0; i < 600 && ${#port} == 0; i++)); do
	port=$(grep -rhs 'iperf3 server (pid [0-9]*) listening' "$PVCI_HOME/logs" |
		sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' | head -n 1)
	[ -n "$port" ] || sleep 0.5
done
# servers: the pids of iperf3 servers on our port, one a line.
servers() {
	local d
	for d in /proc/[0-9]*; do
		{ tr '\0' ' ' <"$d/cmdline"; } 2>/dev/null |
			grep -q "^iperf3 -s -1 -B 127.0.0.1 -p $port " && echo "${d#/proc/}"
	done
}
pids=$(servers)
check "the step started the iperf3 server (port ${port:-none}, pid ${pids:-none})" \
	test -n "$port" -a -n "$pids"
kill -KILL "$runner"
wait "$runner" 2>/dev/null
# The kernel kills it when its step dies; reaping may take a moment.
gone=no
for ((i = 0; i < 100; i++)); do
	if [ -z "$(servers)" ]; then
		gone=yes
		break
	fi
	sleep 0.1
done
is "the iperf3 server did not outlive its step" "$gone" yes
check "none of our iperf3 servers is left" test -z "$(servers)"
for p in $(servers); do kill "$p" 2>/dev/null; done
