#!/bin/bash
# No SQLite connection crosses fork(): while a step runs, "flight run" has
# closed its connection (it opens it again after the step) and the command
# a step runs holds none; the step's process opens its own and writes
# through it.
. "$(dirname "$0")/lib.sh"
plan 5
init_instance

mkfifo "$TEST_DIR/started" "$TEST_DIR/go"
cat >"$TEST_DIR/db.json" <<JSON
{ "name": "db", "jobs": [
  { "name": "a",
    "runvars": { "cmd_wait": ["sh", "-c", "read p r </proc/self/stat; echo \$p > $TEST_DIR/started; read x < $TEST_DIR/go"],
                 "cmd_after": ["true"] },
    "steps": [ { "step": "run", "as": "wait" }, { "step": "run", "as": "after" } ] }
] }
JSON
n=$(pvci flight create "$TEST_DIR/db.json")
"$PVCI_BIN" flight run "$n" >"$TEST_DIR/run.out" 2>&1 &
runner=$!
at_exit "kill -KILL $runner 2>/dev/null"
read -r step_pid <"$TEST_DIR/started"

# db_fds PID: the descriptors of PID open on the database (or its WAL).
db_fds() {
	local fd
	for fd in /proc/"$1"/fd/*; do
		case $(readlink "$fd" 2>/dev/null) in
		"$PVCI_HOME"/results.db*) echo "$fd" ;;
		esac
	done
}
is "the runner holds no database connection while a step runs" "$(db_fds "$runner")" ""
is "the command the step runs inherited none" "$(db_fds "$step_pid")" ""
echo go >"$TEST_DIR/go"
wait "$runner"; rc=$?
is "the run passes (the runner opened the database again)" "$rc" 0
is "the second step's status was written" "$(step_status "$n" a after)" pass

# Where PID namespaces are refused (no CAP_SYS_ADMIN), steps still run,
# with their leftovers swept up after them, and pvci says so once.
cat >"$TEST_DIR/nons.json" <<JSON
{ "name": "nons", "jobs": [
  { "name": "a", "runvars": { "cmd_one": ["true"], "cmd_two": ["true"] },
    "steps": [ { "step": "run", "as": "one" }, { "step": "run", "as": "two" } ] }
] }
JSON
n=$(pvci flight create "$TEST_DIR/nons.json")
setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin "$PVCI_BIN" flight run "$n" \
	>"$TEST_DIR/nons.out" 2>&1; rc=$?
is "without CAP_SYS_ADMIN the run passes, saying once that steps get no PID namespace" \
	"$rc/$(grep -c 'get no PID namespace' "$TEST_DIR/nons.out")" "0/1"
