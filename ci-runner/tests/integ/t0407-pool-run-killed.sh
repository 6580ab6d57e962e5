#!/bin/bash
# The scheduler (pvci pool run, what the daemon runs) killed with SIGKILL
# at 10 random moments and started again each time: its workers carry on,
# the next one adopts them; in the end every job ran exactly once, nothing
# is left running, no lease remains, and the host never ran more than its
# two slots.
. "$(dirname "$0")/lib.sh"
plan 5
init_instance

cfg=$PVCI_HOME/config.json
jq '. + { hosts: [ { name: "h1", uri: "test:///default", capacity: { guests: 2, memory_mib: 4096 } } ] }' \
	"$cfg" >"$cfg.new" && mv "$cfg.new" "$cfg"
mkdir "$TEST_DIR/running"
cat >"$TEST_DIR/job.sh" <<'SH'
#!/bin/sh
d=$1 me=$2
echo "$me" >>"$d/ran"
touch "$d/running/$me"
ls "$d/running" | wc -l >>"$d/counts"
sleep 0.3
rm "$d/running/$me"
SH
chmod +x "$TEST_DIR/job.sh"
for f in A B C; do
	cat >"$TEST_DIR/$f.json" <<JSON
{ "name": "k$f", "jobs": [
  { "name": "$f-{n}", "matrix": { "n": ["1", "2", "3", "4"] },
    "runvars": { "cmd_go": ["$TEST_DIR/job.sh", "$TEST_DIR", "$f-{n}"] },
    "steps": [ { "step": "run", "as": "go", "timeout": 60 } ] }
] }
JSON
	pvci flight create "$TEST_DIR/$f.json" >/dev/null
done
for ((k = 0; k < 10; k++)); do
	"$PVCI_BIN" pool run --interval 20 >>"$TEST_DIR/pool.out" 2>&1 &
	pid=$!
	sleep "0.$((RANDOM % 4))$((RANDOM % 10))"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
done
timeout 120 "$PVCI_BIN" pool run --interval 20 >>"$TEST_DIR/pool.out" 2>&1; rc=$?
is "the last pool run finishes the flights" "$rc" 0
is "every job passed" "$(sqlite3 "$PVCI_HOME/results.db" "select group_concat(distinct status) from jobs")" pass
is "each of the 12 jobs ran exactly once" "$(sort "$TEST_DIR/ran" | uniq -c | awk '$1 != 1' | wc -l) $(sort -u "$TEST_DIR/ran" | wc -l)" "0 12"
is "no lease, nothing running" "$(sqlite3 "$PVCI_HOME/results.db" "select (select count(*) from host_leases) + (select count(*) from jobs where status in ('running','preparing') or needs_cleanup = 1)")" 0
check "never more than two at once on the host" test "$(sort -n "$TEST_DIR/counts" | tail -1)" -le 2
