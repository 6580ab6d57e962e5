#!/bin/bash
# pvci gate: a clean real flight pushes its revision to the tree's tested
# ref and records it; a later one advances it; running it again changes
# nothing; the history says who and why.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
. "$(dirname "$0")/gate-lib.sh"
. "$(dirname "$0")/smtp-lib.sh"
plan 13
init_instance
recipe="$TEST_DIR/gate.json"
gate_recipe "$recipe" "" build:a test:b:build
start_smtp "$TEST_DIR/smtp"
set_config smtp_url "\"smtp://127.0.0.1:$port\""
set_config from '"pvci@ci.example.org"'
set_config to '"trunk@example.org"'

f1=$(gate_flight "$recipe" "$C1")
is "the flight passes" "$(cat "$TEST_DIR/run.rc")" 0
like "flight run says the gate advanced" "$(cat "$TEST_DIR/run.out")" \
	"^gate: trunk advanced to drivers $C1 \(flight $f1\)$"
is "the tested ref is pushed to the bare repository" "$(tested_ref)" "$C1"
is "the tested revision is recorded" "$(tested_db)" "drivers $C1"
is "the push target is recorded with the flight" \
	"$(pvci job show "$f1" build --json | jq -r '.runvars.push_url_drivers + " " + .runvars.tested_ref_drivers')" \
	"$BARE refs/heads/tested/trunk"
is "its email says PUSHED" "$(header "$TEST_DIR/smtp/msg-1.eml" Subject)" \
	"[trunk test] $f1: all pass - PUSHED"

f2=$(gate_flight "$recipe" "$C2")
is "a later clean flight advances it" "$(tested_ref)" "$C2"
is "and records it" "$(tested_db)" "drivers $C2"
is "the second advance is mailed PUSHED too" "$(header "$TEST_DIR/smtp/msg-2.eml" Subject)" \
	"[trunk test] $f2: all pass - PUSHED"
out=$(pvci gate run "$f2"); rc=$?
is "gate run again: already there, exit 0" "$rc:$out" \
	"0:gate: branch 'trunk' already at the revisions of flight $f2"
out=$(pvci gate run "$f1"); rc=$?
like "an older flight does not move it back" "$rc:$out" \
	"^1:gate: branch 'trunk' not advanced: the later flight $f2 advanced it already"
is "the ref stayed" "$(tested_ref)" "$C2"
out=$(pvci gate show trunk)
like "gate show: open, tested revisions, who advanced and why" "$out" \
	"^ .* UTC $(id -un) advance drivers $C2 flight $f2: nothing blocks; pushed to '$BARE' refs/heads/tested/trunk$"
