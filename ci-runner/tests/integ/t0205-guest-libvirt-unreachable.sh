#!/bin/bash
# libvirt unreachable before a job (toolstack.uri names a socket that does
# not exist): the job is broken, not failed, and leaves no overlay. Needs
# neither libvirtd nor a real image.
. "$(dirname "$0")/lib.sh"
plan 6
init_instance

jq '.toolstack.uri = "qemu+unix:///system?socket=/nonexistent/libvirt-sock"' \
	"$PVCI_HOME/config.json" >"$TEST_DIR/config.json" && mv "$TEST_DIR/config.json" "$PVCI_HOME/config.json"
img="$TEST_DIR/img"
mkdir -p "$img"
qemu-img create -q -f qcow2 "$img/disk.qcow2" 64M
pvci image build testguest --from "$img" >/dev/null

cat >"$TEST_DIR/down.json" <<'JSON'
{ "name": "down", "jobs": [
  { "name": "test-x64-linux-down", "runvars": { "image": "testguest" },
    "steps": [ { "step": "guest-start" }, { "step": "storage-stress" },
               { "step": "capture-logs" }, { "step": "cleanup" } ] } ] }
JSON
f=$(pvci flight create "$TEST_DIR/down.json")
pvci flight run "$f" >"$TEST_DIR/run.out" 2>&1; rc=$?
is "the flight is broken" "$rc" 2
is "the job is broken, not failed" "$(job_status "$f" test-x64-linux-down)" broken
is "guest-start is broken" "$(step_status "$f" test-x64-linux-down guest-start)" broken
like "its note names the URI" \
	"$(pvci job show "$f" test-x64-linux-down --json | jq -r '.steps[0].note')" \
	"cannot connect to libvirt at 'qemu\+unix:///system\?socket=/nonexistent/libvirt-sock'"
is "storage-stress never ran" "$(step_status "$f" test-x64-linux-down storage-stress)" skipped
check "no overlay was made" test ! -e "$PVCI_HOME/overlays/$f/test-x64-linux-down.qcow2"
