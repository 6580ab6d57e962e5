#!/bin/bash
# A runvar that cannot be read (the database answers with an error) makes
# the step broken; it never reads as "unset" and never as the command's
# own failure.
. "$(dirname "$0")/lib.sh"
plan 4
init_instance

# The first step takes the runvars table away behind pvci's back, so the
# second step's read of cmd_second is an SQL error, not a missing row.
cat >"$TEST_DIR/r.json" <<JSON
{ "name": "r", "jobs": [ { "name": "a",
  "runvars": {
    "cmd_first": ["sqlite3", "$PVCI_HOME/results.db", "ALTER TABLE runvars RENAME TO runvars_gone"],
    "cmd_second": ["touch", "$TEST_DIR/second-ran"] },
  "steps": [ { "step": "run", "as": "first" },
             { "step": "run", "as": "second" } ] } ] }
JSON
n=$(pvci flight create "$TEST_DIR/r.json")
pvci flight run "$n" >"$TEST_DIR/out" 2>&1; rc=$?
is "a run with an unreadable runvar is broken (exit 2)" "$rc" 2
sqlite3 "$PVCI_HOME/results.db" "ALTER TABLE runvars_gone RENAME TO runvars"
is "the step is broken" "$(step_status "$n" a second)" broken
check "its command did not run" test ! -e "$TEST_DIR/second-ran"
like "the log says which runvar could not be read" \
	"$(cat "$PVCI_HOME/logs/$n/a/02.second.log")" "cannot read runvar 'cmd_second' of job 'a'"
