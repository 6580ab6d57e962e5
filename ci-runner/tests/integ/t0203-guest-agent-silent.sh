#!/bin/bash
# An agent that stops answering (SIGSTOP) fails the step after its time
# limit, not later and not as broken; the always steps clean up.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/guest-lib.sh"
guest_setup
plan 6
guest_image
guest_fixture

job=test-x64-linux-silent
guest_recipe "$TEST_DIR/silent.json" silent '[
  {"step": "guest-start"}, {"step": "guest-run", "as": "hang", "timeout": 20},
  {"step": "capture-logs"}, {"step": "cleanup"} ]' \
	'{"cmd_hang": "kill -STOP $PVCI_AGENT_PID"}'
f=$(pvci flight create "$TEST_DIR/silent.json")
pvci flight run "$f" >"$TEST_DIR/run.out" 2>&1; rc=$?
is "the flight fails" "$rc" 1
is "the step fails (not broken)" "$(step_status "$f" "$job" hang)" fail
like "its note says the agent did not answer" "$(step_note "$f" "$job" hang)" "did not answer"
secs=$(step_seconds "$f" "$job" hang)
check "it gave up within its limit ($secs s, limit 20 s)" test "$secs" -le 21
is "cleanup still passes" "$(step_status "$f" "$job" cleanup)" pass
check "no domain and no overlay remain" guest_gone "$f" "$job"
