#!/bin/bash
# The instance's file system is full when the build step copies the built
# driver into the job's artifacts (a small tmpfs on artifacts/, filled):
# the build is broken (the host's fault, not the driver's), its note says
# the disk is full, the sign step never runs, no partial artifact is
# recorded or left; once space is freed the same job in a new flight passes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault-lib.sh"
fault_skip_unless_root
plan 9
init_instance
pvci keys init >/dev/null
fixture_repo "$TEST_DIR/fixture.git"
fault_tmpfs "$PVCI_HOME/artifacts" 4m
fault_fill "$PVCI_HOME/artifacts"

cat >"$TEST_DIR/build.json" <<JSON
{ "name": "build", "trees": [ { "name": "pvcifix", "url": "$TEST_DIR/fixture.git", "branch": "master" } ],
  "runvars": { "version": "9.1.0" },
  "jobs": [ { "name": "build-x64-pvcifix", "trees": ["pvcifix"],
      "runvars": { "driver": "pvcifix", "executor": "local" },
      "steps": [ { "step": "source" }, { "step": "build" }, { "step": "sign" } ] } ] }
JSON
job=build-x64-pvcifix
f=$(pvci flight create "$TEST_DIR/build.json")
pvci flight run "$f" >"$TEST_DIR/run.out" 2>&1; rc=$?
is "the flight is broken (exit 2)" "$rc" 2
is "the build is broken, not failed" "$(step_status "$f" $job build)" broken
like "its note says the disk is full" "$(fault_note "$f" $job build)" "[Nn]o space left on device|disk is full"
is "sign never ran" "$(step_status "$f" $job sign)" skipped
is "no artifact is recorded" "$(pvci job show "$f" $job --json | jq '.artifacts | length')" 0
is "no cut copy is left among the artifacts" "$(find "$PVCI_HOME/artifacts/$f" -type f)" ""

rm -f "$PVCI_HOME/artifacts/.fill" "$PVCI_HOME/artifacts/.fill-tail"
g=$(pvci flight create "$TEST_DIR/build.json")
pvci flight run "$g" >"$TEST_DIR/run2.out" 2>&1; rc=$?
is "with space again, the next job passes" "$rc/$(job_status "$g" $job)" "0/pass"
check "its signed package is there" sh -c "ls '$PVCI_HOME/artifacts/$g/$job/'*.tar"
is "no step is left running" \
	"$(sqlite3 "$PVCI_HOME/results.db" "select count(*) from steps where status = 'running'")" 0
