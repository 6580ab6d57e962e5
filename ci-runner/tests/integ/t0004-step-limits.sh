#!/bin/bash
# Step time limits kill the step and everything it started; "always" steps
# still run after a failure.
. "$(dirname "$0")/lib.sh"
plan 7
init_instance

cat >"$TEST_DIR/slow.json" <<JSON
{ "name": "slow", "jobs": [ { "name": "a",
  "runvars": {
    "cmd_hang": ["sh", "-c", "sh -c 'read p r </proc/self/stat; echo \$p > $TEST_DIR/child.pid; exec sleep 600' & wait"],
    "cmd_after": ["touch", "$TEST_DIR/after-ran"],
    "cmd_tidy": ["touch", "$TEST_DIR/tidy-ran"] },
  "steps": [ { "step": "run", "as": "hang", "timeout": 2 },
             { "step": "run", "as": "after" },
             { "step": "run", "as": "tidy", "always": true } ] } ] }
JSON
# (A step runs in a PID namespace of its own, where $$ and $! are other
# numbers: the pid this test sees is read from /proc/self/stat.)
n=$(pvci flight create "$TEST_DIR/slow.json")
pvci flight run "$n" >"$TEST_DIR/out" 2>&1; rc=$?
is "a step over its limit fails the flight (exit 1)" "$rc" 1
is "the step is fail" "$(step_status "$n" a hang)" fail
like "the note names the limit" "$(pvci job show "$n" a --json | jq -r '.steps[0].note')" "exceeded its time limit of 2 s"
pid=$(cat "$TEST_DIR/child.pid")
check "the step's own child was killed" process_gone "$pid"
is "a step after the failure is skipped" "$(step_status "$n" a after)" skipped
check "and did not run" test ! -e "$TEST_DIR/after-ran"
is "an always step still ran" "$(step_status "$n" a tidy)/$(test -e "$TEST_DIR/tidy-ran" && echo yes)" "pass/yes"
