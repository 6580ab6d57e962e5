#!/bin/bash
# The regressions table: opened by the first real flight judged with a
# regression, every flight it fails in since, fixed by the first that
# passes; judging a flight twice changes nothing; pvci regressions.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
plan 12
init_instance
r="$TEST_DIR/r.json"
write_recipe "$r" build:a test:b,c:build
db="$PVCI_HOME/results.db"
counts() { sqlite3 "$db" "SELECT (SELECT count(*) FROM regressions) || ' ' || (SELECT count(*) FROM regression_flights) || ' ' || coalesce((SELECT group_concat(coalesce(fixed_in, '-')) FROM regressions), '')"; }

f1=$(real_flight "$r" 1)
pvci report "$f1" >/dev/null
is "no regressions yet" "$(pvci regressions)" ""
fail b
f2=$(real_flight "$r" 2)
pvci report "$f2" >/dev/null
is "the regression opens" "$(pvci regressions)" \
	"trunk test b: failing since $f2 (0 days, 1 flight), last pass $f1"
pvci report "$f2" --format mro >/dev/null
is "judging the same flight again changes nothing" "$(counts)" "1 1 -"
f3=$(real_flight "$r" 3)
out=$(pvci report "$f3")
is "a flight it fails in since is counted" "$(pvci regressions --branch trunk)" \
	"trunk test b: failing since $f2 (0 days, 2 flights), last pass $f1"
like "the text report's Failing since" "$out" "^ test +b +failing since $f2 \(0 days, 2 flights\), last pass $f1$"
is "another branch has none" "$(pvci regressions --branch other)" ""
f4=$(real_flight "$r" 4 --blessing adhoc)
pvci report "$f4" >/dev/null
is "adhoc flights are not recorded" "$(counts)" "1 2 -"
pass b
f5=$(real_flight "$r" 5)
pvci report "$f5" >/dev/null
is "fixed: no longer open" "$(pvci regressions)" ""
is "--all shows the fixed one" "$(pvci regressions --all)" \
	"trunk test b: failed since $f2, fixed in $f5 (2 flights), last pass $f1"
pvci report "$f5" >/dev/null
pvci report "$f3" >/dev/null
is "judging again after the fix changes nothing" "$(counts)" "1 2 $f5"
fail b
f6=$(real_flight "$r" 6)
pvci report "$f6" >/dev/null
is "a new failure opens a new regression" "$(pvci regressions)" \
	"trunk test b: failing since $f6 (0 days, 1 flight), last pass $f5"
is "the old one stays fixed" "$(counts)" "2 3 $f5,-"
