#!/bin/bash
# capture-logs keeps the toolstack's log of the domain from the folder the
# setting toolstack.log_dir names (not a fixed /var/log/libvirt/qemu), and
# says where it looked when there is none. Needs neither libvirtd nor a
# real image: the toolstack URI names a socket that does not exist.
. "$(dirname "$0")/lib.sh"
plan 5
init_instance

logdir="$TEST_DIR/domain-logs"
mkdir -p "$logdir"
jq --arg d "$logdir" '.toolstack.uri = "qemu+unix:///system?socket=/nonexistent/libvirt-sock"
	| .toolstack.log_dir = $d' "$PVCI_HOME/config.json" >"$TEST_DIR/config.json" &&
	mv "$TEST_DIR/config.json" "$PVCI_HOME/config.json"

job=test-x64-linux-logs
cat >"$TEST_DIR/logs.json" <<JSON
{ "name": "logs", "jobs": [
  { "name": "$job", "steps": [ { "step": "capture-logs" } ] },
  { "name": "$job-none", "steps": [ { "step": "capture-logs" } ] } ] }
JSON
f=$(pvci flight create "$TEST_DIR/logs.json")
echo "qemu says hello from flight $f" >"$logdir/pvci-$f-$job.log"
pvci flight run "$f" >"$TEST_DIR/run.out" 2>&1
is "capture-logs passes" "$(step_status "$f" "$job" capture-logs)" pass
kept="$PVCI_HOME/artifacts/$f/$job/qemu.log"
check "the domain log is kept as qemu.log" test -f "$kept"
is "it is the file in toolstack.log_dir" "$(cat "$kept" 2>/dev/null)" "qemu says hello from flight $f"
is "without one, capture-logs still passes" "$(step_status "$f" "$job-none" capture-logs)" pass
like "and its log names where it looked" \
	"$(cat "$(pvci job show "$f" "$job-none" --json | jq -r '"'"$PVCI_HOME"'/" + .steps[0].log')")" \
	"no readable domain log '$logdir/pvci-$f-$job-none.log' \(setting toolstack.log_dir\)"
