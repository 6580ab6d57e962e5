#!/bin/bash
# A worker ("pvci job run ... --host h1") killed with SIGKILL in the middle
# of its job: the next one to look (pvci pool run) marks the job broken with
# the reason, runs its always step (the cleanup), frees its lease and queues
# it again once, on the other host; both attempts stay visible.
. "$(dirname "$0")/lib.sh"
plan 12
init_instance

cfg=$PVCI_HOME/config.json
jq '. + { hosts: [ { name: "h1", uri: "test:///default", capacity: { guests: 1, memory_mib: 4096 } },
                   { name: "h2", uri: "test:///default", capacity: { guests: 1, memory_mib: 4096 } } ] }' \
	"$cfg" >"$cfg.new" && mv "$cfg.new" "$cfg"
mkfifo "$TEST_DIR/started"
# The first attempt reports its pid and waits to be killed; the second passes.
cat >"$TEST_DIR/k.json" <<JSON
{ "name": "kill", "jobs": [
  { "name": "victim",
    "runvars": { "cmd_long": ["sh", "-c", "if [ -e $TEST_DIR/first ]; then exit 0; fi; touch $TEST_DIR/first; read p r </proc/self/stat; echo \$p > $TEST_DIR/started; exec sleep 600"],
                 "cmd_tidy": ["sh", "-c", "echo tidy >> $TEST_DIR/tidy-ran"] },
    "steps": [ { "step": "run", "as": "long" }, { "step": "run", "as": "tidy", "always": true } ] }
] }
JSON
n=$(pvci flight create "$TEST_DIR/k.json")
"$PVCI_BIN" job run "$n" victim --host h1 >"$TEST_DIR/w1.out" 2>&1 &
worker=$!
read -r step_pid <"$TEST_DIR/started"
leases=$(sqlite3 "$PVCI_HOME/results.db" "select host || ' ' || owner_pid from host_leases")
is "the worker holds the lease of h1" "$leases" "h1 $worker"
kill -KILL "$worker"
wait "$worker" 2>/dev/null
timeout 120 "$PVCI_BIN" pool run --interval 50 >"$TEST_DIR/pool.out" 2>&1; rc=$?
is "pool run recovers and ends" "$rc" 0
check "the dead worker's step process is gone" process_gone "$step_pid"
json=$(pvci job show "$n" victim --json)
is "the retry passed" "$(jq -r .status <<<"$json")" pass
is "as attempt 2, on the other host" "$(jq -r '"\(.attempt) \(.host)"' <<<"$json")" "2 h2"
is "attempt 1 is kept: broken on h1" "$(jq -r '.attempts[0] | "\(.attempt) \(.status) \(.host)"' <<<"$json")" "1 broken h1"
like "with the reason" "$(jq -r '.attempts[0].note' <<<"$json")" "pvci process $worker ended while the job was running"
is "and its steps" "$(jq -r '[.attempts[0].steps[].status] | join(" ")' <<<"$json")" "broken pass"
is "the always step ran for both attempts (cleanup, then the retry's)" "$(wc -l <"$TEST_DIR/tidy-ran")" 2
like "job show lists the earlier attempt" "$(pvci job show "$n" victim | tr '\n' '|')" \
	"attempt 2 on host h2; earlier attempts:\|  attempt 1: broken on host h1: pvci process $worker ended"
is "no lease is left" "$(sqlite3 "$PVCI_HOME/results.db" "select count(*) from host_leases")" 0
running=$(sqlite3 "$PVCI_HOME/results.db" "select count(*) from jobs where status in ('running','preparing') or needs_cleanup = 1")
is "nothing is left running or waiting for cleanup" "$running" 0
