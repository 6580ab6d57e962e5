# Helpers for the t043N daemon tests (sourced after lib.sh, report-lib.sh
# and trigger-lib.sh): start the daemon on a free loopback port, wait for a
# condition with a bound, stop it.

# start_daemon: pvci daemon in the background; sets DAEMON_PID and URL.
# Its stderr (the log) goes to $TEST_DIR/daemon.log, appended.
start_daemon() {
	local i
	: >"$TEST_DIR/daemon.out"
	"$PVCI_BIN" daemon --listen 127.0.0.1:0 >"$TEST_DIR/daemon.out" 2>>"$TEST_DIR/daemon.log" &
	DAEMON_PID=$!
	at_exit "kill $DAEMON_PID 2>/dev/null"
	URL=
	for i in $(seq 200); do
		URL=$(sed -n 's/^pvci daemon: pid [0-9]*, listening on //p' "$TEST_DIR/daemon.out")
		[ -n "$URL" ] && return 0
		process_gone "$DAEMON_PID" && break
		sleep 0.05
	done
	echo "# pvci daemon did not start: $(cat "$TEST_DIR/daemon.log")"
	return 1
}

# wait_for SECONDS COMMAND...: polls COMMAND (every 0.1 s) until it
# succeeds; fails after SECONDS. A bound on waiting, not a synchronisation.
wait_for() {
	local limit=$1 i
	shift
	for ((i = 0; i < limit * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# flight_done N: flight N has finished and what follows it is done.
flight_done() {
	[ "$(sql "SELECT count(*) FROM flights f JOIN flight_verdicts v USING (flight) WHERE f.flight = $1")" = 1 ]
}
