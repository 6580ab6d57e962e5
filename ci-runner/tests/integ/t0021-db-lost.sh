#!/bin/bash
# Only init creates a database. A deleted or emptied results.db is an error
# for every other command (none recreates it, so flight numbers never
# restart at 1 over the old flights' logs), and init refuses to make a new
# one where flights left logs.
. "$(dirname "$0")/lib.sh"
plan 14
init_instance

cat >"$TEST_DIR/one.json" <<'JSON'
{ "name": "one", "jobs": [ { "name": "a", "runvars": { "cmd_run": ["true"] },
                            "steps": [ { "step": "run" } ] } ] }
JSON
n=$(pvci flight create "$TEST_DIR/one.json")
pvci flight run "$n" >/dev/null 2>&1
is "a flight ran" "$(job_status "$n" a)" pass

db="$PVCI_HOME/results.db"
rm -f "$db" "$db-wal" "$db-shm"
for cmd in "flight list" "flight show $n" "job show $n a" "flight run $n" \
	   "flight create $TEST_DIR/one.json"; do
	# shellcheck disable=SC2086
	out=$(pvci $cmd 2>&1); rc=$?
	like "$cmd on a deleted database fails, saying so (rc $rc)" "$rc:$out" \
		"^3:.*database '$db' is missing: only 'pvci init' makes one"
done
check "none of them recreated it" test ! -e "$db"
out=$(pvci init 2>&1); rc=$?
like "init refuses a new database where flights left logs" "$rc:$out" \
	"^[1-9].*instance '$PVCI_HOME' has logs of flights but no database '$db'"
check "and makes none" test ! -e "$db"

: >"$db"
out=$(pvci flight list 2>&1); rc=$?
like "an emptied database is an error too" "$rc:$out" "^3:.*database '$db' is empty"
out=$(pvci flight create "$TEST_DIR/one.json" 2>&1); rc=$?
like "flight create does not fill it" "$rc:$out" "^3:.*database '$db' is empty"
is "it stays empty" "$(stat -c %s "$db")" 0
out=$(pvci init 2>&1); rc=$?
like "init refuses to fill it where flights left logs" "$rc:$out" "^[1-9].*has logs of flights but no database"

mv "$PVCI_HOME/logs" "$TEST_DIR/old-logs"
mkdir "$PVCI_HOME/logs"
check "with the old logs moved away, init makes a new database" pvci init
