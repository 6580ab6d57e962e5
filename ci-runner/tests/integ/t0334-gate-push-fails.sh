#!/bin/bash
# pvci gate: a push that fails (no repository there, or a ref that moved
# elsewhere) leaves the recorded tested revisions unchanged, exits non-zero
# and says why, with git's reason.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
. "$(dirname "$0")/gate-lib.sh"
plan 9
init_instance
missing="$TEST_DIR/missing.git"
recipe="$TEST_DIR/gate.json"
gate_recipe "$recipe" "$missing" build:a

f1=$(gate_flight "$recipe" "$C1")
is "a passed flight whose push fails: flight run exits 3" "$(cat "$TEST_DIR/run.rc")" 3
like "and says why, with git's reason" "$(cat "$TEST_DIR/run.out")" \
	"gate: branch 'trunk' not advanced: cannot push tree 'drivers' revision $C1 to '$missing' refs/heads/tested/trunk: fatal: .*$missing.*"
is "nothing is recorded as tested" "$(tested_db)" ""
like "the failure is in the history" "$(pvci gate show trunk)" \
	"push-failed drivers $C1 flight $f1: cannot push tree 'drivers'"
out=$(pvci gate run "$f1" 2>&1); rc=$?
like "gate run: exit 3 and why" "$rc:$out" "^3:.*cannot push tree 'drivers'"
git init -q --bare "$missing"
out=$(pvci gate run "$f1"); rc=$?
like "once the repository is there, gate run pushes" "$rc:$out" "^0:gate: trunk advanced to drivers $C1"
is "and records" "$(tested_ref refs/heads/tested/trunk 2>/dev/null; git --git-dir="$missing" rev-parse refs/heads/tested/trunk) $(tested_db)" \
	"$C1 drivers $C1"

# Someone moved the tested ref to a commit the flight's is not a descendant of.
git -C "$SRC" push -q "$missing" "$C2:refs/heads/tested/trunk"
git -C "$SRC" checkout -q -b side "$C1"
git -C "$SRC" -c user.name=pvci -c user.email=pvci@example.org commit -q --allow-empty -m side
C3=$(git -C "$SRC" rev-parse HEAD)
f2=$(gate_flight "$recipe" "$C3")
like "a push that is not a fast-forward is refused, with git's reason (fetch first: the\
 scratch repository lacks the ref's commit)" \
	"$(cat "$TEST_DIR/run.rc"):$(grep 'cannot push' "$TEST_DIR/run.out")" \
	"^3:.*cannot push tree 'drivers' revision $C3 .*tested/trunk: ! \[rejected\] .*\((fetch first|non-fast-forward)\)"
is "the record is unchanged" "$(tested_db)" "drivers $C1"
