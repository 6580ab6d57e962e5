#!/bin/bash
# pvci report --allow: a regression an allow entry matches is allowable and
# does not block; an expired entry no longer allows and is listed; '!'
# takes a match back; an entry without until, or with a bad date, is refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
plan 14
init_instance
r="$TEST_DIR/r.json"
write_recipe "$r" build:a test:b,c:build
real_flight "$r" 1 >/dev/null
fail b
f2=$(real_flight "$r" 2)
al="$TEST_DIR/allow"

printf '# known\nte* b until=2099-12-31 reason="XSA-1 fix pending"\n' >"$al"
out=$(pvci report "$f2" --allow "$al"); rc=$?
is "an allowed regression does not block" "$rc" 0
is "its row" "$(report_line "$f2" test b --allow "$al")" "test 1 b fail allowable (REGR. vs. 1)"
like "under the allowable title" "$out" "Tests which did not succeed, but are allowable:"
is "mro: no regression line, tolerable" "$(pvci report "$f2" --allow "$al" --format mro | tail -1)" tolerable
is "json names the entry" "$(pvci report "$f2" --allow "$al" --format json |
	jq -r '.findings[0].allowed_by | "\(.file | split("/") | last):\(.line) \(.reason)"')" \
	"allow:2 XSA-1 fix pending"

printf 'test b until=2020-01-31 reason="old excuse"\n' >"$al"
out=$(pvci report "$f2" --allow "$al"); rc=$?
is "an expired entry no longer allows" "$rc" 1
is "the row is a regression again" "$(report_line "$f2" test b --allow "$al")" "test 1 b fail REGR. vs. 1"
like "the report lists it as expired" "$out" "Expired allow entries \(they no longer allow\):"
like "with file, line, date and reason" "$out" "$al:1 test b until=2020-01-31 reason=\"old excuse\""

printf 'test * until=2099-12-31 reason="all of test"\n!test b\n' >"$al"
pvci report "$f2" --allow "$al" >/dev/null; rc=$?
is "a '!' entry below takes the match back" "$rc" 1

printf 'test b until=2099-12-31 reason="ok"\ntest c reason="no date"\n' >"$al"
out=$(pvci report "$f2" --allow "$al" 2>&1); rc=$?
is "an entry without until is refused: exit 3" "$rc" 3
like "with file:line" "$out" "$al:2: entry has no until=YYYY-MM-DD"
printf 'test b until=2099-02-30 reason="x"\n' >"$al"
out=$(pvci report "$f2" --allow "$al" 2>&1); rc=$?
like "a malformed date is refused" "$rc:$out" "^3:.*$al:1: until '2099-02-30' is not a date YYYY-MM-DD"
out=$(pvci report "$f2" --allow "$TEST_DIR/none" 2>&1); rc=$?
is "a missing allow file is an error" "$rc" 3
