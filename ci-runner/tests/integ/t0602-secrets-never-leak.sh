#!/bin/bash
# Secrets never leak: a build-and-sign flight of the smoke recipe's build
# job runs through the SoftHSM2 token while a sampler records the command
# line and environment of every process on the machine; then every file of
# the instance (but the PIN file and the token's own store), every
# database row (sqlite3 .dump), every log, the pages pvci prints (flight
# show, job show, report) and the samples are searched for the token PIN,
# the mail password of the config's credentials file, and the CA's private
# key in PEM (whole and line by line) and DER (whole and in slices): none
# may appear. The same search on a file-mode instance looks for its
# code-signing key file's PEM and DER.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/secrets-lib.sh"
plan 12
init_instance
pvci keys init --ca-key "$TEST_DIR/offline/ca.key" >/dev/null
# A credential in the config: the SMTP password file (mail is not sent).
printf 'pvci-user\nmail-Secret-%s\n' "$RANDOM$RANDOM$RANDOM" >"$PVCI_HOME/mail-credentials"
chmod 600 "$PVCI_HOME/mail-credentials"
jq '.mail.credentials_file = "mail-credentials"' "$PVCI_HOME/config.json" >"$TEST_DIR/c" &&
	mv "$TEST_DIR/c" "$PVCI_HOME/config.json"

repo="$TEST_DIR/fixture.git"
fixture_repo "$repo"
# The smoke recipe's build job, on the fixture repository.
jq --arg repo "$repo" '.trees[0].url = $repo | .trees[0].branch = "master" |
	del(.trees[0].subdir) | .jobs = [.jobs[0]]' "$PVCI_SRCDIR/flights/smoke.json" \
	>"$TEST_DIR/smoke-build.json"

secrets_sampler_start
f=$(pvci flight create "$TEST_DIR/smoke-build.json")
pvci flight run "$f" >"$TEST_DIR/pages" 2>&1; rc=$?
secrets_sampler_stop
is "the build-and-sign flight passes through the token" "$rc" 0
like "the sampler saw osslsigncode run" "$(grep -ac '^osslsigncode$' "$TEST_DIR/samples")" "^[1-9]"
check "and saw environments" grep -q "^PATH=" "$TEST_DIR/samples"
{
	pvci flight show "$f"
	pvci flight show "$f" --json
	pvci job show "$f" build-x64-pvcifix --json
	pvci report "$f" --format text
	pvci report "$f" --format json
	pvci keys show
} >>"$TEST_DIR/pages" 2>&1
sqlite3 "$PVCI_HOME/results.db" .dump >"$TEST_DIR/dump.sql"
like "the dump holds the flight's rows" "$(grep -c "INSERT INTO runvars VALUES($f," "$TEST_DIR/dump.sql")" "^[1-9]"

cp "$PVCI_HOME/keys/token.pin" "$TEST_DIR/secrets/pin"
secret_text mail-password "$(sed -n 2p "$PVCI_HOME/mail-credentials")"
secret_key "$TEST_DIR/offline/ca.key" ca-key

is "no secret in any file of the instance (logs, artifacts, work, config)" "$(secrets_search "$PVCI_HOME")" ""
is "no secret in any database row" "$(secrets_search "$TEST_DIR/dump.sql")" ""
is "no secret on any command line or in any environment seen" "$(secrets_search "$TEST_DIR/samples")" ""
is "no secret in the pages pvci prints" "$(secrets_search "$TEST_DIR/pages")" ""
# The search finds what it looks for: the PIN is in its own file.
is "the search does find a secret where it is" "$(secrets_search "$TEST_DIR/secrets/pin" | head -1)" \
	"pin in $TEST_DIR/secrets/pin"

# A file-mode instance: its code-signing key file never leaks either.
export PVCI_HOME="$TEST_DIR/filemode"
pvci init >/dev/null
jq '.keys.mode = "file"' "$PVCI_HOME/config.json" >"$TEST_DIR/c" && mv "$TEST_DIR/c" "$PVCI_HOME/config.json"
pvci keys init >/dev/null
like "keys show says file mode" "$(pvci keys show)" "^mode: file"
rm -rf "$TEST_DIR/secrets"/*
secret_key "$PVCI_HOME/keys/codesign.key" codesign-key
secret_key "$PVCI_HOME/keys/ca.key" ca-key
f=$(pvci flight create "$TEST_DIR/smoke-build.json")
pvci flight run "$f" >"$TEST_DIR/pages2" 2>&1; rc=$?
is "a file-mode flight passes" "$rc" 0
sqlite3 "$PVCI_HOME/results.db" .dump >"$TEST_DIR/dump2.sql"
is "its key files' PEM and DER appear nowhere else" \
	"$(secrets_search "$PVCI_HOME/logs" "$PVCI_HOME/artifacts" "$PVCI_HOME/work" "$TEST_DIR/dump2.sql" "$TEST_DIR/pages2")" ""
