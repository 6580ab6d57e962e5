#!/bin/bash
# Secrets (user:password in tree URLs, pin-value in PKCS#11 URIs) never
# reach what pvci prints or stores.
. "$(dirname "$0")/lib.sh"
plan 12
init_instance

# todo_absent DESC TEXT SECRET REASON: like an assertion, but a known gap
# (fixed in another part of the code) reported as TODO until it is closed.
todo_absent() {
	test_count=$((test_count + 1))
	if grep -q -- "$3" <<<"$2"; then
		echo "not ok $test_count - $1 # TODO $4"
	else
		echo "ok $test_count - $1"
	fi
}

url="https://alice:s3cret@127.0.0.1:9/r.git"
cat >"$TEST_DIR/secret.json" <<JSON
{ "name": "secret",
  "trees": [ { "name": "src", "url": "$url", "branch": "master" } ],
  "jobs": [ { "name": "a", "trees": ["src"], "steps": [ { "step": "source" } ] } ] }
JSON
f=$(pvci flight create "$TEST_DIR/secret.json" 2>"$TEST_DIR/create.err")
is "a flight with a credentialed tree URL is made" "$f" 1
todo_absent "flight create's messages show no password" "$(cat "$TEST_DIR/create.err")" s3cret \
	"flight creation (run/flight-create.c) must redact its messages"

out=$(pvci flight show "$f" --json)
is "flight show --json shows no password" "$(grep -c s3cret <<<"$out")" 0
like "it shows the URL with the password hidden" "$out" "https://alice:\*\*\*@127.0.0.1:9/r.git"
out=$(pvci job show "$f" a)
is "job show shows no password" "$(grep -c s3cret <<<"$out")" 0
like "it shows the runvar redacted" "$out" "tree_src=https://alice:\*\*\*@127.0.0.1:9/r.git"
out=$(pvci job show "$f" a --json)
is "job show --json shows no password" "$(grep -c s3cret <<<"$out")" 0

pvci flight run "$f" >"$TEST_DIR/run.out" 2>&1
log=$(cat "$PVCI_HOME/logs/$f/a/01.source.log")
like "the source step logs the URL redacted" "$log" "tree 'src': cloning 'https://alice:\*\*\*@127.0.0.1:9/r.git'"
todo_absent "the source step's log shows no password" "$log" s3cret \
	"the argv shown in step logs (run/exec.c log_argv) must be redacted"
is "the mirror's folder name holds no password" "$(find "$PVCI_HOME/cache/git" -name '*s3cret*' | wc -l)" 0
todo_absent "the stored runvars hold no password" \
	"$(sqlite3 "$PVCI_HOME/results.db" "select value from runvars" 2>/dev/null)" s3cret \
	"flight creation must store tree URLs redacted"

jq '.signing.key = "pkcs11:token=t;object=k?pin-value=987654&module-path=/x.so"' \
	"$PVCI_HOME/config.json" >"$TEST_DIR/c.json" && cp "$TEST_DIR/c.json" "$PVCI_HOME/config.json"
out=$(pvci keys show 2>&1)
is "keys show does not show the PIN" "$(grep -c 987654 <<<"$out")" 0
