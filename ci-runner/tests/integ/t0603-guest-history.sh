#!/bin/bash
# Verdicts tied to the signed bytes, end to end in the test guest: the
# package signed through the SoftHSM2 token installs, driver-install
# records the catalog of the bytes it installed (the one the sign step
# made), and "pvci verify --history" of the package lists that test job
# and its result; the same package with one byte changed matches no flight.
# Meanwhile nothing of the whole flight, guest part included, leaks the
# token PIN or the config's mail password (files, rows, pages, command
# lines, environments).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/guest-lib.sh"
. "$(dirname "$0")/secrets-lib.sh"
guest_setup
plan 13
guest_image
guest_fixture
printf 'pvci-user\nmail-Secret-%s\n' "$RANDOM$RANDOM$RANDOM" >"$PVCI_HOME/mail-credentials"
chmod 600 "$PVCI_HOME/mail-credentials"
guest_config mail.credentials_file '"mail-credentials"'
cp "$PVCI_HOME/keys/token.pin" "$TEST_DIR/secrets/pin"
secret_text mail-password "$(sed -n 2p "$PVCI_HOME/mail-credentials")"

job=test-x64-linux-history
guest_recipe "$TEST_DIR/history.json" history '[
  {"step": "guest-start"}, {"step": "driver-install"}, {"step": "guest-stop"},
  {"step": "capture-logs"}, {"step": "cleanup"} ]'
f=$(pvci flight create "$TEST_DIR/history.json")
secrets_sampler_start
pvci flight run "$f" >"$TEST_DIR/run.out" 2>&1; rc=$?
secrets_sampler_stop
is "the flight passes" "$rc" 0
[ "$rc" = 0 ] || tail -n 30 "$TEST_DIR/run.out" | sed 's/^/# /'
like "the package was signed through the token" \
	"$(cat "$PVCI_HOME"/logs/"$f"/build-x64-pvcifix/*sign*.log)" "osslsigncode sign -pkcs11module .* -readpass"
made=$(pvci job show "$f" build-x64-pvcifix --json | jq -r .runvars.catalog_sha256)
installed=$(pvci job show "$f" "$job" --json | jq -r .runvars.installed_catalog)
like "the sign step named its catalog" "$made" "^[0-9a-f]{64}$"
is "the test job installed exactly those bytes" "$installed" "$made"

tar=$(ls "$PVCI_HOME"/artifacts/"$f"/build-x64-pvcifix/pvcifix-*.tar)
out=$(pvci verify --history "$tar" 2>&1); rc=$?
is "verify --history passes" "$rc" 0
like "and lists the test job with its result" "$out" "flight $f job $job \(history\): pass$"
like "one job tested these bytes" "$out" "^1 job tested exactly these bytes$"
cp "$tar" "$TEST_DIR/changed.tar"
off=$(grep -abo 'PVCI_VERSION=' "$TEST_DIR/changed.tar" | head -1 | cut -d: -f1)
printf 'Q' | dd of="$TEST_DIR/changed.tar" bs=1 seek="$off" conv=notrunc 2>/dev/null
like "one byte changed: refused and no flight" "$(pvci verify --history "$TEST_DIR/changed.tar" 2>&1)" \
	"no flight tested exactly these bytes \(and no flight made them\)"

{
	cat "$TEST_DIR/run.out"
	pvci flight show "$f" --json
	pvci job show "$f" "$job" --json
	pvci report "$f" --format text
} >"$TEST_DIR/pages" 2>&1
sqlite3 "$PVCI_HOME/results.db" .dump >"$TEST_DIR/dump.sql"
check "the sampler saw the guest run" grep -aq qemu-system "$TEST_DIR/samples"
is "no secret in any file of the instance" "$(secrets_search "$PVCI_HOME")" ""
is "no secret in any database row" "$(secrets_search "$TEST_DIR/dump.sql")" ""
is "no secret on any command line or environment seen" "$(secrets_search "$TEST_DIR/samples")" ""
is "no secret in the pages" "$(secrets_search "$TEST_DIR/pages")" ""
