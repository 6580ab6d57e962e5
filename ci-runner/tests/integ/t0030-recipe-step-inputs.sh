#!/bin/bash
# flight create checks every job against the runvars its steps declare:
# a required runvar missing, a runvar no step of the job reads (a typo), a
# value the step's validator refuses, or a runvar a step writes while the
# flight runs are refused with file:line:col and the reason.
. "$(dirname "$0")/lib.sh"
plan 15
init_instance

# refused NAME PATTERN JSON: flight create of JSON fails and says PATTERN.
refused() {
	local out rc
	printf '%s\n' "$3" >"$TEST_DIR/$1.json"
	out=$(pvci flight create "$TEST_DIR/$1.json" 2>&1); rc=$?
	is "$1: refused" "$rc" 3
	like "$1: says where and why" "$out" "$1\.json:$2"
}

refused missing-cmd "3:29: job 'a': step 'run' needs runvar 'cmd_run' \(the command, a JSON argv\)$" '{
  "name": "x", "jobs": [
  { "name": "a", "steps": [ {"step": "run"} ] } ] }'

refused typo "4:5: job 'a' sets runvar 'cmd_rnu', which none of its steps \('run'\) reads$" '{
  "name": "x", "jobs": [
  { "name": "a", "runvars": { "cmd_run": ["true"],
    "cmd_rnu": ["true"] }, "steps": [ {"step": "run"} ] } ] }'

refused bad-argv "3:31: job 'a': runvar 'cmd_run' must be a non-empty array of strings \(an argv\) for step 'run', not 'echo hi'$" '{
  "name": "x", "jobs": [
  { "name": "a", "runvars": { "cmd_run": "echo hi" }, "steps": [ {"step": "run"} ] } ] }'

refused bad-number "3:53: job 'a': runvar 'storage_runtime' must be a number in range \(1\.\.3600\) for step 'storage-stress', not '0'$" '{
  "name": "x", "jobs": [
  { "name": "a", "runvars": { "image": "testguest", "storage_runtime": 0 },
    "steps": [ {"step": "guest-start"}, {"step": "storage-stress"}, {"step": "cleanup"} ] } ] }'

refused from-step "3:31: job 'a' sets runvar 'guest_boot_id', which a step writes while the flight runs" '{
  "name": "x", "jobs": [
  { "name": "a", "runvars": { "guest_boot_id": "x" },
    "steps": [ {"step": "guest-start"}, {"step": "guest-stop"} ] } ] }'

refused shared-typo "2:29: the recipe sets runvar 'verison' for every job, and no step of any job reads it$" '{
  "name": "x", "runvars": { "verison": "9.1.0" }, "jobs": [
  { "name": "a", "runvars": { "cmd_run": ["true"] }, "steps": [ {"step": "run"} ] } ] }'

is "no flight was created by any of them" "$(pvci flight list --json)" "[]"

# What the steps declare is enough for a recipe that uses them properly.
cat >"$TEST_DIR/good.json" <<'JSON'
{ "name": "x", "runvars": { "storage_runtime": 3 }, "jobs": [
  { "name": "a", "runvars": { "cmd_hello": ["echo", "hello"] },
    "steps": [ {"step": "run", "as": "hello"} ] },
  { "name": "b", "runvars": { "image": "testguest", "cmd_ls": "ls /" },
    "steps": [ {"step": "guest-start"}, {"step": "storage-stress"}, {"step": "guest-run", "as": "ls"},
               {"step": "capture-logs"}, {"step": "cleanup"} ] } ] }
JSON
out=$(pvci flight create "$TEST_DIR/good.json" 2>&1)
is "a recipe whose jobs set what their steps read is accepted" "$out" 1
like "pvci help steps lists the runvars each step reads" "$(pvci help steps)" \
	"runvar cmd_\{testid\} \(required\): the command, a JSON argv"
