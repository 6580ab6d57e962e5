#!/bin/bash
# pvci report: steps still queued (or running) are unfinished and block.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
plan 5
init_instance
r="$TEST_DIR/r.json"
write_recipe "$r" build:a test:b,c:build

real_flight "$r" 1 >/dev/null
f2=$(pvci flight create "$r" --branch trunk --blessing real --tree "drivers=#$(rev 2)")
pvci flight run "$f2" --jobs build >/dev/null 2>&1
out=$(pvci report "$f2"); rc=$?
is "unfinished blocks: exit 1" "$rc" 1
is "the queued step's row" "$(report_line "$f2" test b)" "test 1 b queued unfinished"
like "verdict" "$out" "^Verdict: unfinished$"
is "mro has no tolerable/perfect line" "$(pvci report "$f2" --format mro | grep -cE '^(tolerable|perfect)$')" 0
is "json" "$(finding "$f2" test c)" "unfinished unfinished true"
