#!/bin/bash
# flight run --jobs GLOB where the selected jobs need jobs the glob left
# out, which have not passed: nothing can run, the run exits 1 and says
# which job waits on which. A glob matching no job is an error.
. "$(dirname "$0")/lib.sh"
plan 7
init_instance

cat >"$TEST_DIR/two.json" <<'JSON'
{ "name": "two", "jobs": [
    { "name": "make", "runvars": { "cmd_run": ["true"] }, "steps": [ { "step": "run" } ] },
    { "name": "check", "needs": ["make"], "runvars": { "cmd_run": ["true"] },
      "steps": [ { "step": "run" } ] } ] }
JSON
n=$(pvci flight create "$TEST_DIR/two.json")
pvci flight run "$n" --jobs check >"$TEST_DIR/out" 2>"$TEST_DIR/err"; rc=$?
is "nothing could run: exit 1" "$rc" 1
like "it says which job waits on which" "$(cat "$TEST_DIR/err")" \
	"job 'check' waits on job 'make' \(queued\)"
is "both jobs are still queued" "$(job_status "$n" make)/$(job_status "$n" check)" "queued/queued"
pvci flight run "$n" --jobs make >/dev/null; rc=$?
is "the needed job runs on its own: exit 0" "$rc/$(job_status "$n" make)" "0/pass"
pvci flight run "$n" --jobs check >/dev/null 2>&1; rc=$?
is "then the selected job runs: exit 0" "$rc/$(job_status "$n" check)" "0/pass"

pvci flight run "$n" --jobs 'nomatch*' >/dev/null 2>"$TEST_DIR/err"; rc=$?
is "a glob matching no job is an error (3)" "$rc" 3
like "which names the glob" "$(cat "$TEST_DIR/err")" "no job of flight $n matches 'nomatch\*'"
