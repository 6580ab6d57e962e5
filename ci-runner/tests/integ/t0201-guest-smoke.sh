#!/bin/bash
# The smoke flight on the Linux test guest: the fixture driver is built and
# signed, then a guest is started from an overlay, the ISO installed and
# checked, storage and network stressed, rebooted, saved and restored,
# stopped, its logs kept and everything removed. Runvars and measurements
# are recorded. (Its duration is bench/smoke-flight's business.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/guest-lib.sh"
guest_setup
plan 16
guest_image
guest_fixture

job=test-x64-linux-smoke
# The shipped recipe builds the fixture from this checkout; outside a git
# checkout, the same jobs from a private repository.
recipe="$PVCI_SRCDIR/flights/smoke.json"
if ! git -C "$PVCI_SRCDIR" rev-parse -q --verify HEAD >/dev/null 2>&1; then
	recipe="$TEST_DIR/smoke.json"
	guest_recipe "$recipe" smoke '[
	  {"step": "guest-start"}, {"step": "driver-install"}, {"step": "storage-stress"},
	  {"step": "network-stress"}, {"step": "guest-reboot"}, {"step": "guest-saverestore"},
	  {"step": "guest-stop"}, {"step": "capture-logs"}, {"step": "cleanup"} ]'
fi
echo "# recipe $recipe"

f=$(pvci flight create "$recipe")
pvci flight run "$f" >"$TEST_DIR/run.out" 2>&1; rc=$?
is "the smoke flight passes" "$rc" 0
[ "$rc" = 0 ] || sed 's/^/# /' "$TEST_DIR/run.out" | tail -n 40
json=$(pvci job show "$f" "$job" --json)
is "every step of the test job passed" \
	"$(jq -r '[.steps[] | .status] | unique | join(",")' <<<"$json")" pass
is "guest_domain is PREFIX-FLIGHT-JOB" "$(jq -r .runvars.guest_domain <<<"$json")" \
	"$GUEST_PREFIX-$f-$job"
is "guest_overlay is under overlays/FLIGHT" "$(jq -r .runvars.guest_overlay <<<"$json")" \
	"$PVCI_HOME/overlays/$f/$job.qcow2"
like "guest_boot_id is recorded" "$(jq -r .runvars.guest_boot_id <<<"$json")" '^[A-Za-z0-9-]+$'
built=$(pvci job show "$f" build-x64-pvcifix --json | jq -r .runvars.built_version)
is "installed_version is the built version" "$(jq -r .runvars.installed_version <<<"$json")" "$built"
metrics=$(jq -r '[.measurements[] | .metric] | join(" ")' <<<"$json")
for m in boot_seconds write_bw read_iops read_clat_p99 net_guest_to_host net_host_to_guest \
	reboot_seconds save_seconds restore_seconds; do
	like "measured $m" "$metrics" "(^| )$m( |$)"
done
# How long it takes is measured by bench/smoke-flight, not asserted here.
check "no domain and no overlay remain" guest_gone "$f" "$job"
