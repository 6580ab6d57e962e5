#!/bin/bash
# pvci keys init/show: a CA and a code-signing certificate, private keys
# 0600 and never printed, kept unless --force. This is the plain key file
# mode (keys.mode file, a throwaway instance); the token mode is t0601.
. "$(dirname "$0")/lib.sh"
plan 11
init_instance
jq '.keys.mode = "file"' "$PVCI_HOME/config.json" >"$TEST_DIR/c" && mv "$TEST_DIR/c" "$PVCI_HOME/config.json"

out=$(pvci keys init --days 30 2>&1)
check "keys init makes five files" test -s "$PVCI_HOME/keys/ca.pem" -a -s "$PVCI_HOME/keys/ca.key" \
	-a -s "$PVCI_HOME/keys/codesign.pem" -a -s "$PVCI_HOME/keys/codesign.key" -a -s "$PVCI_HOME/keys/chain.pem"
is "private keys are mode 0600" "$(stat -c %a "$PVCI_HOME/keys/ca.key") $(stat -c %a "$PVCI_HOME/keys/codesign.key")" "600 600"
check "the code-signing certificate chains to the CA" \
	openssl verify -CAfile "$PVCI_HOME/keys/ca.pem" "$PVCI_HOME/keys/codesign.pem"
like "it has extendedKeyUsage codeSigning" \
	"$(openssl x509 -in "$PVCI_HOME/keys/codesign.pem" -noout -ext extendedKeyUsage)" "Code Signing"
# Dates come from the certificate, not the clock, so that a run across UTC
# midnight still passes.
cert_date() {
	date -u -d "$(openssl x509 -in "$PVCI_HOME/keys/codesign.pem" -noout "-$1" | cut -d= -f2)" "${2:-+%s}"
}
is "it is valid for the days asked" "$(( ($(cert_date enddate) - $(cert_date startdate)) / 86400 ))" 30
show=$(pvci keys show)
like "show prints subject, fingerprint and expiry" "$show" \
	"subject: CN=pvci test code signing,O=pvci"$'\n'"  issuer:  CN=pvci test CA,O=pvci"$'\n'"  sha256:  ([0-9A-F]{2}:){31}[0-9A-F]{2}"$'\n'"  expires: $(cert_date enddate +%Y-%m-%d)"
check "no private key is ever printed" sh -c "! printf '%s\n%s' \"\$1\" \"\$2\" | grep -q 'PRIVATE KEY'" _ "$out" "$show"
before=$(sha256sum "$PVCI_HOME/keys/codesign.key")
pvci keys init >/dev/null 2>&1; rc=$?
is "keys init again keeps the keys (idempotent)" "$rc/$(sha256sum "$PVCI_HOME/keys/codesign.key")" "0/$before"
rm "$PVCI_HOME/keys/chain.pem"
pvci keys init >/dev/null 2>&1; rc=$?
is "a partial set is refused without --force" "$rc" 3
pvci keys init --force --days 400 >/dev/null 2>&1; rc=$?
check "--force replaces them" test "$rc" = 0 -a "$(sha256sum "$PVCI_HOME/keys/codesign.key")" != "$before"
pvci keys init --days 0 >/dev/null 2>&1; rc=$?
is "--days 0 is a usage error" "$rc" 64
