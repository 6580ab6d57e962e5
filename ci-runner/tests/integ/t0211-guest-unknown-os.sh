#!/bin/bash
# An image whose kind no guest-OS entry serves: guest-start is broken (not
# failed) and its note names the kind and the kinds pvci knows, before any
# overlay or domain is made. Needs neither libvirtd nor a real image.
. "$(dirname "$0")/lib.sh"
plan 4
init_instance

jq '.toolstack.uri = "qemu+unix:///system?socket=/nonexistent/libvirt-sock"' \
	"$PVCI_HOME/config.json" >"$TEST_DIR/config.json" && mv "$TEST_DIR/config.json" "$PVCI_HOME/config.json"
img="$TEST_DIR/img"
mkdir -p "$img"
qemu-img create -q -f qcow2 "$img/disk.qcow2" 64M
echo '{ "kind": "windows-2022", "format": "qcow2" }' >"$img/image.json"
pvci image build w2022 --from "$img" >/dev/null

job=test-x64-w2022-unknown
cat >"$TEST_DIR/unknown.json" <<JSON
{ "name": "unknown", "jobs": [
  { "name": "$job", "runvars": { "image": "w2022" },
    "steps": [ { "step": "guest-start" }, { "step": "cleanup" } ] } ] }
JSON
f=$(pvci flight create "$TEST_DIR/unknown.json")
pvci flight run "$f" >"$TEST_DIR/run.out" 2>&1; rc=$?
is "the flight is broken" "$rc" 2
is "guest-start is broken" "$(step_status "$f" "$job" guest-start)" broken
like "its note names the kind and the known kinds" \
	"$(pvci job show "$f" "$job" --json | jq -r '.steps[0].note')" \
	"image kind 'windows-2022' is not a guest operating system pvci knows \(known kinds: linux-testguest, testguest\)"
check "no overlay was made" test ! -e "$PVCI_HOME/overlays/$f/$job.qcow2"
