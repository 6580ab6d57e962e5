#!/bin/bash
# pvci serve: the JSON API (flights, a flight, a job, branches,
# regressions), ETag and Last-Modified on finished flights with 304 on
# If-None-Match, gzip when asked, bad query arguments refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
. "$(dirname "$0")/web-lib.sh"
plan 17
init_instance
no_retries
write_recipe "$TEST_DIR/r.json" build:a test:b,c:build
f1=$(real_flight "$TEST_DIR/r.json" 1)
fail c
f2=$(real_flight "$TEST_DIR/r.json" 2)
pvci report "$f2" >/dev/null
f3=$(pvci flight create "$TEST_DIR/r.json" --branch other 2>/dev/null)
start_serve || exit 1

is "flights, newest first" "$(get api/flights | jq -c '[.[].flight]')" "[$f3,$f2,$f1]"
is "of a branch, limited" "$(get 'api/flights?branch=trunk&limit=1' | jq -c '[.[].flight]')" "[$f2]"
is "a flight with its jobs" "$(get "api/flights/$f2" | jq -r '[.flight, .jobs[1].status] | @tsv')" "$f2	fail"
is "a job with its steps" "$(get "api/flights/$f2/jobs/test" | jq -r '.steps[1] | "\(.testid) \(.status) \(.log)"')" \
	"c fail logs/$f2/test/02.c.log"
is "branches" "$(get api/branches | jq -c '[.[] | [.branch, .flights]]')" '[["other",1],["trunk",2]]'
is "open regressions" "$(get api/regressions | jq -r '.[] | "\(.job) \(.step) \(.first_fail)"')" "test c $f2"
is "an unknown flight is 404" "$(code api/flights/999)" 404
is "an unknown job is 404" "$(code "api/flights/$f2/jobs/nojob")" 404
like "a bad branch is 400, naming the argument" "$(code 'api/flights?branch=a%2Fb'):$(get 'api/flights?branch=a%2Fb')" \
	"^400:.*query 'branch'"
like "a bad limit is 400" "$(code 'api/flights?limit=x'):$(get 'api/flights?limit=x')" "^400:.*query 'limit'"
hdr=$(curl -s -D - -o /dev/null "${URL}api/flights/$f2" | tr -d '\r')
etag=$(sed -n 's/^ETag: //Ip' <<<"$hdr")
like "a finished flight has an ETag" "$etag" '^".+"$'
like "and Last-Modified" "$hdr" '^Last-Modified: .* GMT$'
is "If-None-Match with it: 304" "$(code "api/flights/$f2" -H "If-None-Match: $etag")" 304
is "the flight page too" "$(code "flight/$f2.html" -H "If-None-Match: $(curl -s -D - -o /dev/null "${URL}flight/$f2.html" | tr -d '\r' | sed -n 's/^ETag: //Ip')")" 304
like "a running flight: no ETag, no-store" "$(curl -s -D - -o /dev/null "${URL}api/flights/$f3" | tr -d '\r')" \
	'Cache-Control: no-store'
is "gzip when asked" "$(curl -s -H 'Accept-Encoding: gzip' -D - -o "$TEST_DIR/z" "${URL}flight/$f2.html" | tr -d '\r' | grep -i '^content-encoding')" \
	"Content-Encoding: gzip"
is "and it unpacks to the page" "$(gunzip <"$TEST_DIR/z" | sha256sum)" "$(get "flight/$f2.html" | sha256sum)"
