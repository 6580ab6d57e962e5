#!/bin/bash
# pvci daemon killed with SIGKILL at 20 random moments, and started again
# each time, while commits on the watched branch make flights and its
# workers run their jobs: workers carry on and the next daemon adopts them;
# in the end every flight finished, every job ran exactly once, nothing is
# left running or leased, what follows each flight was done once, and no
# process of the instance remains.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
. "$(dirname "$0")/trigger-lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
plan 7
init_instance
no_retries
cat >"$TEST_DIR/job.sh" <<'SH'
#!/bin/sh
echo "$(pwd) $1" >>"$2/ran"
sleep 0.$(( $(od -An -N1 -tu1 /dev/urandom) % 5 ))
SH
chmod +x "$TEST_DIR/job.sh"
cat >"$TEST_DIR/push.json" <<JSON
{ "name": "kd", "trees": [ { "name": "drivers", "url": "/nowhere", "branch": "master" } ],
  "jobs": [
  { "name": "build", "runvars": { "cmd_go": ["$TEST_DIR/job.sh", "build", "$TEST_DIR"] },
    "steps": [ { "step": "run", "as": "go" } ] },
  { "name": "t-{n}", "matrix": { "n": ["1", "2", "3"] }, "needs": ["build"],
    "runvars": { "cmd_go": ["$TEST_DIR/job.sh", "t-{n}", "$TEST_DIR"] },
    "steps": [ { "step": "run", "as": "go" } ] } ] }
JSON
commit one >/dev/null
watch_config "$TEST_DIR/push.json"
jq '.service.poll_interval = 5 | .service.tick_ms = 50' "$PVCI_HOME/config.json" >"$TEST_DIR/c" &&
	mv "$TEST_DIR/c" "$PVCI_HOME/config.json"

kills=0
for ((k = 0; k < 20; k++)); do
	# A new head every other round: the next poll makes (or coalesces) a flight.
	((k % 2)) || commit "round $k" >/dev/null
	"$PVCI_BIN" daemon --listen 127.0.0.1:0 >/dev/null 2>>"$TEST_DIR/daemon.log" &
	pid=$!
	# The random moment (not a synchronisation: any moment will do).
	sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
	kill -KILL "$pid" 2>/dev/null && kills=$((kills + 1))
	wait "$pid" 2>/dev/null
done
echo "# $kills kills, $(nflights) flights"
git -C "$SRC" log -1 --format=%H >/dev/null
start_daemon || exit 1
all_done() {
	[ "$(sql "SELECT count(*) FROM flights f WHERE f.finished IS NULL OR NOT EXISTS (SELECT 1 FROM flight_verdicts v WHERE v.flight = f.flight)")" = 0 ] &&
	[ "$(sql "SELECT count(*) FROM flights")" -ge 1 ] &&
	[ "$(revs "$(sql "SELECT max(flight) FROM flights")")" = "$(git -C "$SRC" rev-parse HEAD)" ]
}
check "the last daemon finishes every flight, the newest at the branch's head" wait_for 120 all_done
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"
is "every kill was made" "$kills" 20
is "every job passed" "$(sql "SELECT group_concat(DISTINCT status) FROM jobs")" pass
is "each job of each flight ran exactly once" \
	"$(sort "$TEST_DIR/ran" | uniq -c | awk '$1 != 1' | wc -l) $(sort -u "$TEST_DIR/ran" | wc -l)" \
	"0 $(sql "SELECT count(*) FROM jobs")"
is "nothing running, leased or waiting for cleanup" \
	"$(sql "SELECT (SELECT count(*) FROM host_leases) + (SELECT count(*) FROM jobs WHERE status IN ('queued', 'running', 'preparing') OR needs_cleanup = 1)")" 0
is "what follows each flight was claimed once" \
	"$(sql "SELECT count(*) FROM flight_verdicts") $(sql "SELECT count(*) FROM flights")" \
	"$(sql "SELECT count(*) FROM flights") $(sql "SELECT count(*) FROM flights")"
left=$(for p in /proc/[0-9]*; do
	[ "${p#/proc/}" = $$ ] && continue
	{ tr '\0' '\n' <"$p/environ"; } 2>/dev/null | grep -qx "PVCI_HOME=$PVCI_HOME" && echo "${p#/proc/}"
done)
is "no process of the instance is left" "$left" ""
