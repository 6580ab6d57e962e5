#!/bin/bash
# The host pool in config.json: each error names the host and the key, and
# a refused config changes nothing; without "hosts" the pool is one host
# "local" on toolstack.uri. Recipes: needs_host false runs without a host,
# needs_flags picks a host having them, and a bad one is refused.
. "$(dirname "$0")/lib.sh"
plan 14
init_instance

cfg=$PVCI_HOME/config.json
cp "$cfg" "$TEST_DIR/good.json"
like "no hosts: one host 'local' on toolstack.uri" "$(pvci host list)" "^local  enabled  qemu:///system  guests 0/2  memory 0/2048 MiB"

bad() {	# bad DESCRIPTION HOSTS-JSON PATTERN
	jq --argjson h "$2" '. + { hosts: $h }' "$TEST_DIR/good.json" >"$cfg"
	out=$(pvci host list 2>&1); rc=$?
	like "$1" "$rc $out" "^3 .*$3"
}
bad "a host without a capacity" '[{"name":"h1","uri":"qemu:///system"}]' "host 'h1': key 'capacity' must be an object"
bad "a capacity out of range" '[{"name":"h1","uri":"qemu:///system","capacity":{"guests":0,"memory_mib":1024}}]' "host 'h1': key 'capacity.guests' must be a whole number between 1 and 1024"
bad "an unknown key" '[{"name":"h1","uri":"qemu:///system","capacity":{"guests":1,"memory_mib":1024},"flag":["x"]}]' "host 'h1': unknown key 'flag'"
bad "a libvirt host without a uri" '[{"name":"h1","capacity":{"guests":1,"memory_mib":1024}}]' "host 'h1': key 'uri' is required"
bad "a bad flag" '[{"name":"h1","toolstack":"xl","capacity":{"guests":1,"memory_mib":1024},"flags":["a b"]}]' "host 'h1': flag 'a b' is not a name"
bad "a host twice" '[{"name":"h1","toolstack":"xl","capacity":{"guests":1,"memory_mib":1024}},{"name":"h1","toolstack":"xl","capacity":{"guests":1,"memory_mib":1024}}]' "host 'h1' is given twice"
bad "a password in the uri" '[{"name":"h1","uri":"qemu+ssh://u:secret@x/system","capacity":{"guests":1,"memory_mib":1024}}]' "host 'h1': key 'uri' must not hold a password"
jq '.scheduler = { priority: "push,push,nightly" }' "$TEST_DIR/good.json" >"$cfg"
like "a bad priority list" "$(pvci host list 2>&1)" "setting 'scheduler.priority' must list push, adhoc and nightly"

jq '. + { hosts: [ { name: "k", uri: "test:///default", capacity: { guests: 1, memory_mib: 1024 }, flags: ["kvm"] },
                   { name: "x", toolstack: "xl", capacity: { guests: 1, memory_mib: 1024 }, flags: ["xen", "windows"] } ] }' \
	"$TEST_DIR/good.json" >"$cfg"
cat >"$TEST_DIR/r.json" <<JSON
{ "name": "needs", "jobs": [
  { "name": "build", "needs_host": false, "runvars": { "cmd_run": ["true"] }, "steps": [ { "step": "run" } ] },
  { "name": "test", "needs": ["build"], "needs_flags": ["kvm"], "runvars": { "cmd_run": ["true"] },
    "steps": [ { "step": "run" } ] }
] }
JSON
n=$(pvci flight create "$TEST_DIR/r.json")
out=$(pvci job run "$n" test --host k 2>&1); rc=$?
like "a job waits for what it needs" "$rc $out" "^3 .*job 'test' needs 'build', which is queued"
check "a job needing no host runs without --host" pvci job run "$n" build
out=$(pvci job run "$n" test --host x 2>&1); rc=$?
like "a host without the job's flags is refused" "$rc $out" "^3 .*host 'x' lacks flags that flight $n job 'test' needs \('kvm'\)"
timeout 60 "$PVCI_BIN" pool run --interval 50 >/dev/null 2>&1
is "pool run puts it on the host with its flags" "$(pvci job show "$n" test --json | jq -r '"\(.status) \(.host)"')" "pass k"
cat >"$TEST_DIR/bad.json" <<JSON
{ "name": "bad", "jobs": [
  { "name": "j", "needs_host": false, "needs_flags": ["kvm"], "runvars": { "cmd_run": ["true"] },
    "steps": [ { "step": "run" } ] } ] }
JSON
like "a recipe with needs_flags and no host is refused" "$(pvci flight create "$TEST_DIR/bad.json" 2>&1)" \
	"bad.json:2:[0-9]+: job 'j': 'needs_flags' does not go with \"needs_host\": false"
