#!/bin/bash
# A scheduler started while a worker runs (a restarted daemon) adopts it:
# the live worker's job stays running with its lease, is neither started
# again nor marked broken, and its slot counts against the host's capacity.
. "$(dirname "$0")/lib.sh"
plan 6
init_instance

cfg=$PVCI_HOME/config.json
jq '. + { hosts: [ { name: "h1", uri: "test:///default", capacity: { guests: 1, memory_mib: 4096 } } ] }' \
	"$cfg" >"$cfg.new" && mv "$cfg.new" "$cfg"
mkfifo "$TEST_DIR/started" "$TEST_DIR/go"
cat >"$TEST_DIR/a.json" <<JSON
{ "name": "adopt", "jobs": [
  { "name": "long", "runvars": { "cmd_run": ["sh", "-c", "echo x > $TEST_DIR/started; read l < $TEST_DIR/go; echo ran >> $TEST_DIR/ran"] },
    "steps": [ { "step": "run" } ] },
  { "name": "next", "runvars": { "cmd_run": ["true"] }, "steps": [ { "step": "run" } ] }
] }
JSON
n=$(pvci flight create "$TEST_DIR/a.json")
"$PVCI_BIN" job run "$n" long --host h1 >"$TEST_DIR/w1.out" 2>&1 &
worker=$!
read -r _ <"$TEST_DIR/started"
"$PVCI_BIN" pool run --once >"$TEST_DIR/pool1.out" 2>&1
is "the live worker's job is left running" "$(job_status "$n" long)" running
is "its lease is kept" "$(sqlite3 "$PVCI_HOME/results.db" "select owner_pid from host_leases")" "$worker"
is "the host is full: nothing else starts" "$(job_status "$n" next)" queued
echo go >"$TEST_DIR/go"
wait "$worker"
timeout 60 "$PVCI_BIN" pool run --interval 50 >/dev/null 2>&1
is "the adopted job passed, run once" "$(job_status "$n" long) $(wc -l <"$TEST_DIR/ran")" "pass 1"
is "the other job ran after it" "$(job_status "$n" next)" pass
is "the flight is finished" "$(sqlite3 "$PVCI_HOME/results.db" "select finished is not null from flights where flight = $n")" 1
