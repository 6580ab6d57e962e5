#!/bin/bash
# Flaky or broken? A real flight with a regression has its regressed jobs
# run again on the same revisions in a real-retry flight linked to it,
# before the push gate decides: a step that passes there is "pass in N"
# (flaky, counted), does not block, and the gate advances; one that fails
# again stays a regression and holds the gate. Only real flights, only
# once, and not when verdicts.retry_regressions is off.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
. "$(dirname "$0")/gate-lib.sh"
plan 28
init_instance
recipe="$TEST_DIR/gate.json"
gate_recipe "$recipe" "" build:a test:b,c:build other:d:build

# commit: a new commit on the tree's branch; prints its id.
commit() {
	git -C "$SRC" -c user.name=pvci -c user.email=pvci@example.org commit -q --allow-empty -m "$1"
	git -C "$SRC" rev-parse HEAD
}
nflights() { sqlite3 "$PVCI_HOME/results.db" "SELECT count(*) FROM flights"; }

f1=$(gate_flight "$recipe" "$C1")
is "a clean flight advances the gate" "$(tested_ref)" "$C1"

# Flaky: b fails once, then passes in the retry.
fail_once b
f2=$(gate_flight "$recipe" "$C2")
f3=$((f2 + 1))
like "flight run says it runs the regressed jobs again" "$(cat "$TEST_DIR/run.out")" \
	"^retry: flight $f3 runs the regressed jobs of flight $f2 again$"
is "the retry is a real-retry flight linked to the first" \
	"$(pvci flight show "$f3" --json | jq -r '"\(.blessing) \(.retry_of) \(.branch)"')" \
	"real-retry $f2 trunk"
is "it holds the regressed job and the job it needs, not the others" \
	"$(pvci flight show "$f3" --json | jq -r '[.jobs[].job] | join(" ")')" "build test"
is "on the same revisions" \
	"$(pvci job show "$f3" test --json | jq -r .runvars.revision_drivers)" "$C2"
is "the first flight names its retry" \
	"$(pvci flight show "$f2" --json | jq -r .retried_in)" "$f3"
like "flight show says so" "$(pvci flight show "$f2")" "^regressed jobs run again in flight $f3$"
is "the regression passed on retry: pass in N, flaky once" "$(report_line "$f2" test b)" \
	"test 1 b fail pass in $f3 (flaky 1 time on trunk)"
is "json: pass-in, not blocking, flaky_count 1" \
	"$(pvci report "$f2" --format json | jq -r '.findings[] | select(.step == "b") | "\(.finding) \(.blocks) \(.flaky_count)"')" \
	"pass-in false 1"
is "json: retried_in" "$(pvci report "$f2" --format json | jq -r .retried_in)" "$f3"
is "mro: tolerable" "$(pvci report "$f2" --format mro | tail -n 1)" tolerable
like "the report says where the jobs ran again" "$(pvci report "$f2")" \
	"^Regressed jobs run again in flight $f3 \(real-retry\)"
like "the retry's report says what it retries" "$(pvci report "$f3")" "^Retry of flight $f2: "
is "the gate advanced after the retry" "$(tested_ref)" "$C2"
like "flight run says so" "$(cat "$TEST_DIR/run.out")" "^gate: trunk advanced to drivers $C2 \(flight $f2\)$"
is "no regression is open" "$(sqlite3 "$PVCI_HOME/results.db" "SELECT count(*) FROM regressions WHERE fixed_in IS NULL")" 0

# A second flaky failure of the same step counts twice.
C3=$(commit three)
fail_once b
f4=$(gate_flight "$recipe" "$C3")
is "flaky twice" "$(report_line "$f4" test b)" "test 1 b fail pass in $((f4 + 1)) (flaky 2 times on trunk)"
is "the baseline is the real flight, never its retry of the same revisions" \
	"$(pvci report "$f4" --format json | jq -r .baseline.flight)" "$f2"
like "the last push before it, also after it advanced the gate itself" "$(pvci report "$f4")" \
	"^Baseline: flight $f2, whose revisions the push gate of branch 'trunk' last advanced to before this flight$"

# A real regression: fails again in the retry.
C4=$(commit four)
fail b
f6=$(gate_flight "$recipe" "$C4")
f7=$((f6 + 1))
is "the retry ran" "$(pvci flight show "$f6" --json | jq -r .retried_in)" "$f7"
is "and failed there too" "$(pvci job show "$f7" test --json | jq -r .status)" fail
is "still a regression" "$(report_line "$f6" test b)" "test 1 b fail REGR. vs. $((f4))"
is "mro names it" "$(pvci report "$f6" --format mro | grep '^regression')" "regression test b $f4"
is "the gate held" "$(tested_ref)" "$C3"
out=$(pvci flight run "$f6" 2>&1)
is "running the flight again makes no second retry" "$(sqlite3 "$PVCI_HOME/results.db" "SELECT count(*) FROM flights WHERE retry_of = $f6")" 1

# adhoc flights and the setting off: no retry.
n=$(nflights)
f=$(gate_flight "$recipe" "$C4" --blessing adhoc)
is "an adhoc flight's regression is not retried" "$(nflights)" $((n + 1))
jq '.verdicts.retry_regressions = false' "$PVCI_HOME/config.json" >"$TEST_DIR/c" && mv "$TEST_DIR/c" "$PVCI_HOME/config.json"
pass b
C5=$(commit five)
gate_flight "$recipe" "$C5" >/dev/null
fail_once b
C6=$(commit six)
n=$(nflights)
f=$(gate_flight "$recipe" "$C6")
is "with verdicts.retry_regressions false: no retry" "$(nflights)" $((n + 1))
is "and the one-off failure is a regression" "$(report_line "$f" test b)" "test 1 b fail REGR. vs. $((f - 1))"
