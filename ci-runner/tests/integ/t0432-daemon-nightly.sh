#!/bin/bash
# pvci daemon's nightly trigger with an injected clock (PVCI_CLOCK_OFFSET):
# at the schedule's time the branch's nightly flight is made and run; a
# daemon started again in the same slot makes none, and neither does the
# next slot while the revisions are those a nightly flight passed with.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
. "$(dirname "$0")/trigger-lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
plan 6
init_instance
no_retries
write_recipe "$TEST_DIR/nightly.json" build:a test:b:build
commit one >/dev/null
watch_config "$TEST_DIR/nightly.json" "$TEST_DIR/nightly.json" '{"time": "03:00"}'
# Only the nightly trigger: no push recipe.
jq 'del(.trees.drivers.branches.master.push) | .service.tick_ms = 50' "$PVCI_HOME/config.json" >"$TEST_DIR/c" &&
	mv "$TEST_DIR/c" "$PVCI_HOME/config.json"
now=$(date +%s)
slot=$(( (now / 86400 + 1) * 86400 + 3 * 3600 ))
export PVCI_CLOCK_OFFSET=$(( slot + 60 - now ))

start_daemon || exit 1
check "at 03:01 (injected) the nightly flight is made and runs" wait_for 60 flight_done 1
is "a real flight, by the schedule" \
	"$(sql "SELECT blessing || ' ' || triggered_by || ' ' || requester FROM flights JOIN flight_origin USING (flight)")" \
	"real nightly schedule"
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"
start_daemon || exit 1
check "a daemon started again in the same slot has done a round" wait_for 10 sh -c "[ \"\$(grep -c 'daemon: first round done' '$TEST_DIR/daemon.log')\" = 2 ]"
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"
is "make no second flight" "$(nflights)" 1
export PVCI_CLOCK_OFFSET=$(( slot + 86400 + 60 - now ))
start_daemon || exit 1
night2() { [ "$(sql "SELECT last_fire FROM trigger_state WHERE name LIKE 'nightly %'")" = $((slot + 86400)) ]; }
check "the next night's slot is handled" wait_for 10 night2
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"
is "the same revisions already passed: no flight, and the reason recorded" \
	"$(nflights) $(sql "SELECT flight IS NULL FROM trigger_state WHERE name LIKE 'nightly %'")" "1 1"
