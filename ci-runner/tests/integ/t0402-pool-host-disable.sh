#!/bin/bash
# pvci host disable|enable: a disabled host takes no job (by hand or from
# pool run) and says why in host list; a running job on it finishes; once
# enabled, the queued job runs.
. "$(dirname "$0")/lib.sh"
plan 12
init_instance

cfg=$PVCI_HOME/config.json
jq '. + { hosts: [ { name: "h1", uri: "test:///default", capacity: { guests: 2, memory_mib: 4096 } } ] }' \
	"$cfg" >"$cfg.new" && mv "$cfg.new" "$cfg"
mkfifo "$TEST_DIR/started" "$TEST_DIR/go"
cat >"$TEST_DIR/d.json" <<JSON
{ "name": "dis", "jobs": [
  { "name": "long", "runvars": { "cmd_run": ["sh", "-c", "echo x > $TEST_DIR/started; read l < $TEST_DIR/go"] },
    "steps": [ { "step": "run" } ] },
  { "name": "later", "runvars": { "cmd_run": ["true"] }, "steps": [ { "step": "run" } ] }
] }
JSON
n=$(pvci flight create "$TEST_DIR/d.json")
"$PVCI_BIN" job run "$n" long --host h1 >"$TEST_DIR/w1.out" 2>&1 &
worker=$!
read -r _ <"$TEST_DIR/started"
out=$(pvci host disable h1 --reason "disk swap" 2>&1)
like "host disable says running jobs finish" "$out" "host h1 disabled \(running jobs finish\)"
list=$(pvci host list)
like "host list shows it disabled, with the reason" "$list" "disabled since .*: disk swap \(by "
like "and the running job's lease" "$list" "lease: flight $n job long"
out=$(pvci job run "$n" later --host h1 2>&1); rc=$?
is "a job on the disabled host is refused (exit 3)" "$rc" 3
like "saying why" "$out" "host 'h1' is disabled: disk swap"
is "and stays queued" "$(job_status "$n" later)" queued
echo go >"$TEST_DIR/go"
wait "$worker"; rc=$?
is "the running job finished on the disabled host" "$rc/$(job_status "$n" long)" "0/pass"
"$PVCI_BIN" pool run --once >/dev/null 2>&1
is "pool run starts nothing on a disabled host" "$(job_status "$n" later)" queued
out=$("$PVCI_BIN" pool run --interval 50 2>&1); rc=$?
is "pool run stops when nothing can start (exit 1)" "$rc" 1
like "saying why" "$out" "1 queued job cannot start: no enabled host of the pool fits"
pvci host enable h1 >/dev/null
like "enabled again, the reason is gone" "$(pvci host list)" "^h1  enabled "
timeout 60 "$PVCI_BIN" pool run --interval 50 >/dev/null 2>&1
is "the queued job runs once it is enabled" "$(job_status "$n" later)" pass
