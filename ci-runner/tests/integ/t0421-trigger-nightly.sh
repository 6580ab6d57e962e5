#!/bin/bash
# The nightly trigger with an injected clock: it fires at its time, once per
# slot, not on days it is not scheduled, not again when a nightly flight of
# the same revisions passed, and again when the revisions change.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
. "$(dirname "$0")/trigger-lib.sh"
plan 15
init_instance
write_recipe "$TEST_DIR/nightly.json" build:a test:b:build
c1=$(commit one)
# 2026-11-26 is a Thursday; no Saturday.
watch_config "$TEST_DIR/nightly.json" "$TEST_DIR/nightly.json" \
	'{"time": "03:00", "days": ["mon","tue","wed","thu","fri","sun"], "utc_offset": "+01:00"}'

pvci trigger nightly --now 2026-11-26T01:59Z 2>/dev/null
is "not before its time (03:00 at +01:00 is 02:00 UTC)" "$(nflights)" 0
pvci trigger nightly --now 2026-11-26T02:00Z 2>"$TEST_DIR/n1.err"
is "at its time: a flight" "$(nflights)" 1
is "a real nightly flight of trunk, asked by the schedule" \
	"$(sql "SELECT blessing, branch, triggered_by, trigger_key, requester FROM flights LEFT JOIN flight_origin USING (flight)")" \
	"real|trunk|nightly|drivers/master|schedule"
is "at the branch's head" "$(revs 1)" "$c1"
like "logged with its reason" "$(cat "$TEST_DIR/n1.err")" \
	"trigger nightly drivers/master: created flight 1 \(due at 2026-11-26 02:00 UTC\)"
pvci trigger nightly --now 2026-11-26T02:30Z 2>/dev/null
is "once per slot" "$(nflights)" 1

check "the nightly flight runs and passes" pvci flight run 1
pvci trigger nightly --now 2026-11-27T02:00Z 2>"$TEST_DIR/n2.err"
is "the next night, same revisions already passed: no flight" "$(nflights)" 1
like "and it says why" "$(cat "$TEST_DIR/n2.err")" \
	"trigger nightly drivers/master: skipped flight 1 \(nightly flight 1 already passed at the same revisions\)"

c2=$(commit two)
pvci trigger nightly --now 2026-11-28T02:00Z 2>/dev/null
is "not on a day it is not scheduled (Saturday)" "$(nflights)" 1
pvci trigger nightly --now 2026-11-29T09:00Z 2>/dev/null
is "a slot missed by more than service.nightly_catch_up does not fire" "$(nflights)" 1
pvci trigger nightly --now 2026-11-30T02:10Z 2>/dev/null
is "new revisions: the next slot makes a flight at them" "$(nflights) $(revs 2)" "2 $c2"

# A tree that cannot be reached: the slot is tried again, once per poll interval.
jq '.trees.drivers.url = "/nonexistent/repo"' "$PVCI_HOME/config.json" >"$TEST_DIR/c" &&
	cp "$TEST_DIR/c" "$PVCI_HOME/config.json"
pvci trigger nightly --now 2026-12-01T02:00Z 2>"$TEST_DIR/n3.err"
is "an unreachable tree: exit 3, no flight" "$? $(nflights)" "3 2"
pvci trigger nightly --now 2026-12-01T02:00:30Z 2>"$TEST_DIR/n4.err"
is "not tried again within service.poll_interval" "$? $(wc -c <"$TEST_DIR/n4.err")" "0 0"
pvci trigger nightly --now 2026-12-01T02:01Z 2>"$TEST_DIR/n5.err"
like "tried again after it" "$(cat "$TEST_DIR/n5.err")" \
	"trigger nightly drivers/master: failed \(see above\); trying again in 60 s"
