#!/bin/bash
# The signing key becomes unavailable while a flight runs, between the build
# and the sign step (a run step of the job removes it, then, in a second
# flight, replaces it with a cut one): the sign step is broken (the host's
# fault, not the driver's), its note names the key and why, nothing signed
# is left half made; with the key back the next job passes.
# (The PKCS#11 token case comes with the token: the same assertions, the
# token removed from SoftHSM's store.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault-lib.sh"
plan 12
init_instance
pvci keys init >/dev/null
fixture_repo "$TEST_DIR/fixture.git"
key="$PVCI_HOME/keys/codesign.key"
cp -p "$key" "$TEST_DIR/codesign.key.saved"

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

recipe "$TEST_DIR/gone.json" "[\"rm\", \"$key\"]"
f=$(pvci flight create "$TEST_DIR/gone.json")
pvci flight run "$f" >"$TEST_DIR/run1.out" 2>&1; rc=$?
is "key removed: the flight is broken (exit 2)" "$rc" 2
is "the sign step is broken, not failed" "$(step_status "$f" $job sign)" broken
like "its note names the key and why" "$(fault_note "$f" $job sign)" "signing key file '.*/keys/codesign\.key' is missing"
is "no signed package is recorded" "$(signed_artifacts "$f")" 0
check "no package file is left" sh -c "! ls '$PVCI_HOME/artifacts/$f/$job/'*.tar '$PVCI_HOME/artifacts/$f/$job/'*.iso 2>/dev/null"

# A key file that is there but cut in half (a failing disk, a half-done copy).
cp -p "$TEST_DIR/codesign.key.saved" "$key"
recipe "$TEST_DIR/cut.json" "[\"truncate\", \"-s\", \"100\", \"$key\"]"
g=$(pvci flight create "$TEST_DIR/cut.json")
pvci flight run "$g" >"$TEST_DIR/run2.out" 2>&1; rc=$?
is "key cut: the flight is broken (exit 2)" "$rc" 2
is "the sign step is broken" "$(step_status "$g" $job sign)" broken
like "its note names the key and why" "$(fault_note "$g" $job sign)" \
	"cannot read a private key from '.*/keys/codesign\.key': .+"
is "no signed package is recorded" "$(signed_artifacts "$g")" 0
check "no package file is left" sh -c "! ls '$PVCI_HOME/artifacts/$g/$job/'*.tar '$PVCI_HOME/artifacts/$g/$job/'*.iso 2>/dev/null"

# The key back: the next job passes.
cp -p "$TEST_DIR/codesign.key.saved" "$key"
recipe "$TEST_DIR/back.json" '["true"]'
h=$(pvci flight create "$TEST_DIR/back.json")
pvci flight run "$h" >"$TEST_DIR/run3.out" 2>&1; rc=$?
is "with the key back the next job passes" "$rc/$(job_status "$h" $job)" "0/pass"
is "no step is left running" \
	"$(sqlite3 "$PVCI_HOME/results.db" "select count(*) from steps where status = 'running'")" 0
