#!/bin/bash
# A step's processes do not outlive it, whatever happens to pvci: a process
# a step started with setsid (and left by a double fork) is gone when the
# step ends, and gone when "flight run" is killed with SIGKILL (each step
# runs in a PID namespace of its own, whose processes the kernel kills).
. "$(dirname "$0")/lib.sh"
plan 5
init_instance

# The step's grandchild leaves the step's session and process group and is
# orphaned at once; it writes its pid as seen from outside the step's PID
# namespace (from /proc/self/stat) into a FIFO the test reads.
mkfifo "$TEST_DIR/gc1" "$TEST_DIR/gc2" "$TEST_DIR/go"
# Each step also writes down its PID namespace (an inode number, which a
# later namespace may reuse once the first is gone).
# (One FIFO per job: the first writer may still hold one open after its line.)
grandchild() {
	echo "readlink /proc/self/ns/pid >> $TEST_DIR/ns; ( setsid sh -c 'read p r </proc/self/stat; echo \$p > $TEST_DIR/$1; exec sleep 300' & )"
}
cat >"$TEST_DIR/leave.json" <<JSON
{ "name": "leave", "jobs": [
  { "name": "ends", "runvars": { "cmd_run": ["sh", "-c", "$(grandchild gc1); read x < $TEST_DIR/go"] },
    "steps": [ { "step": "run" } ] },
  { "name": "killed", "needs": ["ends"],
    "runvars": { "cmd_run": ["sh", "-c", "$(grandchild gc2); exec sleep 600"] },
    "steps": [ { "step": "run" } ] }
] }
JSON
n=$(pvci flight create "$TEST_DIR/leave.json")
"$PVCI_BIN" flight run "$n" >"$TEST_DIR/run.out" 2>&1 &
runner=$!
at_exit "kill -KILL $runner 2>/dev/null"

# gone PID: waits (bounded, 10 s) for the process to go.
gone() {
	local i
	for i in $(seq 200); do
		[ -n "$1" ] && process_gone "$1" && return 0
		sleep 0.05
	done
	return 1
}

# First job: the step ends normally, its setsid grandchild still running.
read -r gc1 <"$TEST_DIR/gc1"
at_exit "kill -KILL $gc1 2>/dev/null"
echo go >"$TEST_DIR/go"
# Second job: the runner is killed while the step runs.
read -r gc2 <"$TEST_DIR/gc2"
at_exit "kill -KILL $gc2 2>/dev/null"
is "the first job passed" "$(job_status "$n" ends)" pass
check "a setsid grandchild of a step that ended is gone" gone "$gc1"
kill -KILL "$runner"
wait "$runner" 2>/dev/null
check "a setsid grandchild of a step whose runner was killed is gone" gone "$gc2"
ns=$(grep -cvxF "$(readlink /proc/self/ns/pid)" "$TEST_DIR/ns")
is "each step ran in a PID namespace other than the runner's" "$ns" 2
pvci flight run "$n" >"$TEST_DIR/run2.out" 2>&1
is "the next run recovers the killed job as broken" "$(job_status "$n" killed)" broken

