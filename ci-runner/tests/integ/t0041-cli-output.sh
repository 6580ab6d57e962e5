#!/bin/bash
# Standard output: write errors are errors (a full disk), and a reader that
# goes away (| head -1) does not kill a run half way.
. "$(dirname "$0")/lib.sh"
plan 11
init_instance

cat >"$TEST_DIR/wait.json" <<'JSON'
{ "name": "wait", "jobs": [ { "name": "a",
  "runvars": {
    "cmd_wait": ["sh", "-c", "read line <\"$PVCI_MARK\"; true"],
    "cmd_after": ["sh", "-c", "touch \"$PVCI_MARK.after\""] },
  "steps": [ { "step": "run", "as": "wait" }, { "step": "run", "as": "after" } ] } ] }
JSON
export PVCI_MARK="$TEST_DIR/reader-gone"
touch "$PVCI_MARK"
f=$(pvci flight create "$TEST_DIR/wait.json")
pvci flight run "$f" >/dev/null

err=$(pvci flight show "$f" --json 2>&1 >/dev/full); rc=$?
is "flight show --json to a full disk exits 3" "$rc" 3
like "and says why on standard error" "$err" "cannot write to standard output: No space left on device"
err=$(pvci flight show "$f" 2>&1 >/dev/full); rc=$?
is "flight show (text) to a full disk exits 3" "$rc" 3

err=$(pvci flight create "$TEST_DIR/wait.json" 2>&1 >/dev/full); rc=$?
is "flight create to a full disk exits 3" "$rc" 3
like "it says which flight it made" "$err" "made flight 2, but could not write its number"
is "the flight exists" "$(pvci flight list --json | jq -r '.[0].flight')" 2

# The first line (the first step starting) reaches head, which exits; only
# then does the step end (it reads a FIFO the reader writes after head), so
# the next progress lines meet a closed pipe.
rm -f "$PVCI_MARK" "$PVCI_MARK.after"
mkfifo "$PVCI_MARK"
pvci flight run 2 2>"$TEST_DIR/run.err" |
	{ head -1 >/dev/null; timeout 120 sh -c 'echo go >"$1"' _ "$PVCI_MARK"; }
rc=${PIPESTATUS[0]}
is "flight run | head -1 finishes with the run's status" "$rc" 0
is "the job passed" "$(job_status 2 a)" pass
check "the step after the broken pipe ran" test -e "$PVCI_MARK.after"
is "nothing is reported about the closed pipe" "$(cat "$TEST_DIR/run.err")" ""
is "no job is left to recovery" "$(pvci flight show 2 --json | jq -r '[.jobs[].status] | join(",")')" pass
