#!/bin/bash
# A worker killed with SIGKILL while its guest runs: the next pool run marks
# the job broken, its cleanup (on the job's host) destroys the guest and the
# overlay, its lease is freed, and the retry runs on the other host and
# passes; nothing is left behind.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/guest-lib.sh"
guest_setup
plan 9
guest_image

# Two hosts of the pool, both this machine's libvirt.
cfg=$PVCI_HOME/config.json
jq --arg u "$GUEST_URI" '. + { hosts: [
	{ name: "g1", uri: $u, capacity: { guests: 1, memory_mib: 2048 }, flags: ["linux"] },
	{ name: "g2", uri: $u, capacity: { guests: 1, memory_mib: 2048 }, flags: ["linux"] } ] }' \
	"$cfg" >"$cfg.new" && mv "$cfg.new" "$cfg"
job=test-x64-linux-killed
jq -n --arg job "$job" '{ name: "killed", jobs: [
  { name: $job, needs_flags: ["linux"], runvars: { image: "testguest", cmd_long: "sleep 15" },
    steps: [ { step: "guest-start" }, { step: "guest-run", as: "long", timeout: 600 },
             { step: "capture-logs" }, { step: "cleanup" } ] } ] }' >"$TEST_DIR/killed.json"
f=$(pvci flight create "$TEST_DIR/killed.json")
"$PVCI_BIN" job run "$f" "$job" --host g1 >"$TEST_DIR/w1.out" 2>&1 &
worker=$!
for ((i = 0; i < 480; i++)); do
	[ "$(step_status "$f" "$job" long 2>/dev/null)" = running ] && break
	sleep 0.5
done
is "the guest step is running on g1" "$(step_status "$f" "$job" long)" running
kill -KILL "$worker"
wait "$worker" 2>/dev/null
check "the domain outlived the killed worker" sh -c "virsh -q -c $GUEST_URI list --all --name | grep -qx '$GUEST_PREFIX-$f-$job'"
timeout 600 "$PVCI_BIN" pool run --interval 200 >"$TEST_DIR/pool.out" 2>&1; rc=$?
is "pool run recovered and ended" "$rc" 0
json=$(pvci job show "$f" "$job" --json)
is "attempt 1: broken on g1, its cleanup passed" \
	"$(jq -r '.attempts[0] | "\(.status) \(.host) \([.steps[] | select(.testid == "cleanup") | .status][0])"' <<<"$json")" \
	"broken g1 pass"
like "with the reason" "$(jq -r '.attempts[0].note' <<<"$json")" "pvci process $worker ended while the job was running"
is "attempt 2 passed on g2" "$(jq -r '"\(.attempt) \(.status) \(.host)"' <<<"$json")" "2 pass g2"
check "no domain and no overlay remain" guest_gone "$f" "$job"
is "no lease is left" "$(sqlite3 "$PVCI_HOME/results.db" "select count(*) from host_leases")" 0
is "nothing is left running" "$(sqlite3 "$PVCI_HOME/results.db" "select count(*) from jobs where status in ('running','preparing') or needs_cleanup = 1")" 0
