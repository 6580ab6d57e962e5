#!/bin/bash
# scheduler.job_timeout bounds a whole job besides each step's limit: the
# step running when it expires is stopped with a note naming the job's
# limit, and the job's always step still runs.
. "$(dirname "$0")/lib.sh"
plan 4
init_instance

cfg=$PVCI_HOME/config.json
jq '.scheduler = { job_timeout: 2 }' "$cfg" >"$cfg.new" && mv "$cfg.new" "$cfg"
cat >"$TEST_DIR/t.json" <<JSON
{ "name": "limit", "jobs": [
  { "name": "slow", "runvars": { "cmd_one": ["sleep", "1"], "cmd_two": ["sleep", "30"],
                                 "cmd_tidy": ["touch", "$TEST_DIR/tidy-ran"] },
    "steps": [ { "step": "run", "as": "one", "timeout": 20 }, { "step": "run", "as": "two", "timeout": 20 },
               { "step": "run", "as": "tidy", "always": true } ] }
] }
JSON
n=$(pvci flight create "$TEST_DIR/t.json")
pvci job run "$n" slow --host local >/dev/null 2>&1
json=$(pvci job show "$n" slow --json)
is "the first step passed, the second was stopped" "$(jq -r '[.steps[].status] | join(" ")' <<<"$json")" "pass fail pass"
like "by the job's limit, said so" "$(jq -r '.steps[1].note' <<<"$json")" "job 'slow' exceeded its time limit of 2 s \(scheduler.job_timeout\) in step 'two'"
is "the job failed" "$(jq -r .status <<<"$json")" fail
check "its always step ran" test -e "$TEST_DIR/tidy-ran"
