#!/bin/bash
# A host whose jobs end broken twice in a row is disabled automatically, the
# reason naming the jobs; a job that passes in between resets the count.
. "$(dirname "$0")/lib.sh"
plan 7
init_instance

cfg=$PVCI_HOME/config.json
jq '. + { hosts: [ { name: "h1", uri: "test:///default", capacity: { guests: 1, memory_mib: 4096 } },
                   { name: "h2", uri: "test:///default", capacity: { guests: 1, memory_mib: 4096 } } ] }' \
	"$cfg" >"$cfg.new" && mv "$cfg.new" "$cfg"
# A command that cannot start is broken (infrastructure), not failed.
cat >"$TEST_DIR/b.json" <<JSON
{ "name": "brk", "jobs": [
  { "name": "bad{n}", "matrix": { "n": ["1", "2", "3"] },
    "runvars": { "cmd_run": ["$TEST_DIR/no-such-command"] }, "steps": [ { "step": "run" } ] },
  { "name": "good", "runvars": { "cmd_run": ["true"] }, "steps": [ { "step": "run" } ] }
] }
JSON
n=$(pvci flight create "$TEST_DIR/b.json")
pvci job run "$n" bad1 --host h1 >/dev/null 2>&1
pvci job run "$n" good --host h1 >/dev/null 2>&1
pvci job run "$n" bad2 --host h1 >/dev/null 2>&1
# host list on one line (| for each line end), so a pattern can span lines.
list1() {
	pvci host list | tr '\n' '|'
}
like "one broken after a pass: still enabled, the count shown" "$(list1)" \
	"^h1  enabled [^|]*\|  broken in a row: 1 \($n/bad2\)\|h2"
pvci job run "$n" bad3 --host h1 >"$TEST_DIR/w.out" 2>&1
list=$(pvci host list)
like "two broken in a row: disabled automatically" "$list" \
	"disabled since .*: disabled automatically: 2 jobs in a row ended broken \($n/bad2 $n/bad3\)"
like "the worker said so" "$(cat "$TEST_DIR/w.out")" "host 'h1' disabled: its jobs ended broken 2 times in a row"
like "h2 is untouched" "$list" "^h2  enabled "
# The broken jobs were queued again once, avoiding h1.
is "each broken job was queued again as attempt 2 avoiding h1" \
	"$(sqlite3 "$PVCI_HOME/results.db" "select group_concat(job || ':' || status || ':' || attempt || ':' || avoid_host, ' ') from (select * from jobs where job like 'bad%' order by job)")" \
	"bad1:queued:2:h1 bad2:queued:2:h1 bad3:queued:2:h1"
out=$(pvci job run "$n" bad1 --host h1 2>&1)
like "the disabled host refuses more" "$out" "host 'h1' is disabled: disabled automatically"
pvci host enable h1 >/dev/null
like "enabling it clears the count" "$(list1)" "^h1  enabled [^|]*\|h2"
