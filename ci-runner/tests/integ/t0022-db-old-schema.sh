#!/bin/bash
# A database of an older schema: commands other than init and flight run
# refuse it, saying what to run; flight run upgrades it (two at once too)
# and recovers a job an older pvci left running, owned by pid alone.
. "$(dirname "$0")/lib.sh"
plan 10
init_instance

cat >"$TEST_DIR/one.json" <<'JSON'
{ "name": "one", "jobs": [ { "name": "a", "runvars": { "cmd_run": ["true"] },
                            "steps": [ { "step": "run" } ] } ] }
JSON
f1=$(pvci flight create "$TEST_DIR/one.json")
f2=$(pvci flight create "$TEST_DIR/one.json")
f3=$(pvci flight create "$TEST_DIR/one.json")
# A process that has ended: its pid owned flight 3's job under the old schema.
sh -c 'exit 0' & dead=$!
wait "$dead"
db="$PVCI_HOME/results.db"
sqlite3 "$db" "ALTER TABLE jobs DROP COLUMN owner_host; ALTER TABLE jobs DROP COLUMN owner_boot;
	ALTER TABLE jobs DROP COLUMN owner_pidns; DROP INDEX measurements_flight;
	DELETE FROM schema_updates WHERE version IN (3, 4);
	UPDATE jobs SET status = 'running', owner_pid = $dead, owner_start = 1 WHERE flight = $f3;"

out=$(pvci flight list 2>&1); rc=$?
like "flight list refuses an older schema, saying what to run" "$rc:$out" \
	"^3:.*lacks schema update '0003-job-owner.sql': run 'pvci init' \(or 'pvci flight run'\) to upgrade it"
out=$(pvci flight create "$TEST_DIR/one.json" 2>&1); rc=$?
like "so does flight create" "$rc:$out" "^3:.*lacks schema update '0003-job-owner.sql'"
is "which upgraded nothing" "$(sqlite3 "$db" 'select count(*) from schema_updates where version = 3')" 0

# Two runs open the old database at once; both must upgrade or find it done.
pvci flight run "$f1" >"$TEST_DIR/run1.out" 2>&1 & r1=$!
pvci flight run "$f2" >"$TEST_DIR/run2.out" 2>&1 & r2=$!
wait "$r1"; rc1=$?
wait "$r2"; rc2=$?
is "two flight runs opening it at once both succeed" "$rc1 $rc2" "0 0"
is "the first ran its job" "$(job_status "$f1" a)" pass
is "the second ran its job" "$(job_status "$f2" a)" pass
is "each migration applied once" "$(sqlite3 "$db" 'select group_concat(version) from schema_updates')" "1,$(cd "$PVCI_SRCDIR/results-db/migrations" && ls [0-9]*.sql | sed 's/^0*//; s/-.*//' | paste -sd,)"

# Either run recovered it: recovery looks at every flight's jobs.
is "a job an older pvci left running with a dead pid is recovered as broken" \
	"$(job_status "$f3" a)" broken
like "with a note" "$(pvci job show "$f3" a --json | jq -r .note)" \
	"pvci process $dead ended while the job was running"
is "flight list works again" "$(pvci flight list --json | jq length)" 3
