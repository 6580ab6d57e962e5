#!/bin/bash
# Another process holds the database's write lock while a step ends: the
# status writes wait for it up to the busy timeout (made short here with
# PVCI_DB_BUSY_TIMEOUT_MS) and then the run stops as broken (exit 2) with a
# message, instead of going on and exiting 0 with the job left "running".
# The next run recovers the job.
. "$(dirname "$0")/lib.sh"
plan 6
init_instance

mkfifo "$TEST_DIR/started" "$TEST_DIR/go"
cat >"$TEST_DIR/lock.json" <<JSON
{ "name": "lock", "jobs": [
  { "name": "a",
    "runvars": { "cmd_wait": ["sh", "-c", "echo > $TEST_DIR/started; read x < $TEST_DIR/go"],
                 "cmd_next": ["touch", "$TEST_DIR/next-ran"] },
    "steps": [ { "step": "run", "as": "wait" }, { "step": "run", "as": "next" } ] },
  { "name": "b", "runvars": { "cmd_run": ["touch", "$TEST_DIR/b-ran"] },
    "steps": [ { "step": "run" } ] }
] }
JSON
n=$(pvci flight create "$TEST_DIR/lock.json")
PVCI_DB_BUSY_TIMEOUT_MS=300 "$PVCI_BIN" flight run "$n" >"$TEST_DIR/run.out" 2>&1 &
runner=$!
at_exit "kill -KILL $runner 2>/dev/null"
read -r _ <"$TEST_DIR/started"

# Another process takes the write lock and keeps it until told.
# (bash unsets LOCK and LOCK_PID when it ends: keep copies.)
coproc LOCK { sqlite3 "$PVCI_HOME/results.db"; }
lock_pid=$LOCK_PID
exec {lock_in}>&"${LOCK[1]}" {lock_out}<&"${LOCK[0]}"
at_exit "kill $lock_pid 2>/dev/null"
echo "BEGIN IMMEDIATE; SELECT 'locked';" >&"$lock_in"
read -r locked <&"$lock_out"
is "the other process holds the write lock" "$locked" locked

echo go >"$TEST_DIR/go"
wait "$runner"; rc=$?
out=$(cat "$TEST_DIR/run.out")
is "the run stops as broken (exit 2)" "$rc" 2
like "and says why" "$out" "cannot record the end of a step in the database: the run stops as broken"
check "the job's next step did not run, nor the next job" \
	test ! -e "$TEST_DIR/next-ran" -a ! -e "$TEST_DIR/b-ran"

printf 'ROLLBACK;\n.quit\n' >&"$lock_in"
exec {lock_in}>&-
wait "$lock_pid"
pvci flight run "$n" >"$TEST_DIR/run2.out" 2>&1
is "the next run recovers the job as broken" "$(job_status "$n" a)" broken
is "and runs the next job" "$(job_status "$n" b)" pass
