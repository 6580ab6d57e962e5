#!/bin/bash
# Secrets (user:password in tree URLs, pin-value in PKCS#11 URIs) never
# reach what pvci prints or stores.
. "$(dirname "$0")/lib.sh"
plan 15
init_instance

url="https://alice:s3cret@127.0.0.1:9/r.git"
cat >"$TEST_DIR/secret.json" <<JSON
{ "name": "secret",
  "trees": [ { "name": "src", "url": "$url", "branch": "master" } ],
  "jobs": [ { "name": "a", "trees": ["src"], "steps": [ { "step": "source" } ] } ] }
JSON
f=$(pvci flight create "$TEST_DIR/secret.json" 2>"$TEST_DIR/create.err")
is "a flight with a credentialed tree URL is made" "$f" 1
is "flight create's messages show no password" "$(grep -c s3cret "$TEST_DIR/create.err")" 0
like "and say the credentials are left to git's credential helper" "$(cat "$TEST_DIR/create.err")" \
	"tree 'src': the credentials in its URL are not stored nor passed to git; using 'https://127.0.0.1:9/r.git'"

out=$(pvci flight show "$f" --json)
is "flight show --json shows no password" "$(grep -c s3cret <<<"$out")" 0
like "it shows the URL without credentials" "$out" '"https://127.0.0.1:9/r.git"' 
out=$(pvci job show "$f" a)
is "job show shows no password" "$(grep -c s3cret <<<"$out")" 0
like "it shows the runvar without credentials" "$out" "tree_src=https://127.0.0.1:9/r.git"
out=$(pvci job show "$f" a --json)
is "job show --json shows no password" "$(grep -c s3cret <<<"$out")" 0

pvci flight run "$f" >"$TEST_DIR/run.out" 2>&1
log=$(cat "$PVCI_HOME/logs/$f/a/01.source.log")
like "the source step logs the URL it uses" "$log" "tree 'src': cloning 'https://127.0.0.1:9/r.git'"
is "the source step's log shows no password" "$(grep -c s3cret <<<"$log")" 0
is "the mirror's folder name holds no password" "$(find "$PVCI_HOME/cache/git" -name '*s3cret*' | wc -l)" 0
is "the stored runvars hold no password" \
	"$(sqlite3 "$PVCI_HOME/results.db" "select value from runvars" | grep -c s3cret)" 0

jq '.signing.key = "pkcs11:token=t;object=k?pin-value=987654&module-path=/x.so"' \
	"$PVCI_HOME/config.json" >"$TEST_DIR/c.json" && cp "$TEST_DIR/c.json" "$PVCI_HOME/config.json"
out=$(pvci keys show 2>&1)
is "keys show does not show the PIN" "$(grep -c 987654 <<<"$out")" 0

# A step's own log lines (the argv it runs) are redacted where they are written.
cat >"$TEST_DIR/argv.json" <<JSON
{ "name": "argv", "jobs": [ { "name": "b",
  "runvars": { "cmd_x": ["true", "https://bob:pw123@127.0.0.1:9/x", "pkcs11:object=k?pin-value=4242"] },
  "steps": [ { "step": "run", "as": "x" } ] } ] }
JSON
g=$(pvci flight create "$TEST_DIR/argv.json")
pvci flight run "$g" >/dev/null 2>&1
log=$(cat "$PVCI_HOME/logs/$g/b/01.x.log")
like "the run step logs its argv redacted" "$log" "run.*true https://bob:\*\*\*@127.0.0.1:9/x pkcs11:object=k\?pin-value=\*\*\*"
is "with neither the password nor the PIN" "$(grep -c 'pw123\|4242' <<<"$log")" 0
