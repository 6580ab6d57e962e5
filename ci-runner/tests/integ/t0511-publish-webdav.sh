#!/bin/bash
# pvci publish to nginx with WebDAV over TLS (its own config, certificate
# and basic auth, on loopback): every file arrives with its hash, folders
# made with MKCOL; a second publish uploads nothing; the password comes
# from the 0600 credentials file and is never printed; a refused upload
# names the file and the server's answer, is retried, and leaves the
# database as it was; an unknown CA is refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
. "$(dirname "$0")/publish-lib.sh"
plan 13
publish_setup
start_dav || exit 1
before=$(db_digest)
printf '{"user": "pub", "password": "%s"}\n' "$DAV_PASSWORD" >"$PVCI_HOME/publish.cred"
chmod 600 "$PVCI_HOME/publish.cred"
set_config publish.url "\"$DAV_URL/site\""
set_config publish.credentials_file '"publish.cred"'
set_config publish.ca_file "\"$DAV_CA\""
mkdir "$TEST_DIR/dav/site"
out=$(pvci publish "$F" 2>&1)
read -r up same <<<"$(published_count "$out")"
like "the first publish uploads every file" "$up:$same" '^[1-9][0-9]*:0$'
is "every file on the server has the local hash" "$(hashes "$TEST_DIR/dav/site")" "$(hashes "$PVCI_HOME/publish/$F")"
like "folders were made with MKCOL" "$(grep -c '"MKCOL /site/logs/' "$TEST_DIR/nginx/access.log")" '^[1-9]'
is "the manifest is on the server" "$(jq -r --arg p "flight/$F.html" '.files[$p]' "$TEST_DIR/dav/site/.pvci-manifest")" \
	"$(sha256sum <"$PVCI_HOME/publish/$F/flight/$F.html" | cut -d' ' -f1)"
is "the page is served by nginx" "$(curl -s --cacert "$DAV_CA" -u "pub:$DAV_PASSWORD" "$DAV_URL/site/flight/$F.html" | sha256sum)" \
	"$(sha256sum <"$PVCI_HOME/publish/$F/flight/$F.html")"
is "a second publish uploads nothing" "$(published_count "$(pvci publish "$F" 2>&1)")" "0 $up"
no_pw() { ! grep -rqF "$DAV_PASSWORD" <<<"$out$(cat "$PVCI_HOME"/*.log 2>/dev/null)"; }
check "the password is never printed" no_pw
chmod 644 "$PVCI_HOME/publish.cred"
like "a credentials file others may read is refused" "$(pvci publish "$F" 2>&1)" "publish credentials file .*refused.*0600"
chmod 600 "$PVCI_HOME/publish.cred"
set_config publish.tries 2
out=$(pvci publish "$F" --to "$DAV_URL/ro" 2>&1)
rc=$?
is "a refused upload fails the command" "$rc" 3
like "naming the file and the server's answer" "$out" "publish: 'flight/$F.html' to 'https://127.0.0.1:[0-9]*/ro': HTTP 405 \(try 1 of 2\)"
like "retried, then given up" "$out" "'flight/$F.html' was not sent .* after 2 tries: HTTP 405"
is "the database did not change" "$(db_digest)" "$before"
set_config publish.ca_file null
like "a server certificate no CA vouches for is refused" "$(pvci publish "$F" 2>&1)" "certificate"
