#!/bin/bash
# pvci flight diff A B: two flights of one recipe on two revisions of a
# local git tree, where a step that passed fails and a runvar differs; each
# section of the text (revisions, status changes, runvars, measurements)
# and of --json; an unknown flight is an error (3).
. "$(dirname "$0")/lib.sh"
plan 22
init_instance

repo="$TEST_DIR/src.git"
fixture_repo "$repo"
r1=$(git -C "$repo" rev-parse HEAD)
echo "/* r2 */" >>"$repo/pvcifix.c"
git -C "$repo" -c user.name=pvci -c user.email=pvci@example.org commit -qam r2
r2=$(git -C "$repo" rev-parse HEAD)

cat >"$TEST_DIR/diff.json" <<JSON
{ "name": "diff",
  "trees": [ { "name": "src", "url": "$repo", "branch": "master" } ],
  "jobs": [
    { "name": "a", "trees": ["src"],
      "runvars": { "cmd_one": ["true"], "cmd_two": ["sh", "-c", "test ! -e \"\$PVCI_FAIL\""] },
      "steps": [ { "step": "source" }, { "step": "run", "as": "one" },
                 { "step": "run", "as": "two" } ] },
    { "name": "b", "runvars": { "cmd_three": ["true"] },
      "steps": [ { "step": "run", "as": "three" } ] } ] }
JSON
export PVCI_FAIL="$TEST_DIR/fail-now"

f1=$(pvci flight create "$TEST_DIR/diff.json" --tree "src=$repo#$r1")
pvci flight run "$f1" >/dev/null
touch "$PVCI_FAIL"
f2=$(pvci flight create "$TEST_DIR/diff.json" --tree "src=$repo#$r2" --branch trunk --blessing real \
	--runvar 'a:cmd_one=["true","again"]')
pvci flight run "$f2" >/dev/null
rm -f "$PVCI_FAIL"
is "the two flights: pass, then a fails" "$(job_status "$f1" a)/$(job_status "$f2" a)" pass/fail

# No step records a synthetic runvar or a measurement without a guest (run
# steps only run a command): those rows are written here with sqlite3, as
# the guest steps would (db_runvar_set synth=1, db_measure_add).
db="$PVCI_HOME/results.db"
sqlite3 "$db" "
	INSERT INTO runvars VALUES ($f1, 'b', 'result_url', 'https://ci:hunter2@example.org/1', 1);
	INSERT INTO runvars VALUES ($f2, 'b', 'result_url', 'https://ci:hunter2@example.org/2', 1);
	INSERT INTO runvars VALUES ($f2, 'b', 'guest_boot_id', 'boot-2', 1);
	INSERT INTO measurements (flight, job, stepno, metric, value, unit, recorded) VALUES
	  ($f1, 'b', 1, 'write_bw', 200, 'MiB/s', 0),
	  ($f2, 'b', 1, 'write_bw', 150, 'MiB/s', 0),
	  ($f2, 'b', 1, 'write_bw', 170, 'MiB/s', 0),
	  ($f2, 'b', 1, 'write_bw', 900, 'MiB/s', 0),
	  ($f1, 'b', 1, 'boot_seconds', 10, 's', 0),
	  ($f2, 'b', 1, 'boot_seconds', 12.5, 's', 0);"

out=$(pvci flight diff "$f1" "$f2"); rc=$?
is "flight diff exits 0" "$rc" 0
like "it names the flights" "$out" "^flight diff $f1 -> $f2\$"
like "with their branch, blessing and recipe" "$out" "^  B  flight $f2: branch trunk, real, recipe diff\$"
section() { printf '%s\n' "$out" | sed -n "/^$1:/,/^\$/p"; }
like "revisions: the tree's revision, A to B" "$(section revisions)" "^  src +$r1 -> $r2\$"
like "status changes: the job" "$(section 'status changes')" "^  a +pass -> fail\$"
like "status changes: the step that failed" "$(section 'status changes')" "^  a two +pass -> fail\$"
is "status changes: nothing else" "$(section 'status changes' | grep -c -- ' -> ')" 2
like "runvars: the definition runvar given at creation" "$(section runvars)" \
	'^  a cmd_one +\["true"\] -> \["true","again"\]$'
like "runvars: a synthetic one in B only" "$(section runvars)" "^  b guest_boot_id \(synth\) +\(absent\) -> boot-2\$"
like "runvars: a secret in a value is never shown" "$(section runvars)" "^  b result_url \(synth\) +https://ci:\*\*\*@example.org/1 -> "
check "not even in --json" sh -c "! '$PVCI_BIN' flight diff $f1 $f2 --json | grep -q hunter2"
is "runvars: revisions are left to their section" "$(section runvars | grep -c revision_)" 0
like "measurements: relative change" "$(section measurements)" "^  b three boot_seconds +10 -> 12.5 s  \+25\.0%\$"
like "measurements: the median of B's three values" "$(section measurements)" \
	"^  b three write_bw +200 -> 170 MiB/s  -15\.0%  \(median of 1 / 3\)\$"

json=$(pvci flight diff "$f1" "$f2" --json)
is "json: the flights" "$(jq -r '"\(.a.flight) \(.b.flight) \(.b.branch) \(.b.blessing) \(.b.recipe)"' <<<"$json")" \
	"$f1 $f2 trunk real diff"
is "json: revisions" "$(jq -r '.revisions[] | select(.name == "revision_src") | "\(.tree) \(.a) \(.b) \(.changed)"' <<<"$json")" \
	"src $r1 $r2 true"
is "json: statuses, the job's own with step null" \
	"$(jq -r '[.statuses[] | "\(.job)/\(.step)/\(.a)/\(.b)"] | join(",")' <<<"$json")" "a/null/pass/fail,a/two/pass/fail"
is "json: a measurement's change" \
	"$(jq -r '.measurements[] | select(.metric == "write_bw") | "\(.a) \(.b) \(.count_b) \(.change_percent)"' <<<"$json")" \
	"200 170 3 -15"

out=$(pvci flight diff "$f1" 99 2>&1); rc=$?
like "an unknown flight is an error (3) naming it" "$rc:$out" "^3:.*no flight 99"
out=$(pvci flight diff "$f1" 2>&1); rc=$?
like "one flight is a usage error" "$rc:$out" "^64:.*needs two flights"
is "a flight against itself: no status change" "$(pvci flight diff "$f2" "$f2" | sed -n '/^status changes:/{n;p}')" "  (none)"
