#!/bin/bash
# pvci daemon on the test guest: a commit on the fixture's branch yields a
# push flight within the poll interval; the daemon is killed with SIGKILL
# while the guest job runs and started again: the worker carries on, the
# job finishes once and passes, nothing is left running, and no pvci-*
# domain or overlay remains.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/guest-lib.sh"
guest_setup
plan 6
guest_image
guest_fixture
. "$(dirname "$0")/report-lib.sh"
SRC=$FIXTURE_REPO
. "$(dirname "$0")/daemon-lib.sh"
sql() { sqlite3 "$PVCI_HOME/results.db" "$1"; }

job=test-x64-linux-dmn
mkdir -p "$PVCI_HOME/recipes"
guest_recipe "$PVCI_HOME/recipes/guest.json" dmn '[
  {"step": "guest-start"}, {"step": "driver-install"},
  {"step": "guest-run", "as": "work", "timeout": 120},
  {"step": "guest-stop"}, {"step": "capture-logs"}, {"step": "cleanup"} ]' \
	'{"cmd_work": "sleep 8; echo worked"}'
jq --arg u "$FIXTURE_REPO" '.trees = {pvcifix: {url: $u, branches: {master: {push: "guest", flight_branch: "trunk"}}}}
	| .service.poll_interval = 5 | .service.tick_ms = 100 | .service.recipes_dir = "recipes"' \
	"$PVCI_HOME/config.json" >"$TEST_DIR/c" && mv "$TEST_DIR/c" "$PVCI_HOME/config.json"
no_retries

start_daemon || exit 1
check "the branch's head yields a push flight" wait_for 30 sh -c "[ \"\$(sqlite3 '$PVCI_HOME/results.db' 'SELECT count(*) FROM flights')\" = 1 ]"
running() { [ "$(sql "SELECT status FROM steps WHERE flight = 1 AND job = '$job' AND testid = 'work'")" = running ]; }
check "its guest job runs" wait_for 240 running
kill -KILL "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null
start_daemon || exit 1
check "after the daemon was killed and started again, the flight finishes" wait_for 240 flight_done 1
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"
is "the guest job passed, its work step run once" \
	"$(sql "SELECT status FROM jobs WHERE flight = 1 AND job = '$job'") $(grep -c '^worked' "$PVCI_HOME/logs/1/$job/"*work.log)" "pass 1"
is "nothing running or leased" \
	"$(sql "SELECT (SELECT count(*) FROM host_leases) + (SELECT count(*) FROM jobs WHERE status IN ('queued', 'running', 'preparing'))")" 0
check "no domain and no overlay remain" guest_gone 1 "$job"
