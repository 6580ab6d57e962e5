#!/bin/bash
# A guest kernel panic in the middle of a step fails that step at once (not
# at the agent's time limit), with the tail of the console in its log; the
# always steps still leave no domain and no overlay.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/guest-lib.sh"
guest_setup
plan 7
guest_image
guest_fixture

job=test-x64-linux-panic
guest_recipe "$TEST_DIR/panic.json" panic '[
  {"step": "guest-start"}, {"step": "guest-run", "as": "panic", "timeout": 120},
  {"step": "capture-logs"}, {"step": "cleanup"} ]' \
	'{"cmd_panic": "sleep 1; echo c > /proc/sysrq-trigger"}'
f=$(pvci flight create "$TEST_DIR/panic.json")
pvci flight run "$f" >"$TEST_DIR/run.out" 2>&1; rc=$?
is "the flight fails" "$rc" 1
is "the job fails (not broken)" "$(job_status "$f" "$job")" fail
is "the step that panicked fails" "$(step_status "$f" "$job" panic)" fail
like "its note names the panic" "$(step_note "$f" "$job" panic)" "panic"
log=$(guest_step_log "$f" "$job" panic)
check "the step log holds the console tail with the panic" \
	sh -c "grep -q 'last 50 lines of the console' '$log' && grep -q 'Kernel panic' '$log'"
secs=$(step_seconds "$f" "$job" panic)
check "the panic was noticed promptly ($secs s, limit 120 s)" test "$secs" -lt 30
check "no domain and no overlay remain" guest_gone "$f" "$job"
