#!/bin/bash
# A job run by "flight run" in another PID namespace (a container on this
# host) is never judged dead by its pid: a run here leaves it running and
# does not run its cleanup under it; its own run then finishes it.
. "$(dirname "$0")/lib.sh"
if ! unshare -p -f --mount-proc true 2>/dev/null; then
	echo "1..0 # SKIP cannot make a PID namespace here (needs root)"
	exit 0
fi
plan 6
init_instance

mkfifo "$TEST_DIR/started" "$TEST_DIR/go"
cat >"$TEST_DIR/ns.json" <<JSON
{ "name": "ns", "jobs": [
  { "name": "inside",
    "runvars": { "cmd_wait": ["sh", "-c", "echo >$TEST_DIR/started; read x <$TEST_DIR/go"],
                 "cmd_tidy": ["touch", "$TEST_DIR/tidy-ran"] },
    "steps": [ { "step": "run", "as": "wait" }, { "step": "run", "as": "tidy", "always": true } ] }
] }
JSON
cat >"$TEST_DIR/here.json" <<'JSON'
{ "name": "here", "jobs": [ { "name": "a", "runvars": { "cmd_run": ["true"] },
                             "steps": [ { "step": "run" } ] } ] }
JSON
inner=$(pvci flight create "$TEST_DIR/ns.json")
outer=$(pvci flight create "$TEST_DIR/here.json")
unshare -p -f --mount-proc "$PVCI_BIN" flight run "$inner" >"$TEST_DIR/inner.out" 2>&1 &
runner=$!
read -r _ <"$TEST_DIR/started"

pvci flight run "$outer" >"$TEST_DIR/outer.out" 2>&1
is "a run here, which recovers, succeeds" "$?" 0
is "the job of the other PID namespace is still running" "$(job_status "$inner" inside)" running
check "its cleanup did not run under it" test ! -e "$TEST_DIR/tidy-ran"
echo go >"$TEST_DIR/go"
wait "$runner"
is "its own run finishes" "$?" 0
is "and records its status" "$(job_status "$inner" inside)" pass
check "its always step ran once it was done" test -e "$TEST_DIR/tidy-ran"
