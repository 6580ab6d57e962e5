#!/bin/bash
# pvci gate: a branch blocked while the gate pushes (here by the bare
# repository's pre-receive hook) is not recorded as advanced.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
. "$(dirname "$0")/gate-lib.sh"
plan 3
init_instance
recipe="$TEST_DIR/gate.json"
gate_recipe "$recipe" "" build:a
cat >"$BARE/hooks/pre-receive" <<'HOOK'
#!/bin/sh
"$PVCI_BIN" gate block trunk --reason "blocked during the push" >/dev/null
HOOK
chmod +x "$BARE/hooks/pre-receive"

f1=$(gate_flight "$recipe" "$C1")
like "the gate says it was blocked meanwhile" "$(cat "$TEST_DIR/run.out")" \
	"^gate: branch 'trunk' not advanced: it was blocked while it pushed$"
is "nothing is recorded as tested" "$(tested_db)" ""
like "the block is in the history" "$(pvci gate show trunk)" \
	"^branch trunk: blocked by .*: blocked during the push$"
