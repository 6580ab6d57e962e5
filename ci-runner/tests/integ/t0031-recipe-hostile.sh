#!/bin/bash
# Recipes a careless or hostile user might give: not a regular file, JSON
# followed by a NUL and garbage, a small file that expands enormously, many
# runvars in one job, a name twice in needs, names written with escapes or
# that also appear earlier in the file, names over 128 characters. Each is
# refused at once with file:line:col and the reason.
. "$(dirname "$0")/lib.sh"
plan 17
init_instance

# create FILE: flight create, its messages in $out and exit status in $rc.
create() {
	out=$(timeout 60 "$PVCI_BIN" flight create "$1" 2>&1); rc=$?
}

mkfifo "$TEST_DIR/fifo.json"
create "$TEST_DIR/fifo.json"
is "a FIFO is refused at once (not waited on)" "$rc" 3
like "because it is not a regular file" "$out" "recipe '$TEST_DIR/fifo.json' is not a regular file$"

printf '{ "name": "x", "jobs": [ { "name": "a", "steps": [ {"step": "cleanup"} ] } ] }\0garbage' \
	>"$TEST_DIR/nul.json"
create "$TEST_DIR/nul.json"
is "valid JSON followed by a NUL and garbage is refused" "$rc" 3
like "the NUL is named, with its place" "$out" "nul\.json:1:79: a NUL byte: a recipe is JSON text$"

# 64 x 64 jobs of 50 runvars each: 6 KB of recipe, 204,800 runvar rows.
{
	printf '{ "name": "x", "runvars": {'
	for i in $(seq 0 49); do printf '%s"v%d": "{x}-{y}"' "$([ "$i" = 0 ] || echo ', ')" "$i"; done
	printf '}, "jobs": [ { "name": "j-{x}-{y}", "matrix": {\n"x": [%s], "y": [%s]},\n' \
		"$(seq -s, -f '"%g"' 0 63)" "$(seq -s, -f '"%g"' 0 63)"
	printf '"steps": [ {"step": "cleanup"} ] } ] }\n'
} >"$TEST_DIR/wide.json"
create "$TEST_DIR/wide.json"
is "a recipe expanding to too many runvar rows is refused" "$rc" 3
like "with the bound in the message" "$out" \
	"wide\.json:1:[0-9]+: the recipe expands to more than 200000 runvars or 64 MiB of runvar values, all jobs together$"

# 100,000 runvars in one job: refused (no step reads them), quickly.
awk 'BEGIN { printf "{ \"name\": \"x\", \"jobs\": [ { \"name\": \"a\", \"runvars\": {\n\"cmd_run\": [\"true\"]";
	     for (i = 0; i < 100000; i++) printf ",\n\"v%d\": \"x\"", i;
	     printf " }, \"steps\": [ {\"step\": \"run\"} ] } ] }\n" }' >"$TEST_DIR/many.json"
start=$(date +%s)
create "$TEST_DIR/many.json"
secs=$(( $(date +%s) - start ))
like "100,000 runvars in a job are refused for what they are" "$out" \
	"many\.json:3:1: job 'a' sets runvar 'v0', which none of its steps \('run'\) reads$"
check "and in seconds, not half a minute (took ${secs} s)" test "$secs" -lt 10

cat >"$TEST_DIR/needs.json" <<'JSON'
{ "name": "x", "jobs": [
  { "name": "a", "runvars": { "cmd_run": ["true"] }, "steps": [ {"step": "run"} ] },
  { "name": "b", "needs": ["a",
    "a"], "steps": [ {"step": "cleanup"} ] } ] }
JSON
create "$TEST_DIR/needs.json"
like "a name twice in needs is a recipe error at its second occurrence" "$out" \
	"needs\.json:4:5: 'needs' names 'a' twice$"
is "not a database error" "$(grep -c UNIQUE <<<"$out")" 0

# "cmd_x" is first a job's name; the runvar on line 4 is the one at fault.
cat >"$TEST_DIR/later.json" <<'JSON'
{ "name": "x", "jobs": [
  { "name": "cmd_x", "runvars": { "cmd_run": ["true"] }, "steps": [ {"step": "run"} ] },
  { "name": "b", "runvars": { "cmd_run": ["true"],
    "cmd_x": ["x"] }, "steps": [ {"step": "run"} ] } ] }
JSON
create "$TEST_DIR/later.json"
like "a message points at the offending occurrence of a name, not its first" "$out" \
	"later\.json:4:5: job 'b' sets runvar 'cmd_x', which none of its steps \('run'\) reads$"

cat >"$TEST_DIR/escaped.json" <<'JSON'
{ "name": "x", "jobs": [
  { "name": "a", "runvars": { "cmd_run": ["true"] }, "steps": [ {"step": "run"} ] },
  { "name": "b", "needs": ["\u006eosuch"], "steps": [ {"step": "cleanup"} ] } ] }
JSON
create "$TEST_DIR/escaped.json"
like "a name written with JSON escapes keeps its position" "$out" \
	"escaped\.json:3:28: job 'b' needs 'nosuch', which is not a job of this recipe$"

long=$(printf 'j%.0s' $(seq 1 128))
printf '{ "name": "x", "jobs": [ { "name": "%s", "steps": [ {"step": "cleanup"} ] } ] }\n' \
	"$long" >"$TEST_DIR/n128.json"
create "$TEST_DIR/n128.json"
is "a job name of 128 characters is accepted" "$rc" 0
printf '{ "name": "x", "jobs": [ { "name": "%sj", "steps": [ {"step": "cleanup"} ] } ] }\n' \
	"$long" >"$TEST_DIR/n129.json"
create "$TEST_DIR/n129.json"
like "one of 129 is refused, and the limit is said" "$out" \
	"n129\.json:1:36: job name 'j{129}' is not made of \[A-Za-z0-9\._-\] \(at most 128 characters\)$"
like "the limit is documented in flights/README.md" \
	"$(cat "$PVCI_SRCDIR/flights/README.md")" "at most 128 characters"
like "and in the man page" "$(cat "$PVCI_SRCDIR/doc/pvci.1")" "at most 128 characters"

is "only the 128-character recipe made a flight" "$(pvci flight list --json | jq length)" 1
