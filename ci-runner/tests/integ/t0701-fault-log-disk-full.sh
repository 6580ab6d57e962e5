#!/bin/bash
# The instance's file system fills while a step writes its log (a 1 MiB
# tmpfs mounted on logs/): the step is broken (the host's fault), not
# failed, and its note says the log's file system is full; the always step
# still runs; nothing the step started is left; once space is freed, the
# next job on the same instance passes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault-lib.sh"
fault_skip_unless_root
plan 9
init_instance
fault_tmpfs "$PVCI_HOME/logs" 1m

# 3 MB of output into a 1 MiB file system, then a process left behind in
# the background (its pid read from /proc/self/stat: the step runs in a PID
# namespace of its own). The step's own exit status is 0: only the full
# log tells that something went wrong.
cat >"$TEST_DIR/chatty.sh" <<SH
head -c 3000000 /dev/zero | tr '\\0' x
sh -c 'read p r </proc/self/stat; echo \$p >$TEST_DIR/bg.pid; exec sleep 600' &
while [ ! -s $TEST_DIR/bg.pid ]; do sleep 0.1; done
SH
cat >"$TEST_DIR/full.json" <<JSON
{ "name": "full", "jobs": [ { "name": "a",
  "runvars": { "cmd_chatty": ["sh", "$TEST_DIR/chatty.sh"],
               "cmd_tidy": ["true"] },
  "steps": [ { "step": "run", "as": "chatty", "timeout": 60 },
             { "step": "run", "as": "tidy", "always": true } ] } ] }
JSON
f=$(pvci flight create "$TEST_DIR/full.json")
pvci flight run "$f" >"$TEST_DIR/run.out" 2>&1; rc=$?
is "the flight is broken (exit 2)" "$rc" 2
is "the job is broken, not failed" "$(job_status "$f" a)" broken
is "the step that wrote is broken" "$(step_status "$f" a chatty)" broken
note=$(pvci job show "$f" a --json | jq -r '.steps[0].note')
like "its note says the log's file system is full" "$note" \
	"the file system of the step log '.*/logs/$f/a/01\.chatty\.log' is full"
is "the always step still ran (broken too: its log has no room)" \
	"$(step_status "$f" a tidy)" broken
check "nothing the step started is left" process_gone "$(cat "$TEST_DIR/bg.pid")"

# The operator frees space; the next job on the same instance passes.
: >"$PVCI_HOME/logs/$f/a/01.chatty.log"
cat >"$TEST_DIR/next.json" <<'JSON'
{ "name": "next", "jobs": [ { "name": "b", "runvars": { "cmd_hello": ["echo", "hello"] },
  "steps": [ { "step": "run", "as": "hello" } ] } ] }
JSON
g=$(pvci flight create "$TEST_DIR/next.json")
pvci flight run "$g" >"$TEST_DIR/run2.out" 2>&1; rc=$?
is "the next job passes" "$rc/$(job_status "$g" b)" "0/pass"
like "and its log is whole" "$(cat "$PVCI_HOME/logs/$g/b/01.hello.log")" "hello"
is "no step is left running" \
	"$(sqlite3 "$PVCI_HOME/results.db" "select count(*) from steps where status = 'running'")" 0
