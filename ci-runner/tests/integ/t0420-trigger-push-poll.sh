#!/bin/bash
# The push trigger, polled: a commit on the watched branch makes a real
# flight at it on the next poll; three quick commits while that flight is
# queued are coalesced into it (one flight, at the newest head); a head
# already tested is skipped; each decision is logged with its reason.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
. "$(dirname "$0")/trigger-lib.sh"
plan 16
init_instance
write_recipe "$TEST_DIR/push.json" build:a test:b:build
c1=$(commit one)
watch_config "$TEST_DIR/push.json"

pvci trigger poll 2>"$TEST_DIR/poll1.err"
is "the first poll makes a flight" "$(nflights)" 1
is "a real push flight of branch trunk, asked by the poll" \
	"$(sql "SELECT blessing, branch, triggered_by, trigger_key, requester FROM flights LEFT JOIN flight_origin USING (flight)")" \
	"real|trunk|push|drivers/master|poll"
is "at the branch's head" "$(revs 1)" "$c1"
like "the decision is logged with its reason" "$(cat "$TEST_DIR/poll1.err")" \
	"trigger push drivers/master: created flight 1 at $c1 \(new head"
check "the flight runs" pvci flight run 1

pvci trigger poll 2>"$TEST_DIR/poll2.err"
is "an unchanged head makes nothing" "$(nflights)" 1

c2=$(commit two)
pvci trigger poll 2>/dev/null
is "a commit yields a flight on the next poll" "$(nflights)" 2
is "at the new head" "$(revs 2)" "$c2"

c3=$(commit three); pvci trigger poll 2>"$TEST_DIR/poll3.err"
c4=$(commit four); pvci trigger poll 2>/dev/null
c5=$(commit five); pvci trigger poll 2>/dev/null
is "three quick commits while it is queued: still one flight" "$(nflights)" 2
is "its revisions moved to the newest head, in every job using the tree" \
	"$(revs 2)" "$c5"
like "coalescing is logged with its reason" "$(cat "$TEST_DIR/poll3.err")" \
	"trigger push drivers/master: coalesced flight 2 at $c3 \(flight 2 was still queued"
check "the coalesced flight runs at the newest head" pvci flight run 2
is "both its jobs carry the newest head" \
	"$(sql "SELECT count(*) FROM runvars WHERE flight = 2 AND name = 'revision_drivers' AND value = '$c5'")" 2

# A head that went back to an already tested commit makes nothing ($c2 was
# coalesced away untested, $c1 was tested).
git -C "$SRC" reset -q --hard "$c1"
pvci trigger poll 2>"$TEST_DIR/poll4.err"
is "a head already tested is skipped" "$(nflights)" 2
like "and says so" "$(cat "$TEST_DIR/poll4.err")" \
	"trigger push drivers/master: skipped flight 1 at $c1 \(already tested in flight 1\)"

# A flight that started is not coalesced into: a new one is made.
c6=$(commit six)
pvci trigger poll 2>/dev/null
c7=$(commit seven)
sql "UPDATE flights SET started = 1 WHERE flight = 3"
pvci trigger poll 2>/dev/null
is "a push after its flight started gets a flight of its own" "$(revs 3) $(revs 4)" "$c6 $c7"
