#!/bin/bash
# pvci publish over sftp (libcurl, key authentication, the host key checked
# against publish.known_hosts) to an sshd on loopback with its own config:
# every file arrives with its hash, a second publish uploads nothing; a
# host key that does not match is refused and nothing is sent.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
. "$(dirname "$0")/publish-lib.sh"
if ! curl -V | grep -q '^Protocols:.* sftp'; then
	echo "1..0 # SKIP this libcurl has no sftp (curl -V lists no sftp protocol)"
	exit 0
fi
plan 6
publish_setup
start_sshd || exit 1
before=$(db_digest)
printf '{"user": "%s", "key": "%s"}\n' "$(id -un)" "$SSH_KEY" >"$PVCI_HOME/publish.cred"
chmod 600 "$PVCI_HOME/publish.cred"
set_config publish.url "\"sftp://127.0.0.1:$SSH_PORT$TEST_DIR/sftp-site\""
set_config publish.credentials_file '"publish.cred"'
set_config publish.known_hosts "\"$SSH_KNOWN\""
out=$(pvci publish "$F" 2>&1)
read -r up same <<<"$(published_count "$out")"
like "the first publish uploads every file" "$up:$same:$out" '^[1-9][0-9]*:0:'
is "every file on the server has the local hash" "$(hashes "$TEST_DIR/sftp-site")" "$(hashes "$PVCI_HOME/publish/$F")"
check "the manifest is there" test -s "$TEST_DIR/sftp-site/.pvci-manifest"
is "a second publish uploads nothing" "$(published_count "$(pvci publish "$F" 2>&1)")" "0 $up"
ssh-keygen -q -t ecdsa -b 256 -N '' -f "$TEST_DIR/other_key"
echo "[127.0.0.1]:$SSH_PORT $(cut -d' ' -f1,2 "$TEST_DIR/other_key.pub")" >"$SSH_KNOWN"
like "a host key that does not match is refused" "$(pvci publish "$F" --to "sftp://127.0.0.1:$SSH_PORT$TEST_DIR/other" 2>&1)" \
	"cannot read the manifest.*(host key|SSH|ssh)"
is "the database did not change" "$(db_digest)" "$before"
