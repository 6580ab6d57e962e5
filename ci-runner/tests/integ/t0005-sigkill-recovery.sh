#!/bin/bash
# "pvci flight run" killed with SIGKILL in the middle of a step: the next
# run (not flight show, which only reads) marks the job broken with a note
# and goes on with what is still queued; the dead run's step process is gone.
. "$(dirname "$0")/lib.sh"
plan 9
init_instance

mkfifo "$TEST_DIR/started"
cat >"$TEST_DIR/kill.json" <<JSON
{ "name": "kill", "jobs": [
  { "name": "victim",
    "runvars": { "cmd_long": ["sh", "-c", "read p r </proc/self/stat; echo \$p > $TEST_DIR/started; exec sleep 600"],
                 "cmd_tidy": ["touch", "$TEST_DIR/tidy-ran"] },
    "steps": [ { "step": "run", "as": "long" }, { "step": "run", "as": "tidy", "always": true } ] },
  { "name": "bystander", "runvars": { "cmd_run": ["true"] }, "steps": [ { "step": "run" } ] }
] }
JSON
n=$(pvci flight create "$TEST_DIR/kill.json")
"$PVCI_BIN" flight run "$n" >"$TEST_DIR/run1.out" 2>&1 &
runner=$!
# The step writes its pid (as seen from outside its PID namespace, from
# /proc/self/stat) into the FIFO once it is running: no guessing.
read -r step_pid <"$TEST_DIR/started"
kill -KILL "$runner"
wait "$runner" 2>/dev/null
# Commands that only read do not recover: only "flight run" does.
is "flight show leaves the killed job as it was" "$(job_status "$n" victim)" running
check "the dead run's step process is gone" process_gone "$step_pid"
pvci flight run "$n" >"$TEST_DIR/run2.out" 2>&1; rc=$?
is "the next run recovers, goes on and reports the breakage (exit 2)" "$rc" 2
json=$(pvci flight show "$n" --json)
is "the killed job is broken" "$(jq -r '.jobs[0].status' <<<"$json")" broken
like "with a note saying why" "$(jq -r '.jobs[0].note' <<<"$json")" "ended while the job was running"
is "its running step is broken too" "$(jq -r '.jobs[0].steps[0].status' <<<"$json")" broken
running=$(sqlite3 "$PVCI_HOME/results.db" "select count(*) from jobs where status in ('running','preparing'); select count(*) from steps where status='running';" | tr '\n' ' ')
is "no row is left running" "$running" "0 0 "
is "the queued job ran and passed" "$(job_status "$n" bystander)" pass
check "the broken job's always step ran on recovery" test -e "$TEST_DIR/tidy-ran"
