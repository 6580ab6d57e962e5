#!/bin/bash
# Running a finished flight again changes nothing, its finish time included;
# a flight is finished only once every job has a final status.
. "$(dirname "$0")/lib.sh"
plan 4
init_instance

cat >"$TEST_DIR/two.json" <<'JSON'
{ "name": "two", "jobs": [
    { "name": "a", "runvars": { "cmd_run": ["true"] }, "steps": [ { "step": "run" } ] },
    { "name": "b", "runvars": { "cmd_run": ["true"] }, "steps": [ { "step": "run" } ] } ] }
JSON
db="$PVCI_HOME/results.db"
n=$(pvci flight create "$TEST_DIR/two.json")
pvci flight run "$n" --jobs a >/dev/null
is "a flight with queued jobs has no finish time" "$(pvci flight show "$n" --json | jq -r .finished)" null
pvci flight run "$n" >/dev/null
check "once all jobs ended it has one" test "$(pvci flight show "$n" --json | jq -r .finished)" != null
# A known old time, so that a rewrite shows whatever the clock says.
sqlite3 "$db" "UPDATE flights SET finished = 1000 WHERE flight = $n"
pvci flight run "$n" >/dev/null; rc=$?
is "running it again exits 0" "$rc" 0
is "and keeps its finish time" "$(pvci flight show "$n" --json | jq -r .finished)" 1000
