#!/bin/bash
# pvci report: a job blocked by a job it needs is one "blocked n/a" finding,
# which does not block by itself.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
plan 6
init_instance
r="$TEST_DIR/r.json"
write_recipe "$r" build:a test:b,c:build

fail a
f1=$(real_flight "$r" 1)
out=$(pvci report "$f1"); rc=$?
is "blocked job: blocked n/a, on its first step" "$(report_line "$f1" test b)" "test 1 b skipped blocked n/a"
is "once a job" "$(report_line "$f1" test c)" ""
is "never-passed build and blocked test do not block" "$rc" 0
is "mro" "$(pvci report "$f1" --format mro | tail -3)" \
	"$(printf 'never-passed build a\nblocked test\ntolerable')"
is "json" "$(finding "$f1" test b)" "blocked blocked n/a false"
pass a
real_flight "$r" 2 >/dev/null
fail a
f3=$(real_flight "$r" 3)
pvci report "$f3" >/dev/null; rc=$?
is "the needed job's regression blocks" "$rc" 1
