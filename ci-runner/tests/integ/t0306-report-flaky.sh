#!/bin/bash
# pvci report: a failure that passed in another real flight of the same
# revisions is "pass in N" (flaky) and does not block; other revisions do
# not count.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
plan 6
init_instance
r="$TEST_DIR/r.json"
write_recipe "$r" build:a test:b,c:build

f1=$(real_flight "$r" 1)
fail b
f2=$(real_flight "$r" 2)
pass b
f3=$(real_flight "$r" 2)
out=$(pvci report "$f2"); rc=$?
is "passed on the same revisions in N: pass in N" "$(report_line "$f2" test b)" "test 1 b fail pass in $f3"
is "which does not block" "$rc" 0
like "under the intermittent title" "$out" "Tests which are failing intermittently \(not blocking\):"
is "json" "$(finding "$f2" test b)" "pass-in pass in $f3 false"
fail b
f4=$(real_flight "$r" 4)
is "other revisions do not make it flaky" "$(report_line "$f4" test b)" "test 1 b fail REGR. vs. $f3"
is "the flaky flight's mro is tolerable" "$(pvci report "$f2" --format mro | tail -1)" tolerable
