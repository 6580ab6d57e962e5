#!/bin/bash
# Priority across flights on a one-slot host: a push flight goes before an
# older nightly flight (their origins set as the triggers record them);
# scheduler.priority turns it round.
. "$(dirname "$0")/lib.sh"
plan 3
init_instance

cfg=$PVCI_HOME/config.json
jq '. + { hosts: [ { name: "h1", uri: "test:///default", capacity: { guests: 1, memory_mib: 4096 } } ] }' \
	"$cfg" >"$cfg.new" && mv "$cfg.new" "$cfg"
recipe() {	# recipe NAME: two jobs that note their name when they run
	cat >"$TEST_DIR/$1.json" <<JSON
{ "name": "$1", "jobs": [
  { "name": "$1-{n}", "matrix": { "n": ["1", "2"] },
    "runvars": { "cmd_go": ["sh", "-c", "echo $1 >> $TEST_DIR/order"] },
    "steps": [ { "step": "run", "as": "go" } ] } ] }
JSON
}
recipe nightly
recipe push
# two FIRST SECOND: flights of those triggers, the first one older.
two() {
	local a b
	a=$(pvci flight create "$TEST_DIR/$1.json")
	b=$(pvci flight create "$TEST_DIR/$2.json")
	sqlite3 "$PVCI_HOME/results.db" "update flight_origin set triggered_by = '$1' where flight = $a;
		update flight_origin set triggered_by = '$2' where flight = $b;
		update flights set created = created - 100 where flight = $a"
}
two nightly push
timeout 60 "$PVCI_BIN" pool run --interval 50 >/dev/null 2>&1
# One slot: the jobs ran one after the other, in the order they wrote.
is "the push flight's jobs ran before the older nightly flight's" "$(tr '\n' ' ' <"$TEST_DIR/order")" "push push nightly nightly "
: >"$TEST_DIR/order"

jq '.scheduler = { priority: "nightly,push,adhoc" }' "$cfg" >"$cfg.new" && mv "$cfg.new" "$cfg"
two push nightly
timeout 60 "$PVCI_BIN" pool run --interval 50 >/dev/null 2>&1
is "with priority nightly,push,adhoc the nightly flight goes first" "$(tr '\n' ' ' <"$TEST_DIR/order")" "nightly nightly push push "
is "everything passed" "$(sqlite3 "$PVCI_HOME/results.db" "select group_concat(distinct status) from jobs")" pass
