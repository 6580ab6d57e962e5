#!/bin/bash
# The signing token becomes unavailable while a flight runs, between the
# build and the sign step (a run step of the job does it): first its store
# is taken away (SoftHSM2's token folder; a hardware token pulled out), then
# its PIN file holds a wrong PIN. Each time the sign step is broken (the
# host's fault, not the driver's), its note says why without the PIN, and
# nothing signed is recorded or left; with the token back the next job
# passes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault-lib.sh"
plan 12
init_instance
pvci keys init >/dev/null
fixture_repo "$TEST_DIR/fixture.git"
tokens="$PVCI_HOME/keys/softhsm/tokens"
pin="$PVCI_HOME/keys/token.pin"
cp -p "$pin" "$TEST_DIR/token.pin.saved"

# recipe FILE CMD-JSON: build, then CMD (what happens to the key), then sign.
recipe() {
	cat >"$1" <<JSON
{ "name": "sign", "trees": [ { "name": "pvcifix", "url": "$TEST_DIR/fixture.git", "branch": "master" } ],
  "runvars": { "version": "9.1.0" },
  "jobs": [ { "name": "build-x64-pvcifix", "trees": ["pvcifix"],
      "runvars": { "driver": "pvcifix", "executor": "local", "cmd_keyloss": $2 },
      "steps": [ { "step": "source" }, { "step": "build" },
                 { "step": "run", "as": "keyloss" }, { "step": "sign" } ] } ] }
JSON
}
job=build-x64-pvcifix
# The artifacts of the job that only signing makes.
signed_artifacts() {
	pvci job show "$1" $job --json |
		jq '[.artifacts[] | select(.path | test("/signed/|\\.tar$|\\.iso$|SHA256SUMS"))] | length'
}

recipe "$TEST_DIR/gone.json" "[\"mv\", \"$tokens\", \"$TEST_DIR/tokens.away\"]"
f=$(pvci flight create "$TEST_DIR/gone.json")
pvci flight run "$f" >"$TEST_DIR/run1.out" 2>&1; rc=$?
is "token gone: the flight is broken (exit 2)" "$rc" 2
is "the sign step is broken, not failed" "$(step_status "$f" $job sign)" broken
like "its note says the token is not there" "$(fault_note "$f" $job sign)" \
	"no token labelled 'pvci' in '.*': the token is not there|PKCS#11 module '.*' does not start"
is "no signed package is recorded" "$(signed_artifacts "$f")" 0
check "no package file is left" sh -c "! ls '$PVCI_HOME/artifacts/$f/$job/'*.tar '$PVCI_HOME/artifacts/$f/$job/'*.iso 2>/dev/null"

# The token back, its PIN file wrong (a PIN changed on the token, a bad copy).
mv "$TEST_DIR/tokens.away" "$tokens"
# (A script, so that the wrong PIN is not on the logged command line.)
echo "echo 00000000 >'$pin'" >"$TEST_DIR/wrongpin.sh"
recipe "$TEST_DIR/pin.json" "[\"sh\", \"$TEST_DIR/wrongpin.sh\"]"
g=$(pvci flight create "$TEST_DIR/pin.json")
pvci flight run "$g" >"$TEST_DIR/run2.out" 2>&1; rc=$?
is "wrong PIN: the flight is broken (exit 2)" "$rc" 2
is "the sign step is broken" "$(step_status "$g" $job sign)" broken
like "its note says the token refused the PIN" "$(fault_note "$g" $job sign)" \
	"cannot log in to token 'pvci' with the PIN of '.*/keys/token.pin': .*PIN"
check "the PIN is in no log" sh -c "! grep -rq 00000000 '$PVCI_HOME/logs/$g'"
is "no signed package is recorded" "$(signed_artifacts "$g")" 0

# The PIN back: the next job passes.
cp -p "$TEST_DIR/token.pin.saved" "$pin"
recipe "$TEST_DIR/back.json" '["true"]'
h=$(pvci flight create "$TEST_DIR/back.json")
pvci flight run "$h" >"$TEST_DIR/run3.out" 2>&1; rc=$?
is "with the token back the next job passes" "$rc/$(job_status "$h" $job)" "0/pass"
is "no step is left running" \
	"$(sqlite3 "$PVCI_HOME/results.db" "select count(*) from steps where status = 'running'")" 0
