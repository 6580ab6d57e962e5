#!/bin/bash
# flight create/run/show/list on a two-job recipe: dependency order, logs,
# JSON shape, blocked jobs, exit statuses, --jobs, --runvar.
. "$(dirname "$0")/lib.sh"
plan 24
init_instance

cat >"$TEST_DIR/two.json" <<'JSON'
{
  "name": "two",
  "description": "a build-like job and a test-like job that needs it",
  "runvars": { "cmd_check": ["echo", "checked {arch}"] },
  "jobs": [
    { "name": "make-{arch}", "matrix": { "arch": ["x64"] },
      "runvars": { "cmd_compile": ["sh", "-c", "echo compiling for {arch}; test ! -e \"$PVCI_FAIL\""] },
      "steps": [ { "step": "run", "as": "compile" } ] },
    { "name": "check-{arch}", "matrix": { "arch": ["x64"] }, "needs": ["make-{arch}"],
      "steps": [ { "step": "run", "as": "check" } ] }
  ]
}
JSON
export PVCI_FAIL="$TEST_DIR/fail-now"

out=$(pvci flight create "$TEST_DIR/two.json" --branch trunk --blessing real --runvar 'check-x64:cmd_check=["echo","checked by override"]')
is "flight create prints only the flight number" "$out" "1"
out=$(pvci flight run 1); rc=$?
is "a passing flight exits 0" "$rc" 0
like "progress names job, step, status and seconds" "$out" "1 make-x64 01 compile: pass \([0-9.]+ s\)"
first=$(printf '%s\n' "$out" | grep -n 'make-x64: pass' | cut -d: -f1)
second=$(printf '%s\n' "$out" | grep -n 'check-x64 01 check: running' | cut -d: -f1)
check "the needed job ran first" test "$first" -lt "$second"

json=$(pvci flight show 1 --json)
is "json: flight" "$(jq -r .flight <<<"$json")" 1
is "json: branch and blessing" "$(jq -r '.branch + " " + .blessing' <<<"$json")" "trunk real"
is "json: jobs in recipe order with status" "$(jq -r '[.jobs[] | .job + "=" + .status] | join(",")' <<<"$json")" "make-x64=pass,check-x64=pass"
is "json: runvars is an object; --runvar overrides the recipe's" \
	"$(jq -r '.jobs[1].runvars.cmd_check' <<<"$json")" '["echo","checked by override"]'
is "json: steps carry stepno, step, status, started, finished, log" \
	"$(jq -r '.jobs[0].steps[0] | [.stepno, .step, .status, (.started|type), (.finished|type), .log] | join(" ")' <<<"$json")" \
	"1 run pass number number logs/1/make-x64/01.compile.log"
log="$PVCI_HOME/logs/1/make-x64/01.compile.log"
check "the step log holds the command's output" grep -q "compiling for x64" "$log"
is "job show --json agrees" "$(pvci job show 1 check-x64 --json | jq -r .status)" pass
text=$(pvci flight show 1)
like "flight show prints the log path of each step" "$text" "01 check .*pass .*logs/1/check-x64/01.check.log"

touch "$PVCI_FAIL"
pvci flight create "$TEST_DIR/two.json" >/dev/null
out=$(pvci flight run 2); rc=$?
is "a failing flight exits 1" "$rc" 1
is "the failed job is fail" "$(job_status 2 make-x64)" fail
is "the job needing it is blocked" "$(job_status 2 check-x64)" blocked
is "the blocked job's step never ran: skipped" "$(step_status 2 check-x64 check)" skipped
like "the failure note comes from the step" "$(pvci job show 2 make-x64 --json | jq -r '.steps[0].note')" "exited with status 1"
rm -f "$PVCI_FAIL"

pvci flight create "$TEST_DIR/two.json" >/dev/null
out=$(pvci flight run 3 --jobs 'make-*'); rc=$?
is "--jobs runs only the matching jobs" "$(job_status 3 make-x64)/$(job_status 3 check-x64)" "pass/queued"
pvci flight run 3 >/dev/null
is "a second run picks up what is still queued" "$(job_status 3 check-x64)" pass

out=$(pvci flight create "$TEST_DIR/two.json" --jobs 'check-*')
is "--jobs at create keeps the jobs they need" "$(pvci flight show "$out" --json | jq -r '[.jobs[].job] | join(",")')" "make-x64,check-x64"

cat >"$TEST_DIR/broken.json" <<'JSON'
{ "name": "broken", "jobs": [ { "name": "a", "runvars": { "cmd_run": ["/nonexistent/tool"] },
  "steps": [ { "step": "run" } ] } ] }
JSON
n=$(pvci flight create "$TEST_DIR/broken.json")
pvci flight run "$n" >/dev/null; rc=$?
is "a command that cannot start is broken, exit 2" "$rc/$(job_status "$n" a)" "2/broken"

list=$(pvci flight list --json --branch trunk)
is "flight list --branch filters" "$(jq -r '[.[].flight] | join(",")' <<<"$list")" "1"
is "flight list --limit" "$(pvci flight list --json --limit 2 | jq length)" 2
pvci flight run 99 >/dev/null 2>&1; rc=$?
is "running a missing flight is an error (3)" "$rc" 3
