#!/bin/bash
# The sign step refuses a certificate that expires within
# signing.min_validity_days, as broken, naming it and its expiry date.
. "$(dirname "$0")/lib.sh"
plan 4
init_instance
pvci keys init --days 1 >/dev/null

repo="$TEST_DIR/fixture.git"
fixture_repo "$repo"

cat >"$TEST_DIR/sign.json" <<JSON
{ "name": "sign",
  "trees": [ { "name": "pvcifix", "url": "$repo", "branch": "master" } ],
  "jobs": [
    { "name": "build-x64-pvcifix", "trees": ["pvcifix"],
      "runvars": { "driver": "pvcifix", "executor": "local" },
      "steps": [ { "step": "source" }, { "step": "build" }, { "step": "sign" } ] } ] }
JSON
f=$(pvci flight create "$TEST_DIR/sign.json")
pvci flight run "$f" >/dev/null 2>&1; rc=$?
is "the flight is broken (exit 2)" "$rc" 2
is "the build passed" "$(step_status "$f" build-x64-pvcifix build)" pass
is "the sign step is broken" "$(step_status "$f" build-x64-pvcifix sign)" broken
# The expiry date is the certificate's, not the clock's plus a day, so that
# a run across UTC midnight still passes.
expiry=$(date -u -d "$(openssl x509 -in "$PVCI_HOME/keys/codesign.pem" -noout -enddate | cut -d= -f2)" +%Y-%m-%d)
like "the log names the certificate and its expiry" \
	"$(cat "$PVCI_HOME/logs/$f/build-x64-pvcifix/"03.*)" \
	"certificate 'CN=pvci test code signing,O=pvci' expires on $expiry, within 14 days: refusing to sign"
