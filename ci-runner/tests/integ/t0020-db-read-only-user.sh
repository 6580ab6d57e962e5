#!/bin/bash
# flight show, flight list and job show only read: a user who may read the
# instance but not write it (nobody) runs them, also while another process
# runs a flight, and they change nothing. Commands that write refuse to.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root to run commands as nobody"
	exit 0
fi
plan 16
init_instance

mkfifo "$TEST_DIR/go" "$TEST_DIR/started"
chmod 755 "$TEST_DIR"
cat >"$TEST_DIR/ro.json" <<JSON
{ "name": "ro", "jobs": [
  { "name": "quick", "runvars": { "cmd_run": ["true"] }, "steps": [ { "step": "run" } ] },
  { "name": "slow", "runvars": { "cmd_wait": ["sh", "-c", "echo >$TEST_DIR/started; read x <$TEST_DIR/go"] },
    "steps": [ { "step": "run", "as": "wait" } ] }
] }
JSON
n=$(pvci flight create "$TEST_DIR/ro.json")
pvci flight run "$n" --jobs quick >/dev/null 2>&1

# nobody may not reach the source tree (a home folder): a copy of pvci and
# of its schema, readable by all.
mkdir -p "$TEST_DIR/nobody/results-db"
cp "$PVCI_BIN" "$TEST_DIR/nobody/pvci"
cp -R "$PVCI_SRCDIR/results-db/." "$TEST_DIR/nobody/results-db/"
chmod -R a+rX "$TEST_DIR/nobody"
as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		env PVCI_HOME="$PVCI_HOME" PVCI_DATADIR="$TEST_DIR/nobody" \
		"$TEST_DIR/nobody/pvci" "$@"
}
state() {
	(cd "$PVCI_HOME" && find . -newer "$TEST_DIR/mark" -print; \
	 stat -c '%n %s %Y %U' results.db*) | sort
}

check "nobody may not write the instance" \
	sh -c "! setpriv --reuid=nobody --regid=nogroup --clear-groups test -w '$PVCI_HOME/results.db' && ! setpriv --reuid=nobody --regid=nogroup --clear-groups test -w '$PVCI_HOME'"
touch "$TEST_DIR/mark"
before=$(state)
out=$(as_nobody flight show "$n" --json 2>&1)
is "flight show works for nobody" "$(jq -r '.jobs[0].status' <<<"$out" 2>&1)" pass
out=$(as_nobody flight list 2>&1)
like "flight list works for nobody" "$out" "^$n +ro +adhoc"
out=$(as_nobody job show "$n" quick 2>&1)
like "job show works for nobody" "$out" "job quick: pass"
is "reading changed nothing in the instance" "$(state)" "$before"

# While a run holds the database open and a job runs.
pvci flight run "$n" --jobs slow >"$TEST_DIR/run.out" 2>&1 &
runner=$!
# The step says so through a FIFO once it runs: no guessing.
read -r _ <"$TEST_DIR/started"
out=$(as_nobody flight show "$n" --json 2>&1)
is "flight show works for nobody during a run" "$(jq -r '.jobs[1].status' <<<"$out" 2>&1)" running
out=$(as_nobody flight list --json 2>&1)
is "flight list works for nobody during a run" "$(jq -r '.[0].jobs.running' <<<"$out" 2>&1)" 1
echo go >"$TEST_DIR/go"
wait "$runner"
is "the run finishes" "$?" 0
is "its status is written" "$(job_status "$n" slow)" pass

# Read-only commands never recover: that is flight run's.
out=$(as_nobody flight show "$n" 2>&1)
like "flight show after the run, as nobody" "$out" "job slow: pass"

out=$(as_nobody flight create "$TEST_DIR/ro.json" 2>&1); rc=$?
is "flight create as nobody fails" "$rc" 3
like "saying why" "$out" "results.db' cannot be written by this user \\(uid 65534\\): this command writes"
is "and makes no flight" "$(pvci flight list --json | jq length)" 1

# A database last closed without its -wal and -shm files (as older pvci
# left it): reading it needs them, and says what to do.
rm -f "$PVCI_HOME/results.db-wal" "$PVCI_HOME/results.db-shm"
out=$(as_nobody flight show "$n" 2>&1); rc=$?
is "without -wal and -shm, flight show as nobody fails" "$rc" 3
like "saying what to run" "$out" "lacks its -wal and -shm files.*run 'pvci init' once as the instance's owner"
pvci init >/dev/null
out=$(as_nobody flight show "$n" 2>&1)
like "after which it works" "$out" "job slow: pass"
