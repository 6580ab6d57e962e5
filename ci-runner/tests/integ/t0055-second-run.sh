#!/bin/bash
# A second "flight run N" while another process runs a job of flight N
# runs what it can and then, rather than exit 0 having done nothing, exits
# 1 naming the job and the process that runs it. The first run is not
# disturbed.
. "$(dirname "$0")/lib.sh"
plan 6
init_instance

mkfifo "$TEST_DIR/started" "$TEST_DIR/go"
cat >"$TEST_DIR/two.json" <<JSON
{ "name": "two", "jobs": [
  { "name": "first",
    "runvars": { "cmd_run": ["sh", "-c", "echo > $TEST_DIR/started; read x < $TEST_DIR/go"] },
    "steps": [ { "step": "run" } ] },
  { "name": "after", "needs": ["first"], "runvars": { "cmd_run": ["true"] },
    "steps": [ { "step": "run" } ] }
] }
JSON
n=$(pvci flight create "$TEST_DIR/two.json")
"$PVCI_BIN" flight run "$n" >"$TEST_DIR/run1.out" 2>&1 &
runner=$!
at_exit "kill -KILL $runner 2>/dev/null"
read -r _ <"$TEST_DIR/started"

pvci flight run "$n" >"$TEST_DIR/run2.out" 2>&1; rc=$?
out=$(cat "$TEST_DIR/run2.out")
is "a second run that could do nothing exits 1" "$rc" 1
like "naming the job and its owner" "$out" \
	"flight $n job 'first' is running in another process \\(pid $runner on host '$(hostname)'\\)"
is "it left the job it waits on to its owner" "$(job_status "$n" first)" running
is "and did not run the job that needs it" "$(job_status "$n" after)" queued

echo go >"$TEST_DIR/go"
wait "$runner"; rc=$?
is "the first run goes on and passes" "$rc" 0
is "running both jobs" "$(job_status "$n" first)/$(job_status "$n" after)" pass/pass
