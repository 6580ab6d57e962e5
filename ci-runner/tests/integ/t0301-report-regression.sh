#!/bin/bash
# pvci report: a step that passed in the baseline and fails now is a
# regression (REGR. vs. N, blocks); a clean flight is perfect; adhoc flights
# are no history.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
plan 14
init_instance
r="$TEST_DIR/r.json"
write_recipe "$r" build:a test:b,c:build

f1=$(real_flight "$r" 1)
out=$(pvci report "$f1"); rc=$?
is "a flight that passed: exit 0" "$rc" 0
like "verdict all pass" "$out" "^Verdict: all pass$"
is "mro of a clean flight" "$(pvci report "$f1" --format mro)" \
	"$(printf 'flight %s\nversion this drivers %s\nperfect' "$f1" "$(rev 1)")"

fail b
f2=$(real_flight "$r" 2)
out=$(pvci report "$f2"); rc=$?
is "a regression blocks: exit 1" "$rc" 1
is "the row names the baseline flight" "$(report_line "$f2" test b)" "test 1 b fail REGR. vs. $f1"
like "verdict" "$out" "^Verdict: regressions - FAIL$"
like "the report says which baseline and why" "$out" \
	"^Baseline: per step, the latest real flight of branch 'trunk' with a result for it \(no tested revisions recorded for the branch\)$"
like "under the blocking title" "$out" "Tests which did not succeed and are blocking,"
like "baseline revisions" "$out" "Baseline revisions \(flight $f1\):"
is "mro: versions and the regression, no tolerable/perfect line" "$(pvci report "$f2" --format mro)" \
	"$(printf 'flight %s\nversion this drivers %s\nversion that drivers %s\nregression test b %s' \
		"$f2" "$(rev 2)" "$(rev 1)" "$f1")"
is "json finding" "$(finding "$f2" test b)" "regression REGR. vs. $f1 true"
is "json verdict and blocks" "$(pvci report "$f2" --format json | jq -r '"\(.verdict) \(.blocks)"')" \
	"regressions - FAIL true"

# An adhoc flight that passed is no baseline for the next real one.
pass b
f3=$(real_flight "$r" 3 --blessing adhoc)
fail b
f4=$(real_flight "$r" 4)
is "adhoc flights are not history: like the last real flight" "$(report_line "$f4" test b)" \
	"test 1 b fail like $f2"
pvci report "$f3" >/dev/null; rc=$?
is "the adhoc flight itself can be judged" "$rc" 0
