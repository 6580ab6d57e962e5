#!/bin/bash
# The note of a failed step comes from the end of its log, however long the
# log is (a log over 16 MiB used to leave the note empty).
. "$(dirname "$0")/lib.sh"
plan 3
init_instance

cat >"$TEST_DIR/big.json" <<'JSON'
{ "name": "big", "jobs": [ { "name": "noisy",
  "runvars": { "cmd_run": ["sh", "-c",
    "head -c 17000000 /dev/zero | tr '\\0' x; echo; echo 'error: deep down'; echo tail; exit 3"] },
  "steps": [ { "step": "run" } ] } ] }
JSON
n=$(pvci flight create "$TEST_DIR/big.json")
out=$(pvci flight run "$n" 2>&1)
log="$PVCI_HOME/logs/$n/noisy/01.run.log"
check "the log is longer than 16 MiB" test "$(stat -c %s "$log")" -gt $((16 << 20))
is "the note is the last error line near the end" \
	"$(pvci job show "$n" noisy --json | jq -r '.steps[0].note')" "'sh' exited with status 3"
like "and the progress shows it" "$out" "^ +'sh' exited with status 3$"
