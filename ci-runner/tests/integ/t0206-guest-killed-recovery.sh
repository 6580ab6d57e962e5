#!/bin/bash
# "pvci flight run" killed with SIGKILL while a guest step runs: the guest
# and its overlay outlive it, and the next run's recovery (the job's always
# steps) removes them using only names derived from flight and job.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/guest-lib.sh"
guest_setup
plan 5
guest_image
guest_fixture

job=test-x64-linux-killed
guest_recipe "$TEST_DIR/killed.json" killed '[
  {"step": "guest-start"}, {"step": "guest-run", "as": "long", "timeout": 600},
  {"step": "capture-logs"}, {"step": "cleanup"} ]' '{"cmd_long": "sleep 500"}'
f=$(pvci flight create "$TEST_DIR/killed.json")
"$PVCI_BIN" flight run "$f" >"$TEST_DIR/run1.out" 2>&1 &
runner=$!
for ((i = 0; i < 240; i++)); do
	[ "$(step_status "$f" "$job" long 2>/dev/null)" = running ] && break
	sleep 0.5
done
is "the guest step is running" "$(step_status "$f" "$job" long)" running
kill -KILL "$runner"
wait "$runner" 2>/dev/null
check "the domain outlived the killed run" sh -c "virsh -q -c $GUEST_URI list --all --name | grep -qx '$GUEST_PREFIX-$f-$job'"
check "so did the overlay" test -e "$PVCI_HOME/overlays/$f/$job.qcow2"
pvci flight run "$f" >"$TEST_DIR/run2.out" 2>&1
is "cleanup ran on recovery and passed" "$(step_status "$f" "$job" cleanup)" pass
check "no domain and no overlay remain" guest_gone "$f" "$job"
