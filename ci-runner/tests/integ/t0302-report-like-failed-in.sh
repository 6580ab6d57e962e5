#!/bin/bash
# pvci report: a failure like the baseline's (same way) or different from
# it (failed in N) does not block.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
plan 7
init_instance
r="$TEST_DIR/r.json"
write_recipe "$r" build:a test:b,c:build

real_flight "$r" 1 >/dev/null
fail b 1
f2=$(real_flight "$r" 2)
f3=$(real_flight "$r" 3)
out=$(pvci report "$f3"); rc=$?
is "failed the same way as the baseline: like N" "$(report_line "$f3" test b)" "test 1 b fail like $f2"
is "which does not block" "$rc" 0
like "verdict tolerable" "$out" "^Verdict: tolerable FAIL$"
like "under the not-blocking title" "$out" "Tests which did not succeed, but are not blocking:"
is "mro ends tolerable" "$(pvci report "$f3" --format mro | tail -1)" tolerable
fail b 2
f4=$(real_flight "$r" 4)
is "failed differently: failed in N" "$(report_line "$f4" test b)" "test 1 b fail failed in $f3"
is "json" "$(finding "$f4" test b)" "failed-in failed in $f3 false"
