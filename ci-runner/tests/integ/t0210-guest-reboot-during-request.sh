#!/bin/bash
# A guest that reboots while the agent runs a command for a step fails that
# step at once, saying so, instead of at the request's time limit (the
# agent of the new boot knows nothing of the request). Two ways to notice:
# libvirt's reboot event (job 1, a real "reboot -f"), and a READY of
# another boot on the agent's port (job 2 writes one there itself, as an
# agent starting after a reboot would, for toolstacks without the event).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/guest-lib.sh"
guest_setup
plan 8
guest_image

job=test-x64-linux-rebooting
job2=test-x64-linux-fakeready
cat >"$TEST_DIR/reboot.json" <<JSON
{ "name": "rebooting", "jobs": [
  { "name": "$job",
    "runvars": { "image": "testguest", "cmd_bounce": "sleep 1; reboot -f; sleep 600" },
    "steps": [ { "step": "guest-start" },
               { "step": "guest-run", "as": "bounce", "timeout": 300 },
               { "step": "capture-logs" }, { "step": "cleanup" } ] },
  { "name": "$job2",
    "runvars": { "image": "testguest",
                 "cmd_fake": "printf 'PVCI-READY 00000000-fake-new-boot 1\\n' >/dev/ttyS1; sleep 600" },
    "steps": [ { "step": "guest-start" },
               { "step": "guest-run", "as": "fake", "timeout": 300 },
               { "step": "cleanup" } ] } ] }
JSON
f=$(pvci flight create "$TEST_DIR/reboot.json")
pvci flight run "$f" >"$TEST_DIR/run.out" 2>&1; rc=$?
is "the flight fails" "$rc" 1
is "the step whose command rebooted the guest fails" "$(step_status "$f" "$job" bounce)" fail
like "its note says the guest rebooted during the request" "$(step_note "$f" "$job" bounce)" \
	"domain '[^']*' rebooted (while the agent ran a command|during request)"
secs=$(step_seconds "$f" "$job" bounce)
check "it was noticed long before the request's limit ($secs s, limit 295 s)" test "$secs" -lt 120
check "no domain and no overlay remain" guest_gone "$f" "$job"
like "a READY of another boot during a request fails it, naming both boots" \
	"$(step_note "$f" "$job2" fake)" \
	"domain '[^']*' rebooted during request [0-9]+ \(boot '[^']+', now '00000000-fake-new-boot'\)"
secs=$(step_seconds "$f" "$job2" fake)
check "at once ($secs s, limit 295 s)" test "$secs" -lt 120
check "no domain and no overlay remain (job 2)" guest_gone "$f" "$job2"
