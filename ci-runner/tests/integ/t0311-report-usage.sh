#!/bin/bash
# pvci report / regressions: usage errors, a missing flight, help.
. "$(dirname "$0")/lib.sh"
plan 7
init_instance
out=$(pvci report 1 --format xml 2>&1); rc=$?
like "an unknown format is a usage error" "$rc:$out" "^64:pvci report: unknown format 'xml'"
out=$(pvci report 2>&1); rc=$?
like "a flight is needed" "$rc:$out" "^64:pvci report: needs one FLIGHT"
out=$(pvci report x1 2>&1); rc=$?
like "a flight is a number" "$rc:$out" "^64:pvci report: 'x1' is not a flight number"
out=$(pvci report 99 2>&1); rc=$?
like "a missing flight is an error" "$rc:$out" "^3:.*no flight 99"
out=$(pvci regressions extra 2>&1); rc=$?
like "regressions takes no argument" "$rc:$out" "^64:pvci regressions: unexpected 'extra'"
like "pvci help lists both" "$(pvci help)" "report .*judge a flight.*"$'\n'".*regressions .*list open regressions"
like "report --help documents the allow file" "$(pvci report --help)" "JOBGLOB \[STEPGLOB\] until=YYYY-MM-DD"
