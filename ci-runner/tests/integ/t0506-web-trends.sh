#!/bin/bash
# The trends page: one chart per job and metric of the branch's real
# flights, one point per flight (the median of its values), the baseline
# (the flight of the tested revisions) marked, a value beyond the job's
# tolerance_METRIC from the median of the passing flights before it marked
# as a performance regression, as pvci report judges it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
. "$(dirname "$0")/web-lib.sh"
plan 7
init_instance
no_retries
write_recipe "$TEST_DIR/base.json" build:a test:b,c:build
jq '.jobs[1].runvars.tolerance_write_mibs = "-20%"' "$TEST_DIR/base.json" >"$TEST_DIR/r.json"
db="$PVCI_HOME/results.db"
measure() {
	sqlite3 "$db" "INSERT INTO measurements (flight, job, stepno, metric, value, unit, recorded)
		VALUES ($1, 'test', 1, '$2', $3, 'MiB/s', 0)"
}
fl=()
for v in 100 110 90 70; do
	f=$(real_flight "$TEST_DIR/r.json" "${#fl[@]}")
	measure "$f" write_mibs "$v"
	fl+=("$f")
done
# Two values in one flight: its point is their median.
measure "${fl[1]}" write_mibs 120
measure "${fl[0]}" read_mibs 300
sqlite3 "$db" "INSERT INTO tested_revisions VALUES ('trunk', 'drivers', '$(rev 1)', 0)"
start_serve || exit 1
page=$(get trends/trunk.html)

is "one chart per job and metric" "$(grep -c '<svg class="chart"' <<<"$page")" 2
pts=$(grep -o '<circle class="pt[^"]*" data-flight="[0-9]*"[^>]*><title>[^<]*' <<<"$page")
is "one point per real flight of write_mibs" \
	"$(awk '/write_mibs/ { p = 1 } p && /<\/svg>/ { exit } p' <<<"$page" | grep -c '<circle class="pt')" 4
like "a flight's point is the median of its values" "$pts" "data-flight=\"${fl[1]}\".*flight ${fl[1]}: 115 MiB/s"
like "the value beyond the tolerance is a performance regression" \
	"$(grep "data-flight=\"${fl[3]}\"" <<<"$pts")" 'class="pt perf-regression".*70 MiB/s \(performance regression\)'
is "and only it" "$(grep -c 'perf-regression' <<<"$pts")" 1
like "the baseline is marked" "$page" '<line class="baseline"'
is "trends of an unknown branch: an empty page" "$(get trends/nothing.html | grep -c 'No measurements yet')" 1
