#!/bin/bash
# pvci report: a broken step (infrastructure) blocks as trouble, never as
# a driver regression.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
plan 6
init_instance
r="$TEST_DIR/r.json"
write_recipe "$r" build:a test:b,c:build

real_flight "$r" 1 >/dev/null
f2=$(real_flight "$r" 2 "$(broken_arg test c)")
out=$(pvci report "$f2"); rc=$?
is "broken blocks: exit 1" "$rc" 1
is "the row" "$(report_line "$f2" test c)" "test 2 c broken broken"
like "verdict trouble" "$out" "^Verdict: trouble: broken$"
is "mro: broken-step, no regression, no tolerable" "$(pvci report "$f2" --format mro | tail -1)" \
	"broken-step test c"
is "no regression line" "$(pvci report "$f2" --format mro | grep -c '^regression')" 0
is "json" "$(finding "$f2" test c)" "broken broken true"
