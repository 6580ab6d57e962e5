#!/bin/bash
# Priority across flights on a one-slot host: a push (real) flight goes
# before an older one-off (adhoc) flight; scheduler.priority turns it round.
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
recipe adhoc
recipe push
pvci flight create "$TEST_DIR/adhoc.json" --blessing adhoc >/dev/null
pvci flight create "$TEST_DIR/push.json" --blessing real >/dev/null
timeout 60 "$PVCI_BIN" pool run --interval 50 >/dev/null 2>&1
# One slot: the jobs ran one after the other, in the order they wrote.
is "the push flight's jobs ran before the older adhoc flight's" "$(tr '\n' ' ' <"$TEST_DIR/order")" "push push adhoc adhoc "
: >"$TEST_DIR/order"

# The other way round when the config says so.
jq '.scheduler = { priority: "adhoc,push,nightly" }' "$cfg" >"$cfg.new" && mv "$cfg.new" "$cfg"
a=$(pvci flight create "$TEST_DIR/push.json" --blessing real)
b=$(pvci flight create "$TEST_DIR/adhoc.json" --blessing adhoc)
timeout 60 "$PVCI_BIN" pool run --interval 50 >/dev/null 2>&1
is "with priority adhoc,push,nightly the adhoc flight goes first" "$(tr '\n' ' ' <"$TEST_DIR/order")" "adhoc adhoc push push "
is "everything passed" "$(sqlite3 "$PVCI_HOME/results.db" "select group_concat(distinct status) from jobs")" pass
