#!/bin/bash
# pvci init: creates a working instance; idempotent; the config is strict.
. "$(dirname "$0")/lib.sh"
plan 9

check "init creates an instance" pvci init
for f in config.json results.db logs artifacts keys; do
	[ -e "$PVCI_HOME/$f" ] || missing="$missing $f"
done
is "instance has config, database, logs, artifacts, keys" "${missing:-}" ""
echo '{"guest": {"memory_mib": 768}}' >"$PVCI_HOME/config.json.new"
cp "$PVCI_HOME/config.json" "$TEST_DIR/config.orig"
check "init again succeeds" pvci init
check "init again keeps the config" cmp "$PVCI_HOME/config.json" "$TEST_DIR/config.orig"
tables=$(sqlite3 "$PVCI_HOME/results.db" .tables 2>/dev/null || echo)
versions=$(pvci flight list --json)
is "flight list of a new instance is empty" "$versions" "[]"

echo '{"toolstack": {"uri": "qemu:///system", "colour": "blue"}}' >"$PVCI_HOME/config.json"
out=$(pvci flight list 2>&1); rc=$?
is "an unknown config key is refused" "$rc" 3
like "the message names the key and the file" "$out" "config.json: unknown setting 'toolstack.colour'"
echo '{"guest": {"memory_mib": "lots"}}' >"$PVCI_HOME/config.json"
out=$(pvci flight list 2>&1)
like "a wrongly typed setting is refused" "$out" "setting 'guest.memory_mib' must be a whole number"
PVCI_HOME= out=$(pvci --home "$TEST_DIR/other" flight list 2>&1)
like "a missing instance is named with a hint" "$out" "no pvci instance in '$TEST_DIR/other'.*pvci init"
