#!/bin/bash
# Ctrl-C while an always step (log capture, cleanup) runs: the first
# interrupt lets it finish and says so on the terminal; a second one stops
# it. The run is aborted (exit 2).
. "$(dirname "$0")/lib.sh"
plan 6
init_instance

mkfifo "$TEST_DIR/started"
cat >"$TEST_DIR/always.json" <<JSON
{ "name": "always", "jobs": [
  { "name": "a",
    "runvars": { "cmd_main": ["true"],
                 "cmd_tidy": ["sh", "-c", "read p r </proc/self/stat; echo \$p > $TEST_DIR/started; exec sleep 600"] },
    "steps": [ { "step": "run", "as": "main" }, { "step": "run", "as": "tidy", "always": true } ] }
] }
JSON
n=$(pvci flight create "$TEST_DIR/always.json")
"$PVCI_BIN" flight run "$n" >"$TEST_DIR/run.out" 2>&1 &
runner=$!
at_exit "kill -KILL $runner 2>/dev/null"
read -r step_pid <"$TEST_DIR/started"

# said TEXT: waits (bounded, 10 s) until the run's output holds TEXT.
said() {
	local i
	for i in $(seq 200); do
		grep -qF -- "$1" "$TEST_DIR/run.out" && return 0
		sleep 0.05
	done
	return 1
}
kill -INT "$runner"
check "the first interrupt says what it does" \
	said "interrupted: running the always-steps; interrupt again to stop them"
check "and lets the always step run on" test -d "/proc/$step_pid"
kill -INT "$runner"
# A run that ignores it would wait 600 s: give it 10.
for i in $(seq 200); do
	process_gone "$runner" && break
	sleep 0.05
done
process_gone "$runner" || kill -KILL "$runner"
wait "$runner"; rc=$?
is "the second interrupt stops the run (exit 2)" "$rc" 2
check "and the always step" process_gone "$step_pid"
like "which is broken, interrupted again" \
	"$(step_status "$n" a tidy): $(pvci job show "$n" a --json | jq -r '.steps[1].note')" \
	"^broken: interrupted again by signal 2"
is "the job is aborted" "$(job_status "$n" a)" aborted
