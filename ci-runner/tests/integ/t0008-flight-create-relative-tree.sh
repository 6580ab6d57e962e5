#!/bin/bash
# flight create --tree NAME=PATH with a relative PATH: the path is made
# absolute at creation, so a run from another folder uses the same
# repository; URLs are kept as they are.
. "$(dirname "$0")/lib.sh"
plan 4
init_instance

mkdir "$TEST_DIR/here"
git init -q -b master "$TEST_DIR/here/repo"
echo hello >"$TEST_DIR/here/repo/hello.txt"
git -C "$TEST_DIR/here/repo" add .
git -C "$TEST_DIR/here/repo" -c user.name=pvci -c user.email=pvci@example.org commit -qm one
head=$(git -C "$TEST_DIR/here/repo" rev-parse HEAD)

cat >"$TEST_DIR/tree.json" <<'JSON'
{ "name": "tree", "description": "fetch a tree and look into it",
  "trees": [ { "name": "fix", "url": "/nowhere/at/all", "branch": "master" } ],
  "jobs": [ { "name": "j", "trees": ["fix"],
              "runvars": { "cmd_look": ["test", "-f", "src/fix/hello.txt"] },
              "steps": [ { "step": "source" }, { "step": "run", "as": "look" } ] } ] }
JSON

f=$(cd "$TEST_DIR/here" && pvci flight create "$TEST_DIR/tree.json" --tree fix=repo)
json=$(pvci job show "$f" j --json)
is "a relative --tree path is recorded absolute" "$(jq -r .runvars.tree_fix <<<"$json")" \
	"$TEST_DIR/here/repo"
is "its branch was resolved from there" "$(jq -r .runvars.revision_fix <<<"$json")" "$head"
out=$(cd / && pvci flight run "$f" 2>&1); rc=$?
is "a run from another folder fetches the same repository" "$rc/$(job_status "$f" j)" "0/pass"
[ "$rc" = 0 ] || printf '%s\n' "$out" | sed 's/^/# /' | tail -n 20

f=$(cd "$TEST_DIR/here" && pvci flight create "$TEST_DIR/tree.json" \
	--tree "fix=file://$TEST_DIR/here/repo#$head")
is "a URL is kept as given" "$(pvci job show "$f" j --json | jq -r .runvars.tree_fix)" \
	"file://$TEST_DIR/here/repo"
