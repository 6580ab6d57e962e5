#!/bin/bash
# pvci gate: a real flight with a regression (a blocking finding of pvci
# report) does not push nor record; the ref stays where it was.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
. "$(dirname "$0")/gate-lib.sh"
plan 7
init_instance
recipe="$TEST_DIR/gate.json"
gate_recipe "$recipe" "" build:a test:b:build

f1=$(gate_flight "$recipe" "$C1")
is "a clean flight pushed" "$(tested_ref)" "$C1"
fail b
f2=$(gate_flight "$recipe" "$C2")
like "flight run says why the gate did not advance" "$(cat "$TEST_DIR/run.out")" \
	"^gate: branch 'trunk' not advanced: flight $f2 has blocking findings \(pvci report $f2\)$"
is "the flight's own exit status is kept" "$(cat "$TEST_DIR/run.rc")" 1
is "the tested ref stayed" "$(tested_ref)" "$C1"
is "the tested revision stayed" "$(tested_db)" "drivers $C1"
out=$(pvci gate run "$f2"); rc=$?
like "gate run: not advanced, exit 1" "$rc:$out" "^1:gate: branch 'trunk' not advanced: flight $f2 has blocking"
like "the hold is in the history" "$(pvci gate show trunk)" \
	"UTC $(id -un) hold flight $f2: flight $f2 has blocking findings"
