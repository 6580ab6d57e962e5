#!/bin/bash
# A corrupted installer ISO: driver-install fails on the checksum, naming
# the file that does not match, and nothing of the job remains.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/guest-lib.sh"
guest_setup
plan 6
guest_image
guest_fixture

job=test-x64-linux-badiso
guest_recipe "$TEST_DIR/badiso.json" badiso '[
  {"step": "guest-start"}, {"step": "driver-install"},
  {"step": "capture-logs"}, {"step": "cleanup"} ]'
f=$(pvci flight create "$TEST_DIR/badiso.json")
pvci flight run "$f" --jobs 'build-*' >"$TEST_DIR/build.out" 2>&1
is "the build job passes" "$(job_status "$f" build-x64-pvcifix)" pass

# Flip one character of the version string inside the .sys on the ISO.
iso="$PVCI_HOME/$(pvci job show "$f" build-x64-pvcifix --json |
	jq -r '.artifacts[] | select(.kind == "iso") | .path' | head -n 1)"
off=$(grep -obUa 'PVCI_VERSION=' "$iso" | head -n 1 | cut -d: -f1)
printf 'X' | dd of="$iso" bs=1 seek="$off" conv=notrunc status=none
check "the ISO was changed" grep -qa 'XVCI_VERSION=' "$iso"

pvci flight run "$f" >"$TEST_DIR/run.out" 2>&1
is "driver-install fails" "$(step_status "$f" "$job" driver-install)" fail
log=$(guest_step_log "$f" "$job" driver-install)
check "the log names the file that does not match" \
	grep -q "checksum mismatch: 'pvcifix.sys'" "$log"
is "the job fails (not broken)" "$(job_status "$f" "$job")" fail
check "no domain and no overlay remain" guest_gone "$f" "$job"
