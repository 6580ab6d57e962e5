#!/bin/bash
# pvci report: with the branch's tested revisions recorded, the baseline is
# the latest real flight of them; a step its job lacks is "blocked in N",
# a job it lacks "baseline untested".
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
plan 8
init_instance
full="$TEST_DIR/full.json"
small="$TEST_DIR/small.json"
write_recipe "$full" build:a test:b,c:build extra:e
write_recipe "$small" build:a test:b:build

f1=$(real_flight "$full" 1)
f2=$(real_flight "$small" 2)
fail b
f3=$(real_flight "$full" 3)
sqlite3 "$PVCI_HOME/results.db" \
	"INSERT INTO tested_revisions VALUES ('trunk', 'drivers', '$(rev 2)', 0)"
pass b
fail c
fail e
f4=$(real_flight "$full" 4)
out=$(pvci report "$f4"); rc=$?
like "the baseline is the tested revisions' flight" "$out" \
	"^Baseline: flight $f2, the latest real flight of the tested revisions of branch 'trunk'$"
is "a step the baseline's job lacks: blocked in N" "$(report_line "$f4" test c)" "test 2 c fail blocked in $f2"
is "a job the baseline lacks: baseline untested" "$(report_line "$f4" extra e)" "extra 1 e fail baseline untested"
is "neither blocks" "$rc" 0
is "mro: version that from the baseline" "$(pvci report "$f4" --format mro | grep '^version that')" \
	"version that drivers $(rev 2)"
is "json baseline" "$(pvci report "$f4" --format json | jq -r .baseline.flight)" "$f2"
# Against the tested flight, a step failing in a later flight is REGR. vs. it,
# not like the failing flight in between.
fail b
f5=$(real_flight "$full" 5)
is "regression against the tested flight, not the last one" "$(report_line "$f5" test b)" \
	"test 1 b fail REGR. vs. $f2"
sqlite3 "$PVCI_HOME/results.db" "UPDATE tested_revisions SET revision = '$(rev 9)'"
like "tested revisions no real flight has: per step, and why" "$(pvci report "$f5")" \
	"^Baseline: per step, .*\(no real flight has the branch's tested revisions\)$"
