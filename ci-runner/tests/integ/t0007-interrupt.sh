#!/bin/bash
# SIGTERM (or Ctrl-C) to "pvci flight run": the running step is stopped,
# the job's always steps still run, the job is aborted, what was queued
# stays queued for the next run, and the exit status says "broke" (2).
. "$(dirname "$0")/lib.sh"
plan 6
init_instance

mkfifo "$TEST_DIR/started"
cat >"$TEST_DIR/int.json" <<JSON
{ "name": "int", "jobs": [
  { "name": "long",
    "runvars": { "cmd_wait": ["sh", "-c", "read p r </proc/self/stat; echo \$p > $TEST_DIR/started; exec sleep 600"],
                 "cmd_tidy": ["touch", "$TEST_DIR/tidy-ran"] },
    "steps": [ { "step": "run", "as": "wait" }, { "step": "run", "as": "tidy", "always": true } ] },
  { "name": "later", "runvars": { "cmd_run": ["true"] }, "steps": [ { "step": "run" } ] }
] }
JSON
n=$(pvci flight create "$TEST_DIR/int.json")
"$PVCI_BIN" flight run "$n" >"$TEST_DIR/run.out" 2>&1 &
runner=$!
read -r step_pid <"$TEST_DIR/started"
kill -TERM "$runner"
wait "$runner"; rc=$?
is "an interrupted run exits 2" "$rc" 2
is "the job is aborted" "$(job_status "$n" long)" aborted
like "its step says it was interrupted" "$(pvci job show "$n" long --json | jq -r '.steps[0].note')" "interrupted by signal 15"
check "its always step ran" test -e "$TEST_DIR/tidy-ran"
check "the step's process is gone" process_gone "$step_pid"
is "the next job is still queued" "$(job_status "$n" later)" queued
