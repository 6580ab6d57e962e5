#!/bin/bash
# pvci gate: a recipe tree's push_url and tested_ref are checked when the
# recipe loads; a tested_ref of its own is where the gate pushes; the
# commands' usage errors.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
. "$(dirname "$0")/gate-lib.sh"
plan 13
init_instance
recipe="$TEST_DIR/gate.json"
gate_recipe "$recipe" "" build:a

# with_tree KEY JSONVALUE: the recipe with that tree field set, in bad.json.
with_tree() {
	jq --argjson v "$2" ".trees[0].$1 = \$v" "$recipe" >"$TEST_DIR/bad.json"
	pvci flight create "$TEST_DIR/bad.json" 2>&1
}
out=$(with_tree tested_ref '"heads/tested"'); rc=$?
like "a tested_ref outside refs/ is refused, with where" "$rc:$out" \
	"bad.json:[0-9]+:[0-9]+: .*tree 'drivers': 'tested_ref' must be a ref"
out=$(with_tree tested_ref '"refs/heads/../x"')
like "a tested_ref with .. is refused" "$out" "'tested_ref' must be a ref"
out=$(with_tree tested_ref '"refs/heads/x.lock"')
like "a tested_ref ending .lock is refused" "$out" "'tested_ref' must be a ref"
out=$(with_tree push_url '""')
like "an empty push_url is refused" "$out" "'push_url' must be a non-empty string"
out=$(with_tree push_url '"https://bob:secret@example.org/x.git"')
like "credentials in a push_url are refused" "$out" "'push_url' must not hold credentials"
is "and never printed" "$(printf '%s\n' "$out" | grep -c secret)" 0
jq '.trees[0] |= del(.push_url) | .trees[0].tested_ref = "refs/heads/t"' "$recipe" >"$TEST_DIR/bad.json"
out=$(pvci flight create "$TEST_DIR/bad.json" 2>&1)
like "a tested_ref without push_url is refused" "$out" "'tested_ref' needs a 'push_url'"

jq '.trees[0].tested_ref = "refs/heads/tested/win10"' "$recipe" >"$TEST_DIR/own.json"
f1=$(gate_flight "$TEST_DIR/own.json" "$C1")
is "a tree's own tested_ref is where it goes" "$(tested_ref refs/heads/tested/win10)" "$C1"

jq '.trees[0] |= del(.push_url)' "$recipe" >"$TEST_DIR/nopush.json"
f2=$(gate_flight "$TEST_DIR/nopush.json" "$C2" --branch other)
like "a branch whose trees have no push_url has no gate" "$(cat "$TEST_DIR/run.out")" \
	"^gate: flight $f2 records no push target \(no tree has a push_url\): the gate of branch 'other' does not move$"
is "nothing recorded for it" "$(sqlite3 "$PVCI_HOME/results.db" \
	"SELECT count(*) FROM tested_revisions WHERE branch = 'other'")" 0

out=$(pvci gate 2>&1); rc=$?
like "gate needs a command" "$rc:$out" "^64:pvci gate: which gate command"
out=$(pvci gate show 'a b' 2>&1); rc=$?
like "a branch name is checked" "$rc:$out" "^64:pvci gate show: branch 'a b' is not made of"
out=$(pvci gate force trunk --evil --reason x 2>&1); rc=$?
like "force refuses an option as revision" "$rc:$out" "^64:pvci gate force: "
