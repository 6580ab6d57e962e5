#!/bin/bash
# pvci report: a measurement beyond the tolerance its job sets
# (runvar tolerance_METRIC) from the median of the last passing real
# flights is a performance regression and blocks; within it, or without a
# tolerance, it is none; an allow entry excuses it; a malformed tolerance
# is refused at creation.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
plan 10
init_instance
r="$TEST_DIR/r.json"
write_recipe "$TEST_DIR/base.json" build:a test:b,c:build
jq '.jobs[1].runvars.tolerance_write_mibs = "-20%"' "$TEST_DIR/base.json" >"$r"
db="$PVCI_HOME/results.db"
# measure FLIGHT METRIC VALUE: as the step b of job test would record it.
measure() {
	sqlite3 "$db" "INSERT INTO measurements (flight, job, stepno, metric, value, unit, recorded)
		VALUES ($1, 'test', 1, '$2', $3, 'MiB/s', 0)"
}

for v in 100 110 90; do
	f=$(real_flight "$r" 1)
	measure "$f" write_mibs "$v"
	measure "$f" other 100
done
f4=$(real_flight "$r" 1)
measure "$f4" write_mibs 85
measure "$f4" other 1
out=$(pvci report "$f4" --format mro); rc=$?
is "15 % below the median of 100, and no tolerance for the other metric: perfect" "$rc:$(tail -1 <<<"$out")" "0:perfect"

f5=$(real_flight "$r" 1)
measure "$f5" write_mibs 70
out=$(pvci report "$f5"); rc=$?
is "beyond the tolerance: blocks" "$rc" 1
is "the row names metric, value, change, median and flights" "$(report_line "$f5" test b)" \
	"test 1 b pass perf REGR. vs. $f4: write_mibs 70 MiB/s, -26.3% from the median 95 of 4 flights"
like "verdict" "$out" "^Verdict: regressions - FAIL$"
is "mro" "$(pvci report "$f5" --format mro | tail -1)" "perf-regression test b write_mibs $f4"
is "json" "$(pvci report "$f5" --format json | jq -r '.findings[0] | "\(.finding) \(.measurement.median) \(.measurement.flights) \(.blocks)"')" \
	"perf-regression 95 4 true"
printf 'test b until=2099-12-31 reason="slower disks this month"\n' >"$TEST_DIR/allow"
pvci report "$f5" --allow "$TEST_DIR/allow" >/dev/null; rc=$?
is "an allow entry excuses it" "$rc" 0
is "as allowable" "$(report_line "$f5" test b --allow "$TEST_DIR/allow")" \
	"test 1 b pass allowable (perf REGR. vs. $f4: write_mibs 70 MiB/s, -26.3% from the median 95 of 4 flights)"

jq '.jobs[1].runvars.tolerance_write_mibs = "20"' "$TEST_DIR/base.json" >"$TEST_DIR/bad.json"
out=$(pvci flight create "$TEST_DIR/bad.json" 2>&1); rc=$?
like "a malformed tolerance is refused at creation" "$rc:$out" \
	"^3:.*job 'test': runvar 'tolerance_write_mibs' must be a tolerance such as \"-20%\" or \"\+50%\", not '20'"
jq '.jobs[0].runvars.tolerance_boot_seconds = "+50%"' "$TEST_DIR/base.json" >"$TEST_DIR/good.json"
check "a job may set a tolerance no step reads" pvci flight create "$TEST_DIR/good.json"
