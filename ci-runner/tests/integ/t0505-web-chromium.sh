#!/bin/bash
# The pages in a real browser (headless Chromium, no JavaScript needed):
# the flight grid shows the failed step in its colour and its link opens
# the step's log; the trend chart has one point per real flight. The
# screenshots are kept in build/test-artifacts/t0505/ of the source tree.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
. "$(dirname "$0")/web-lib.sh"
command -v chromium >/dev/null || { echo "1..0 # SKIP chromium is not installed"; exit 0; }
plan 8
init_instance
no_retries
write_recipe "$TEST_DIR/r.json" build:a test:b,c:build
db="$PVCI_HOME/results.db"
measure() {
	sqlite3 "$db" "INSERT INTO measurements (flight, job, stepno, metric, value, unit, recorded)
		VALUES ($1, 'test', 1, 'write_mibs', $2, 'MiB/s', 0)"
}
f1=$(real_flight "$TEST_DIR/r.json" 1); measure "$f1" 100
f2=$(real_flight "$TEST_DIR/r.json" 2); measure "$f2" 110
fail c
f3=$(real_flight "$TEST_DIR/r.json" 3); measure "$f3" 95
pvci report "$f3" >/dev/null
# A one-off flight's figures are not a trend of the branch.
f4=$(pvci flight create "$TEST_DIR/r.json" --branch trunk --blessing adhoc 2>/dev/null)
pvci flight run "$f4" >/dev/null 2>&1; measure "$f4" 500
start_serve || exit 1

art="$PVCI_SRCDIR/build/test-artifacts/t0505"
mkdir -p "$art"
browse() {
	chromium --headless --no-sandbox --disable-gpu --user-data-dir="$TEST_DIR/chrome" \
		--hide-scrollbars "$@" 2>>"$TEST_DIR/chromium.err"
}
dom=$(browse --dump-dom "${URL}flight/$f3.html")
cell=$(grep -o "<td class=\"s-fail\" style=\"background:#f28b82\"><a class=\"step\"[^>]*href=\"[^\"]*02\.c\.log\"" <<<"$dom" | head -1)
like "the browser's DOM has the failed step's cell in the fail colour" "$cell" 'background:#f28b82'
href=$(sed 's/.*href="\([^"]*\)".*/\1/' <<<"$cell")
is "its link is relative" "$href" "../logs/$f3/test/02.c.log"
logdom=$(browse --dump-dom "${URL}flight/$href")
like "following it opens the step's log" "$logdom" "step 2 'c' \(run\) of job 'test', flight $f3"
like "which says why it failed" "$logdom" "'sh' exited with status 1"
browse --screenshot="$art/flight.png" --window-size=1000,860 "${URL}flight/$f3.html" >/dev/null
px=$(python3 "$(dirname "$0")/png-colour.py" "$art/flight.png" f28b82)
like "the screenshot shows the fail colour (pixels: $px)" "$px" '^[0-9]{3,}$'
tdom=$(browse --dump-dom "${URL}trends/trunk.html")
is "the trend chart has one point per real flight" \
	"$(grep -o '<circle class="pt[^"]*" data-flight="[0-9]*"' <<<"$tdom" | sed 's/.*data-flight="//; s/"//' | tr '\n' ' ')" \
	"$f1 $f2 $f3 "
is "the one-off flight is not among them" "$(grep -c "data-flight=\"$f4\"" <<<"$tdom")" 0
browse --screenshot="$art/trends.png" --window-size=800,400 "${URL}trends/trunk.html" >/dev/null
browse --screenshot="$art/index.png" --window-size=1100,500 "${URL}index.html" >/dev/null
check "screenshots kept in build/test-artifacts/t0505" test -s "$art/trends.png" -a -s "$art/index.png"
