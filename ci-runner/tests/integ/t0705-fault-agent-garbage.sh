#!/bin/bash
# The guest side of the agent's serial port misbehaves, in the real test
# guest (its commands write straight to /dev/ttyS1, the agent's port, as a
# broken or hostile agent would): garbage bytes, a frame longer than the
# host takes (8 KiB), and frames for a request id the host did not ask
# (OUT, END, ERR) come before the genuine reply. Then the agent answers
# nothing but garbage and a wrong-id END, and stops.
#   - the first request still passes with the genuine output only;
#   - the second fails (the guest's fault, not broken) at its limit, with a
#     note saying the agent did not answer;
#   - the always steps clean up, no domain or overlay is left, and the next
#     job on the same host (a new guest) passes.
# One boot for the misbehaving job, one for the next job.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/guest-lib.sh"
guest_setup
plan 11
guest_image

# "forged output for another request" in base64: must never show up.
forged=Zm9yZ2VkIG91dHB1dCBmb3IgYW5vdGhlciByZXF1ZXN0Cg==
noisy="head -c 16384 /dev/urandom >/dev/ttyS1
printf 'PVCI-OUT 1 %s\n' \"\$(head -c 12000 /dev/zero | tr '\\\\0' A)\" >/dev/ttyS1
printf 'PVCI-OUT 77777 $forged\nPVCI-END 77777 0 34 0\nPVCI-ERR 77777 busy\nPVCI-END x y z\n' >/dev/ttyS1
echo genuine-output"
liar="printf 'PVCI-END 77778 0 0 0\nPVCI-OUT 77778 $forged\n' >/dev/ttyS1
head -c 4096 /dev/urandom >/dev/ttyS1
kill -STOP \$PVCI_AGENT_PID"
jq -n --arg noisy "$noisy" --arg liar "$liar" '{
  name: "garbage",
  jobs: [
    { name: "test-x64-linux-garbage",
      runvars: { image: "testguest", cmd_noisy: $noisy, cmd_liar: $liar },
      steps: [ { step: "guest-start" },
               { step: "guest-run", as: "noisy", timeout: 120 },
               { step: "guest-run", as: "liar", timeout: 20 },
               { step: "capture-logs" }, { step: "cleanup" } ] },
    { name: "test-x64-linux-after",
      runvars: { image: "testguest", cmd_hello: "echo hello-after" },
      steps: [ { step: "guest-start" }, { step: "guest-run", as: "hello" },
               { step: "capture-logs" }, { step: "cleanup" } ] } ] }' >"$TEST_DIR/garbage.json"
job=test-x64-linux-garbage
f=$(pvci flight create "$TEST_DIR/garbage.json")
pvci flight run "$f" >"$TEST_DIR/run.out" 2>&1; rc=$?
is "the flight fails (exit 1), not broken" "$rc" 1
is "garbage, an oversized frame and wrong-id frames before the reply: the step passes" \
	"$(step_status "$f" $job noisy)" pass
log=$(cat "$(guest_step_log "$f" $job noisy)")
like "with the genuine output" "$log" "genuine-output"
like "the log says what was ignored" "$log" "ignored [0-9]+ lines on the agent's port"
check "and nothing of the frames for another id" sh -c "! grep -q 'forged output' '$(guest_step_log "$f" $job noisy)'"
is "an agent answering only garbage: the step fails (not broken)" "$(step_status "$f" $job liar)" fail
like "its note says the agent did not answer" "$(step_note "$f" $job liar)" "did not answer request [0-9]+ within [0-9]+ seconds"
secs=$(step_seconds "$f" $job liar)
check "it gave up at its limit ($secs s, limit 20 s)" test "$secs" -le 21
is "cleanup passes" "$(step_status "$f" $job cleanup)" pass
check "no domain and no overlay remain" guest_gone "$f" $job
is "the next job on the same host passes" "$(job_status "$f" test-x64-linux-after)" pass
