#!/bin/bash
# Two flights' jobs run at the same time on a host with two guest slots
# (pvci pool run starts each as a "pvci job run" worker), never more than
# two at once, and each job's lease is gone at the end.
. "$(dirname "$0")/lib.sh"
plan 8
init_instance

cfg=$PVCI_HOME/config.json
jq '. + { hosts: [ { name: "h1", uri: "test:///default",
                      capacity: { guests: 2, memory_mib: 4096 }, flags: ["x64"] } ] }' \
	"$cfg" >"$cfg.new" && mv "$cfg.new" "$cfg"
mkdir "$TEST_DIR/running"
# Each job notes how many jobs run while it starts, and waits (bounded) until
# a job of the other flight has started: only running at once gets past it.
cat >"$TEST_DIR/job.sh" <<'SH'
#!/bin/sh
d=$1 me=$2 other=$3
touch "$d/running/$me"
ls "$d/running" | wc -l >>"$d/counts"
touch "$d/$me.started"
i=0
until ls "$d" | grep -q "^$other.*\.started$"; do
	i=$((i + 1)); [ $i -lt 300 ] || { rm "$d/running/$me"; exit 1; }
	sleep 0.1
done
rm "$d/running/$me"
SH
chmod +x "$TEST_DIR/job.sh"
for f in A B; do
	other=$([ $f = A ] && echo B || echo A)
	cat >"$TEST_DIR/$f.json" <<JSON
{ "name": "pool$f", "jobs": [
  { "name": "$f-{n}", "matrix": { "n": ["1", "2"] }, "needs_flags": ["x64"],
    "runvars": { "cmd_go": ["$TEST_DIR/job.sh", "$TEST_DIR", "$f-{n}", "$other-"] },
    "steps": [ { "step": "run", "as": "go", "timeout": 60 } ] }
] }
JSON
done
a=$(pvci flight create "$TEST_DIR/A.json")
b=$(pvci flight create "$TEST_DIR/B.json")
timeout 120 "$PVCI_BIN" pool run --interval 50 >"$TEST_DIR/pool.out" 2>&1; rc=$?
is "pool run ends when nothing is left" "$rc" 0
st=$(sqlite3 "$PVCI_HOME/results.db" "select group_concat(status, ' ') from (select status from jobs order by flight, job)")
is "all four jobs passed (each saw a job of the other flight running)" "$st" "pass pass pass pass"
max=$(sort -n "$TEST_DIR/counts" | tail -1)
check "never more than two jobs at once on the two-slot host" test "$max" -le 2
is "two at once, one of each flight" "$max" 2
hosts=$(sqlite3 "$PVCI_HOME/results.db" "select group_concat(distinct host) from jobs")
is "every job ran on h1" "$hosts" h1
overlap=$(sqlite3 "$PVCI_HOME/results.db" "select count(*) from jobs x join jobs y on x.flight = $a and y.flight = $b and x.started <= y.finished and y.started <= x.finished")
check "start and end times show flights $a and $b running at once" test "$overlap" -ge 1
is "no lease is left" "$(sqlite3 "$PVCI_HOME/results.db" "select count(*) from host_leases")" 0
like "each job's worker log holds its progress" "$(cat "$PVCI_HOME/logs/$a/A-1/worker.log")" "go.*pass"
