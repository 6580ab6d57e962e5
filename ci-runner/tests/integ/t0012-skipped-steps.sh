#!/bin/bash
# Steps that will never run are skipped, not left queued: the rest of a job
# whose run was killed (after recovery), of an aborted job, and every step
# of a blocked job.
. "$(dirname "$0")/lib.sh"
plan 7
init_instance

mkfifo "$TEST_DIR/started"
cat >"$TEST_DIR/kill.json" <<JSON
{ "name": "kill", "jobs": [
  { "name": "victim",
    "runvars": { "cmd_long": ["sh", "-c", "echo \$\$ > $TEST_DIR/started; exec sleep 600"],
                 "cmd_more": ["true"], "cmd_tidy": ["true"] },
    "steps": [ { "step": "run", "as": "long" }, { "step": "run", "as": "more" },
               { "step": "run", "as": "tidy", "always": true } ] },
  { "name": "after", "needs": ["victim"], "runvars": { "cmd_x": ["true"], "cmd_y": ["true"] },
    "steps": [ { "step": "run", "as": "x" }, { "step": "run", "as": "y" } ] }
] }
JSON
steps() {
	pvci job show "$1" "$2" --json | jq -r '[.steps[] | .testid + "=" + .status] | join(",")'
}

n=$(pvci flight create "$TEST_DIR/kill.json")
"$PVCI_BIN" flight run "$n" >"$TEST_DIR/run1.out" 2>&1 &
runner=$!
read -r _ <"$TEST_DIR/started"
kill -KILL "$runner"
wait "$runner" 2>/dev/null
pvci flight run "$n" >"$TEST_DIR/run2.out" 2>&1; rc=$?
is "the run after the kill reports the breakage (exit 2)" "$rc" 2
is "the killed job's unreached step is skipped, its always step ran" "$(steps "$n" victim)" \
	"long=broken,more=skipped,tidy=pass"
is "the job needing it is blocked" "$(job_status "$n" after)" blocked
is "and all its steps are skipped" "$(steps "$n" after)" "x=skipped,y=skipped"

n=$(pvci flight create "$TEST_DIR/kill.json")
"$PVCI_BIN" flight run "$n" >"$TEST_DIR/run3.out" 2>&1 &
runner=$!
read -r _ <"$TEST_DIR/started"
kill -TERM "$runner"
wait "$runner"; rc=$?
is "an interrupted run exits 2" "$rc/$(job_status "$n" victim)" "2/aborted"
is "the aborted job's unreached step is skipped" "$(steps "$n" victim)" \
	"long=broken,more=skipped,tidy=pass"
is "a job not reached stays queued for the next run" "$(steps "$n" after)" "x=queued,y=queued"
