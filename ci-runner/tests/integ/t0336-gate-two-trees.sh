#!/bin/bash
# pvci gate: a flight of two trees pushes each to its own target and
# records both only once every push went; a tree without push_url is
# recorded, not pushed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
. "$(dirname "$0")/gate-lib.sh"
plan 6
init_instance
other="$TEST_DIR/other.git"
recipe="$TEST_DIR/gate.json"
gate_recipe "$recipe" "" build:a
jq --arg u "$SRC" --arg p "$other" \
	'.trees += [ { "name": "tools", "url": $u, "push_url": $p, "tested_ref": "refs/heads/t" },
		     { "name": "docs", "url": $u } ]' "$recipe" >"$TEST_DIR/two.json"

f1=$(gate_flight "$TEST_DIR/two.json" "$C2" --tree "tools=#$C1" --tree "docs=#$C1")
like "a push of one tree fails: exit 3, which and why" \
	"$(cat "$TEST_DIR/run.rc"):$(grep 'cannot push' "$TEST_DIR/run.out")" \
	"^3:.*cannot push tree 'tools' revision $C1 to '$other' refs/heads/t: "
is "nothing is recorded" "$(tested_db)" ""
git init -q --bare "$other"
out=$(pvci gate run "$f1"); rc=$?
like "once it can, every tree advances" "$rc:$out" \
	"^0:gate: trunk advanced to docs $C1, drivers $C2, tools $C1 \(flight $f1\)$"
is "each tree went to its own target" \
	"$(tested_ref) $(git --git-dir="$other" rev-parse refs/heads/t)" "$C2 $C1"
like "a tree without push_url is recorded, not pushed" "$out" "^gate:  docs: recorded, not pushed \(no push_url\)$"
is "all three are recorded" "$(tested_db | sort | tr '\n' ' ')" "docs $C1 drivers $C2 tools $C1 "
