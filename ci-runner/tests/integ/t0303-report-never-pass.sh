#!/bin/bash
# pvci report: a step that never passed on the branch is "never pass" and
# does not block; a failed job's later skipped steps are no finding.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
plan 6
init_instance
r="$TEST_DIR/r.json"
write_recipe "$r" build:a test:b,c:build

fail b
f1=$(real_flight "$r" 1)
out=$(pvci report "$f1"); rc=$?
is "never passed: never pass" "$(report_line "$f1" test b)" "test 1 b fail never pass"
is "does not block" "$rc" 0
is "the step skipped after it is no finding" "$(report_line "$f1" test c)" ""
f2=$(real_flight "$r" 2)
is "still never pass with a failing history" "$(report_line "$f2" test b)" "test 1 b fail never pass"
is "mro" "$(pvci report "$f2" --format mro | tail -2)" "$(printf 'never-passed test b\ntolerable')"
is "json" "$(finding "$f2" test b)" "never-pass never pass false"
