#!/bin/bash
# The run step: a program that cannot be started is broken; a program that
# started and exited 127 by itself is an ordinary failure.
. "$(dirname "$0")/lib.sh"
plan 6
init_instance

cat >"$TEST_DIR/start.json" <<'JSON'
{ "name": "start", "jobs": [
  { "name": "missing", "runvars": { "cmd_go": ["pvci-no-such-program", "x"] },
    "steps": [ { "step": "run", "as": "go" } ] },
  { "name": "exits127", "runvars": { "cmd_go": ["sh", "-c", "echo started; exit 127"] },
    "steps": [ { "step": "run", "as": "go" } ] } ] }
JSON
f=$(pvci flight create "$TEST_DIR/start.json")
pvci flight run "$f" >/dev/null; rc=$?
is "a flight with a broken job exits 2" "$rc" 2
is "a program that cannot be started is broken" "$(job_status "$f" missing)" broken
like "its log says why" "$(cat "$PVCI_HOME/logs/$f/missing/01.go.log")" \
	"cannot run 'pvci-no-such-program': No such file or directory"
is "a program that exits 127 by itself fails" "$(job_status "$f" exits127)" fail
log=$(cat "$PVCI_HOME/logs/$f/exits127/01.go.log")
like "its log gives the status" "$log" "'sh' exited with status 127"
is "and does not say it could not run" "$(grep -c 'cannot run' <<<"$log")" 0
