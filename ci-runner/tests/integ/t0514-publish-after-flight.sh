#!/bin/bash
# publish.after_flight: pvci flight run publishes the flight when it ends;
# a target that fails is reported and changes neither the flight's exit
# status nor its results.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
. "$(dirname "$0")/publish-lib.sh"
plan 6
init_instance
no_retries
write_recipe "$TEST_DIR/r.json" build:a test:b,c:build
fail c
set_config publish.after_flight true
set_config publish.url "\"file://$TEST_DIR/site\""
f=$(pvci flight create "$TEST_DIR/r.json" --branch trunk --blessing real --tree "drivers=#$(rev 1)")
out=$(pvci flight run "$f" 2>&1)
rc_ok=$?
like "flight run publishes the flight" "$out" "publish: flight $f: [1-9][0-9]* uploaded, 0 unchanged"
check "its page is on the target" test -s "$TEST_DIR/site/flight/$f.html"
set_config publish.url '"https://127.0.0.1:1/x"'
set_config publish.tries 1
f2=$(pvci flight create "$TEST_DIR/r.json" --branch trunk --blessing real --tree "drivers=#$(rev 1)")
out=$(pvci flight run "$f2" 2>&1)
rc=$?
like "a failed publish is reported" "$out" "publish: flight $f2: failed"
is "the flight's exit status is the same" "$rc" "$rc_ok"
is "its jobs' results are those of the same flight published" \
	"$(pvci flight show "$f2" --json | jq -c '[.jobs[] | [.job, .status]]')" \
	"$(pvci flight show "$f" --json | jq -c '[.jobs[] | [.job, .status]]')"
check "nothing reached the first target" test ! -e "$TEST_DIR/site/flight/$f2.html"
