#!/bin/bash
# Build outcomes: a compile error is fail and blocks the jobs that need the
# build; a missing compiler or an unreachable repository is broken.
. "$(dirname "$0")/lib.sh"
plan 7
init_instance
pvci keys init >/dev/null

repo="$TEST_DIR/fixture.git"
fixture_repo "$repo" "this is not C;"

cat >"$TEST_DIR/fail.json" <<JSON
{ "name": "fail",
  "trees": [ { "name": "pvcifix", "url": "$repo", "branch": "master" } ],
  "jobs": [
    { "name": "build-x64-pvcifix", "trees": ["pvcifix"],
      "runvars": { "driver": "pvcifix", "executor": "local" },
      "steps": [ { "step": "source" }, { "step": "build" }, { "step": "sign" } ] },
    { "name": "test-x64-pvcifix", "needs": ["build-x64-pvcifix"], "trees": [],
      "runvars": { "cmd_check": ["true"] },
      "steps": [ { "step": "run", "as": "check" } ] } ] }
JSON
f=$(pvci flight create "$TEST_DIR/fail.json")
pvci flight run "$f" >/dev/null 2>&1; rc=$?
is "a compile error fails the flight (exit 1)" "$rc" 1
is "the build step is fail" "$(step_status "$f" build-x64-pvcifix build)" fail
like "the sign step did not run" "$(step_status "$f" build-x64-pvcifix sign)" "^(queued|skipped)$"
is "the job needing the build is blocked" "$(job_status "$f" test-x64-pvcifix)" blocked

f=$(pvci flight create "$TEST_DIR/fail.json" --runvar 'build-x64-pvcifix:build_argv=["no-such-compiler-pvci", "x"]')
pvci flight run "$f" >/dev/null 2>&1
is "a missing compiler is broken" "$(step_status "$f" build-x64-pvcifix build)" broken
like "and says which" "$(cat "$PVCI_HOME/logs/$f/build-x64-pvcifix/"02.*)" "'no-such-compiler-pvci' not found"

f=$(pvci flight create "$TEST_DIR/fail.json" --tree "pvcifix=$TEST_DIR/nowhere.git#0123456789abcdef0123456789abcdef01234567" 2>/dev/null)
pvci flight run "$f" >/dev/null 2>&1
is "an unreachable repository is broken" "$(step_status "$f" build-x64-pvcifix source)" broken
