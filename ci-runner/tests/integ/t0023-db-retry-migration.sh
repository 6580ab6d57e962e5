#!/bin/bash
# Schema update 0010 rebuilds flights (a blessing real-retry and retry_of):
# on a database of the older shape with flights, jobs and steps in it,
# pvci init applies it keeping every row, every foreign key and the
# flight counter (a number once used is not given again).
. "$(dirname "$0")/lib.sh"
plan 7
init_instance

cat >"$TEST_DIR/one.json" <<'JSON'
{ "name": "one", "jobs": [ { "name": "a", "runvars": { "cmd_run": ["true"] },
                            "steps": [ { "step": "run" } ] } ] }
JSON
f1=$(pvci flight create "$TEST_DIR/one.json" --blessing real)
pvci flight run "$f1" >/dev/null 2>&1
f2=$(pvci flight create "$TEST_DIR/one.json")
f3=$(pvci flight create "$TEST_DIR/one.json")
db="$PVCI_HOME/results.db"
# Back to the shape before 0010; flight 3 deleted, so the counter is above the rows.
sqlite3 "$db" "PRAGMA foreign_keys=OFF; BEGIN;
	DELETE FROM steps WHERE flight = $f3; DELETE FROM runvars WHERE flight = $f3;
	DELETE FROM jobs WHERE flight = $f3; DELETE FROM flights WHERE flight = $f3;
	CREATE TABLE old (flight INTEGER PRIMARY KEY AUTOINCREMENT, branch TEXT NOT NULL,
	  blessing TEXT NOT NULL CHECK (blessing IN ('real','adhoc','play','bisect')),
	  intended TEXT NOT NULL CHECK (intended IN ('real','adhoc','play','bisect')),
	  recipe TEXT NOT NULL, created INTEGER NOT NULL, started INTEGER, finished INTEGER);
	INSERT INTO old SELECT flight, branch, blessing, intended, recipe, created, started, finished FROM flights;
	DROP TABLE flights; ALTER TABLE old RENAME TO flights;
	UPDATE sqlite_sequence SET seq = $f3 WHERE name = 'flights';
	CREATE INDEX flights_branch ON flights(branch, blessing, flight DESC);
	DELETE FROM schema_updates WHERE version = 10; COMMIT;"
is "the older shape has no retry_of" "$(sqlite3 "$db" "SELECT count(*) FROM pragma_table_info('flights') WHERE name = 'retry_of'")" 0

out=$(pvci init 2>&1); rc=$?
is "pvci init applies it" "$rc" 0
is "retry_of is there" "$(sqlite3 "$db" "SELECT count(*) FROM pragma_table_info('flights') WHERE name = 'retry_of'")" 1
is "every flight kept" "$(sqlite3 "$db" "SELECT group_concat(x) FROM (SELECT flight || ':' || blessing AS x FROM flights ORDER BY flight)")" "$f1:real,$f2:adhoc"
is "no row lost its flight" "$(sqlite3 "$db" "PRAGMA foreign_keys=ON; PRAGMA foreign_key_check" | wc -l)" 0
is "the job's result is still there" "$(job_status "$f1" a)" pass
f4=$(pvci flight create "$TEST_DIR/one.json")
is "the counter is kept: no number given twice" "$f4" $((f3 + 1))
