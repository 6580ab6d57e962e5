#!/bin/bash
# A kill campaign: flights run again and again while "pvci flight run" is
# killed with SIGKILL at random moments spread over their steps; after each
# kill the next run resumes (recovery marks the killed job broken and runs
# its always steps). KILLS kills (default 6) of run-step flights, and
# GUEST_KILLS (default 1) of real guest flights (the fixture on the Linux
# test guest: start, install, storage, network, reboot, save/restore).
# After each flight: every job and step final, no step row missing, no
# pvci-* domain or overlay, no process of the instance (step processes,
# iperf3 servers) left; at the end the database's integrity check is
# clean. bench/kill-campaign runs it with 50 kills and prints the figures.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/guest-lib.sh"
KILLS=${KILLS:-6}
GUEST_KILLS=${GUEST_KILLS:-1}
guest_setup
plan 7
guest_image
guest_fixture
db="$PVCI_HOME/results.db"

# Run steps: three jobs (one needing another), three steps each.
cat >"$TEST_DIR/steps.json" <<'JSON'
{ "name": "kills", "jobs": [
  { "name": "a", "runvars": { "cmd_one": ["sleep", "0.4"], "cmd_two": ["sleep", "0.4"],
                              "cmd_three": ["sleep", "0.4"] },
    "steps": [ { "step": "run", "as": "one" }, { "step": "run", "as": "two" },
               { "step": "run", "as": "three" } ] },
  { "name": "b", "needs": ["a"], "runvars": { "cmd_one": ["sleep", "0.4"], "cmd_two": ["sleep", "0.4"] },
    "steps": [ { "step": "run", "as": "one" }, { "step": "run", "as": "two" } ] },
  { "name": "c", "runvars": { "cmd_one": ["sh", "-c", "sleep 0.4 & sleep 0.4; wait"] },
    "steps": [ { "step": "run", "as": "one" } ] } ] }
JSON
guest_recipe "$TEST_DIR/guest.json" kill '[
  {"step": "guest-start"}, {"step": "driver-install"}, {"step": "storage-stress"},
  {"step": "network-stress"}, {"step": "guest-reboot"}, {"step": "guest-saverestore"},
  {"step": "guest-stop"}, {"step": "capture-logs"}, {"step": "cleanup"} ]' \
	'{"storage_runtime": "2", "storage_min_write_mibs": "0.5", "network_runtime": "2"}'

# instance_processes: the processes (but this script's) whose environment
# names this instance: steps, their children, iperf3 servers, pvci.
instance_processes() {
	local p
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" = $$ ] && continue
		{ tr '\0' '\n' <"$p/environ"; } 2>/dev/null | grep -qx "PVCI_HOME=$PVCI_HOME" &&
			echo "${p#/proc/}: $({ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null)"
	done
	return 0
}

kills=0 recoveries=0 flights=0 found=()
declare -A killed_in=()

# one_flight RECIPE KILLS-LEFT-VAR: creates a flight and runs it to the end,
# killing each run at a random moment of the first run's length (measured
# once per recipe in dur_*) while kills are left.
one_flight() {
	local recipe=$1 name=$2 f pid t0 t1 ms delay step n left
	f=$(pvci flight create "$recipe") || { found+=("flight create failed"); return; }
	flights=$((flights + 1))
	local dur_var="dur_$name"
	for ((n = 0; n < 20; n++)); do
		t0=${EPOCHREALTIME/[.,]/}
		"$PVCI_BIN" flight run "$f" >>"$TEST_DIR/run-$f.out" 2>&1 &
		pid=$!
		left_var="left_$name"
		if [ -n "${!dur_var:-}" ] && [ "${!left_var}" -gt 0 ]; then
			# The random moment (not a synchronisation: any moment will do).
			delay=$(awk -v d="${!dur_var}" -v r=$RANDOM 'BEGIN { printf "%.3f", d * r / 32768 / 1e6 }')
			sleep "$delay"
			if kill -0 "$pid" 2>/dev/null; then
				step=$(sqlite3 "$db" "SELECT job || '/' || testid FROM steps WHERE flight = $f AND status = 'running' LIMIT 1")
				kill -KILL "$pid"
				wait "$pid" 2>/dev/null
				kills=$((kills + 1))
				printf -v "$left_var" '%d' $((${!left_var} - 1))
				killed_in[${step:-between steps}]=$(( ${killed_in[${step:-between steps}]:-0} + 1 ))
				continue
			fi
		fi
		wait "$pid"
		t1=${EPOCHREALTIME/[.,]/}
		[ -n "${!dur_var:-}" ] || printf -v "$dur_var" '%d' $((t1 - t0))
		# Finished? (a run that was not killed leaves it finished)
		left=$(sqlite3 "$db" "SELECT count(*) FROM jobs WHERE flight = $f AND status IN ('queued', 'preparing', 'running')")
		[ "$left" = 0 ] && break
	done
	recoveries=$((recoveries + $(sqlite3 "$db" "SELECT count(*) FROM jobs WHERE flight = $f AND status = 'broken'")))
	# The checks of every flight.
	n=$(sqlite3 "$db" "SELECT count(*) FROM jobs WHERE flight = $f AND status NOT IN ('pass', 'fail', 'broken', 'blocked', 'aborted')")
	[ "$n" = 0 ] || found+=("flight $f: $n jobs not final")
	n=$(sqlite3 "$db" "SELECT count(*) FROM steps WHERE flight = $f AND status IN ('queued', 'running')")
	[ "$n" = 0 ] || found+=("flight $f: $n steps queued or running")
	n=$(sqlite3 "$db" "SELECT count(*) FROM steps WHERE flight = $f")
	[ "$n" = "$(jq '[.jobs[].steps | length] | add' "$recipe")" ] || found+=("flight $f: $n step rows")
	n=$(guest_domains | grep -c -- "-$f-" || true)
	[ "$n" = 0 ] || found+=("flight $f: $n domains left")
	n=$(find "$PVCI_HOME/overlays/$f" -type f 2>/dev/null | wc -l)
	[ "$n" = 0 ] || found+=("flight $f: $n overlays left")
	n=$(instance_processes)
	[ -z "$n" ] || found+=("flight $f: processes left: $n")
}

left_steps=$KILLS left_guest=$GUEST_KILLS
while [ "$left_steps" -gt 0 ]; do
	one_flight "$TEST_DIR/steps.json" steps
done
while [ "$left_guest" -gt 0 ]; do
	one_flight "$TEST_DIR/guest.json" guest
done

echo "# campaign: $flights flights, $kills kills, $recoveries jobs recovered as broken, ${#found[@]} found"
for s in "${!killed_in[@]}"; do
	echo "# killed in $s: ${killed_in[$s]}"
done
for s in "${found[@]}"; do
	echo "# found: $s"
done
is "every kill was made" "$kills" $((KILLS + GUEST_KILLS))
is "the runs after each kill finished every flight, leaving nothing behind" "${#found[@]}" 0
check "each kill left a job to recover, as broken with the reason" test "$recoveries" -ge 1
is "no job or step is left running in the database" \
	"$(sqlite3 "$db" "SELECT (SELECT count(*) FROM jobs WHERE status IN ('queued', 'preparing', 'running')) + (SELECT count(*) FROM steps WHERE status IN ('queued', 'running'))")" 0
like "a recovered job says why" "$(sqlite3 "$db" "SELECT note FROM jobs WHERE status = 'broken' LIMIT 1")" \
	"ended while the job was running"
is "the database's integrity check is clean" "$(sqlite3 "$db" 'PRAGMA integrity_check')" ok
is "no pvci-* domain of the campaign remains" "$(guest_domains | wc -l)" 0
