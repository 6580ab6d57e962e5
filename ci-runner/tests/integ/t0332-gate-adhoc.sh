#!/bin/bash
# pvci gate: adhoc, play and bisect flights never move the gate, even clean.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
. "$(dirname "$0")/gate-lib.sh"
plan 6
init_instance
recipe="$TEST_DIR/gate.json"
gate_recipe "$recipe" "" build:a

f1=$(gate_flight "$recipe" "$C1")
is "a clean real flight pushed" "$(tested_ref)" "$C1"
f2=$(gate_flight "$recipe" "$C2" --blessing adhoc)
is "a clean adhoc flight passes" "$(cat "$TEST_DIR/run.rc")" 0
is "and flight run says nothing of the gate" "$(grep -c '^gate:' "$TEST_DIR/run.out")" 0
is "the tested ref stayed" "$(tested_ref)" "$C1"
out=$(pvci gate run "$f2"); rc=$?
is "gate run of an adhoc flight: exit 1 and why" "$rc:$out" \
	"1:gate: flight $f2 is adhoc, not real: the gate of branch 'trunk' does not move"
f3=$(gate_flight "$recipe" "$C2" --blessing play)
pvci gate run "$f3" >/dev/null
f4=$(gate_flight "$recipe" "$C2" --blessing bisect)
pvci gate run "$f4" >/dev/null
is "neither play nor bisect moves it" "$(tested_ref) $(tested_db)" "$C1 drivers $C1"
