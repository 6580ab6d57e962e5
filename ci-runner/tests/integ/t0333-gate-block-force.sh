#!/bin/bash
# pvci gate block / unblock / force: a blocked gate never advances; each
# act is recorded with who and why and shown; force moves the ref back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
. "$(dirname "$0")/gate-lib.sh"
plan 15
init_instance
recipe="$TEST_DIR/gate.json"
gate_recipe "$recipe" "" build:a
me=$(id -un)

out=$(pvci gate block trunk 2>&1); rc=$?
like "block needs a reason" "$rc:$out" "^64:pvci gate block: needs --reason TEXT"
out=$(pvci gate block trunk --reason "   " 2>&1); rc=$?
like "an empty reason is refused" "$rc:$out" "^64:pvci gate block: --reason must not be empty"
out=$(pvci gate block trunk --reason "driver signing is being rotated"); rc=$?
is "block" "$rc:$out" "0:gate: branch trunk blocked: driver signing is being rotated"
out=$(pvci gate block trunk --reason again 2>&1); rc=$?
like "blocking twice is refused" "$rc:$out" "^3:.*branch 'trunk' is blocked already"
f1=$(gate_flight "$recipe" "$C1")
like "a clean real flight does not advance a blocked gate" "$(cat "$TEST_DIR/run.out")" \
	"^gate: branch 'trunk' not advanced: the gate is blocked \(by $me on .* UTC: driver signing is being rotated\)$"
is "nothing pushed nor recorded" "$(tested_ref)|$(tested_db)" "|"
like "gate show: blocked, by whom and why" "$(pvci gate show trunk)" \
	"^branch trunk: blocked by $me on .* UTC: driver signing is being rotated$"
out=$(pvci gate unblock trunk --reason "keys rotated"); rc=$?
is "unblock" "$rc:$out" "0:gate: branch trunk unblocked: keys rotated"
out=$(pvci gate run "$f1"); rc=$?
like "then gate run advances it" "$rc:$out" "^0:gate: trunk advanced to drivers $C1"
f2=$(gate_flight "$recipe" "$C2")
is "a later flight advanced it" "$(tested_ref)" "$C2"
out=$(pvci gate force trunk "$C1" --reason "C2 breaks Windows 10" 2>&1); rc=$?
like "force moves it back and pushes" "$rc:$out" \
	"^0:gate: trunk forced to drivers $C1, pushed to '$BARE' refs/heads/tested/trunk$"
is "the ref and the record are back" "$(tested_ref) $(tested_db)" "$C1 drivers $C1"
out=$(pvci gate force trunk master --tree drivers --reason "back to master" 2>&1); rc=$?
like "force takes a ref of the tree, resolved to its commit" "$rc:$out:$(tested_ref)" \
	"^0:gate: trunk forced to drivers $C2, pushed .*:$C2$"
out=$(pvci gate force trunk "$C2" --tree nosuch --reason x 2>&1); rc=$?
like "force of a tree the branch does not have is refused" "$rc:$out" \
	"^3:.*gate force: branch 'trunk' has no tree 'nosuch'"
show=$(pvci gate show trunk)
like "the history: block, hold, unblock, advance, force, each with who and why" \
	"$(printf '%s\n' "$show" | awk '/^History/ { h = 1; next } h { sub(/:$/, "", $5); print $4, $5 }' | tr '\n' ' ')" \
	"^$me block $me hold $me unblock $me advance $me advance $me force $me force $"
