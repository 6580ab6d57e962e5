#!/bin/bash
# Finishing a job is a compare-and-set on its owner: when another process
# takes the job over while a step runs (here the test, writing the owner
# columns as recovery on another host would), the run does not overwrite
# the status it wrote, says so, and runs none of the job's other steps.
. "$(dirname "$0")/lib.sh"
plan 5
init_instance

mkfifo "$TEST_DIR/started" "$TEST_DIR/go"
cat >"$TEST_DIR/own.json" <<JSON
{ "name": "own", "jobs": [
  { "name": "a",
    "runvars": { "cmd_wait": ["sh", "-c", "echo > $TEST_DIR/started; read x < $TEST_DIR/go"],
                 "cmd_next": ["touch", "$TEST_DIR/next-ran"],
                 "cmd_tidy": ["touch", "$TEST_DIR/tidy-ran"] },
    "steps": [ { "step": "run", "as": "wait" }, { "step": "run", "as": "next" },
               { "step": "run", "as": "tidy", "always": true } ] }
] }
JSON
n=$(pvci flight create "$TEST_DIR/own.json")
"$PVCI_BIN" flight run "$n" >"$TEST_DIR/run.out" 2>&1 &
runner=$!
at_exit "kill -KILL $runner 2>/dev/null"
read -r _ <"$TEST_DIR/started"
sqlite3 "$PVCI_HOME/results.db" "PRAGMA busy_timeout=10000;
	UPDATE jobs SET status = 'broken', note = 'taken over by the test',
	owner_pid = 4242, owner_start = 1, owner_host = 'elsewhere', owner_boot = 'x'
	WHERE flight = $n AND job = 'a';"
echo go >"$TEST_DIR/go"
wait "$runner"; rc=$?
out=$(cat "$TEST_DIR/run.out")
is "the status the other process wrote stays" \
	"$(sqlite3 "$PVCI_HOME/results.db" "select status || ': ' || note from jobs where flight = $n")" \
	"broken: taken over by the test"
like "the run says it lost the job" "$out" "job 'a': another process took the job over"
check "the job's next step did not run" test ! -e "$TEST_DIR/next-ran"
check "nor its always step (the new owner's business)" test ! -e "$TEST_DIR/tidy-ran"
is "the run exits with the job's status (broken: 2)" "$rc" 2
