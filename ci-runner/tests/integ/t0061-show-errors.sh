#!/bin/bash
# flight show / job show: a missing flight or job is said once; a database
# error is said as what it is, never as "no flight".
. "$(dirname "$0")/lib.sh"
plan 6
init_instance

cat >"$TEST_DIR/r.json" <<JSON
{ "name": "r", "jobs": [ { "name": "a", "runvars": { "cmd_x": ["true"] },
  "steps": [ { "step": "run", "as": "x" } ] } ] }
JSON
n=$(pvci flight create "$TEST_DIR/r.json")

pvci flight show 99 >"$TEST_DIR/out" 2>"$TEST_DIR/err"; rc=$?
check "show of a missing flight fails" test "$rc" -ne 0
is "and says so once" "$(grep -c 'no flight 99' "$TEST_DIR/err")" 1
pvci job show "$n" nosuch >"$TEST_DIR/out" 2>"$TEST_DIR/err"; rc=$?
is "show of a missing job says so once" "$rc/$(grep -c "has no job 'nosuch'" "$TEST_DIR/err")" "3/1"

sqlite3 "$PVCI_HOME/results.db" "ALTER TABLE runvars RENAME TO runvars_gone"
pvci flight show "$n" >"$TEST_DIR/out" 2>"$TEST_DIR/err"; rc=$?
check "show with an unreadable table fails" test "$rc" -ne 0
like "with the database's error" "$(cat "$TEST_DIR/err")" "runvars"
is "and not as a missing flight" "$(grep -c 'no flight' "$TEST_DIR/err")" 0
