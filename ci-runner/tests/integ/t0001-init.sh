#!/bin/bash
# pvci init: creates a working instance; idempotent; the config is strict.
. "$(dirname "$0")/lib.sh"
plan 12

check "init creates an instance" pvci init
for f in config.json results.db logs artifacts keys; do
	[ -e "$PVCI_HOME/$f" ] || missing="$missing $f"
done
is "instance has config, database, logs, artifacts, keys" "${missing:-}" ""
# A customised config, unlike the one init writes, must survive init.
echo '{"guest": {"memory_mib": 768}}' >"$PVCI_HOME/config.json"
cp "$PVCI_HOME/config.json" "$TEST_DIR/config.custom"
check "init again succeeds" pvci init
check "init again keeps the customised config" cmp "$PVCI_HOME/config.json" "$TEST_DIR/config.custom"
out=$(pvci flight list --json)
is "flight list of a new instance is empty" "$out" "[]"

echo '{"toolstack": {"uri": "qemu:///system", "colour": "blue"}}' >"$PVCI_HOME/config.json"
out=$(pvci flight list 2>&1); rc=$?
is "an unknown config key is refused" "$rc" 3
like "the message names the key and the file" "$out" "config.json: unknown setting 'toolstack.colour'"
echo '{"guest": {"memory_mib": "lots"}}' >"$PVCI_HOME/config.json"
out=$(pvci flight list 2>&1)
like "a wrongly typed setting is refused" "$out" "setting 'guest.memory_mib' must be a whole number"
echo '{"guest": {"vcpus": 0}}' >"$PVCI_HOME/config.json"
out=$(pvci flight list 2>&1)
like "a setting out of its range is refused with the range" "$out" \
	"config.json: setting 'guest.vcpus' must be between 1 and 512, not 0"
echo '{"signing": {"cert": null}}' >"$PVCI_HOME/config.json"
out=$(pvci keys show 2>&1)
like "null for a required setting is refused" "$out" \
	"config.json: setting 'signing.cert' is required and cannot be null"
echo '{"nosection": {}}' >"$PVCI_HOME/config.json"
out=$(pvci flight list 2>&1)
like "an unknown section is refused even when empty" "$out" "config.json: unknown section 'nosection'"
out=$(pvci --home "$TEST_DIR/other" flight list 2>&1)
like "a missing instance is named with a hint" "$out" "no pvci instance in '$TEST_DIR/other'.*pvci init"
