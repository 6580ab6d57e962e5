#!/bin/bash
# Malformed recipes are refused with file:line:column pointing at the place
# at fault and the reason, a non-zero exit, and no flight or row created.
. "$(dirname "$0")/lib.sh"
plan 23
init_instance

# recipe NAME JSON: writes a recipe file and prints its path.
recipe() {
	printf '%s\n' "$2" >"$TEST_DIR/$1.json"
	echo "$TEST_DIR/$1.json"
}

# refused NAME PATTERN: flight create fails, says PATTERN, creates nothing.
refused() {
	local out rc
	out=$(pvci flight create "$TEST_DIR/$1.json" 2>&1); rc=$?
	is "$1: refused with a non-zero exit" "$([ $rc -ne 0 ] && echo nonzero)" nonzero
	like "$1: message says where and what" "$out" "$2"
}

recipe syntax '{ "name": "x", "jobs": [ { "name": "a" "steps": [] } ] }' >/dev/null
refused syntax "syntax\.json:1:46: '}' expected near '\"steps\"'"

recipe unknown-key '{
  "name": "x",
  "jobs": [
    { "name": "a", "steps": [ {"step": "run"} ], "colour": "red" }
  ]
}' >/dev/null
refused unknown-key "unknown-key\.json:4:50: unknown key 'colour' in a job$"

recipe missing-dep '{
  "name": "x",
  "jobs": [
    { "name": "a", "steps": [ {"step": "run"} ] },
    { "name": "b", "needs": ["nosuch"], "steps": [ {"step": "run"} ] }
  ]
}' >/dev/null
refused missing-dep "missing-dep\.json:5:30: job 'b' needs 'nosuch', which is not a job of this recipe$"

recipe cycle '{
  "name": "x",
  "jobs": [
    { "name": "a", "needs": ["c"], "steps": [ {"step": "run"} ] },
    { "name": "b", "needs": ["a"], "steps": [ {"step": "run"} ] },
    { "name": "c", "needs": ["b"], "steps": [ {"step": "run"} ] }
  ]
}' >/dev/null
refused cycle "cycle\.json:5:15: dependency cycle: 'a' -> 'c' -> 'b' -> 'a'$"

recipe duplicate '{
  "name": "x",
  "jobs": [
    { "name": "build-{d}", "matrix": {"d": ["x", "y"]}, "steps": [ {"step": "run"} ] },
    { "name": "build-y", "steps": [ {"step": "run"} ] }
  ]
}' >/dev/null
refused duplicate "duplicate\.json:5:15: duplicate job name 'build-y'$"

recipe bad-name '{
  "name": "x",
  "jobs": [
    { "name": "test/../../etc", "steps": [ {"step": "run"} ] }
  ]
}' >/dev/null
refused bad-name "bad-name\.json:4:15: job name 'test/\.\./\.\./etc' is not made of \[A-Za-z0-9\._-\] \(at most 128 characters\)$"

recipe bad-step '{
  "name": "x",
  "jobs": [ { "name": "a", "steps": [ {"step": "format-disk"} ] } ]
}' >/dev/null
refused bad-step "bad-step\.json:3:48: job 'a': unknown step 'format-disk' \(see 'pvci help steps'\)$"

recipe bad-timeout '{
  "name": "x",
  "jobs": [ { "name": "a", "steps": [ {"step": "run", "timeout": -5} ] } ]
}' >/dev/null
refused bad-timeout "bad-timeout\.json:3:66: job 'a' step 'run': 'timeout' must be seconds between 1 and 604800$"

is "no flight was created by any of them" "$(pvci flight list --json)" "[]"
rows=$(sqlite3 "$PVCI_HOME/results.db" 'select count(*) from jobs; select count(*) from runvars; select count(*) from steps;' 2>/dev/null | tr '\n' ' ')
is "no job, runvar or step rows either" "$rows" "0 0 0 "
out=$(pvci flight create "$TEST_DIR/nosuch.json" 2>&1)
like "a missing recipe file is named" "$out" "cannot open '$TEST_DIR/nosuch.json'"
out=$(pvci flight create "$PVCI_SRCDIR/flights/smoke.json" --runvar 'bad name=1' 2>&1); rc=$?
is "a bad --runvar name is a usage error" "$rc" 64
like "and says which name and why" "$out" "--runvar 'bad name=1': runvar name 'bad name' is not made of \[A-Za-z0-9\._-\]"
out=$(pvci flight create "$PVCI_SRCDIR/flights/smoke.json" --runvar 'test-x64-linux-smoke:colour=blue' 2>&1); rc=$?
is "a --runvar no step of the job reads is refused" "$rc" 3
like "as the typo it is, naming job and runvar" "$out" "colour.*test-x64-linux-smoke|test-x64-linux-smoke.*colour"
