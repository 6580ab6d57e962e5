#!/bin/bash
# A guest that reboots while the agent runs a command for a step fails that
# step at once, saying so, instead of at the request's time limit (the
# agent of the new boot knows nothing of the request).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/guest-lib.sh"
guest_setup
plan 5
guest_image

job=test-x64-linux-rebooting
cat >"$TEST_DIR/reboot.json" <<JSON
{ "name": "rebooting", "jobs": [
  { "name": "$job",
    "runvars": { "image": "testguest", "cmd_bounce": "sleep 1; reboot -f; sleep 600" },
    "steps": [ { "step": "guest-start" },
               { "step": "guest-run", "as": "bounce", "timeout": 300 },
               { "step": "capture-logs" }, { "step": "cleanup" } ] } ] }
JSON
f=$(pvci flight create "$TEST_DIR/reboot.json")
pvci flight run "$f" >"$TEST_DIR/run.out" 2>&1; rc=$?
is "the flight fails" "$rc" 1
is "the step whose command rebooted the guest fails" "$(step_status "$f" "$job" bounce)" fail
like "its note says the guest rebooted during the request" "$(step_note "$f" "$job" bounce)" \
	"domain '[^']*' rebooted (while the agent ran a command|during request)"
secs=$(step_seconds "$f" "$job" bounce)
check "it was noticed long before the request's limit ($secs s, limit 295 s)" test "$secs" -lt 120
check "no domain and no overlay remain" guest_gone "$f" "$job"
