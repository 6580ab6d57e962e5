#!/bin/bash
# An interrupted pvci publish (killed with SIGKILL after a few uploads,
# through the test-only PVCI_PUBLISH_STOP_AFTER) to nginx WebDAV over TLS:
# the target keeps its old index and manifest, and the next publish
# completes with every file's hash right. The index, the badge and then
# the manifest are the last three files sent.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
. "$(dirname "$0")/publish-lib.sh"
plan 10
publish_setup
start_dav || exit 1
printf '{"user": "pub", "password": "%s"}\n' "$DAV_PASSWORD" >"$PVCI_HOME/publish.cred"
chmod 600 "$PVCI_HOME/publish.cred"
set_config publish.url "\"$DAV_URL/site\""
set_config publish.credentials_file '"publish.cred"'
set_config publish.ca_file "\"$DAV_CA\""
S="$TEST_DIR/dav/site"
mkdir "$S"
PVCI_PUBLISH_STOP_AFTER=3 pvci publish "$F" >/dev/null 2>&1
is "the first publish is killed midway" "$?" 137
is "three files arrived" "$(find "$S" -type f | wc -l)" 3
check "no index and no manifest yet" test ! -e "$S/index.html" -a ! -e "$S/.pvci-manifest"
out=$(pvci publish "$F" 2>&1)
like "the next publish completes" "$out" "^publish: flight $F: [0-9]+ uploaded, 0 unchanged"
is "every file on the server has the local hash" "$(hashes "$S")" "$(hashes "$PVCI_HOME/publish/$F")"
is "the index, the badge and the manifest were sent last" \
	"$(awk '$6 == "\"PUT" { print $7 }' "$TEST_DIR/nginx/access.log" | tail -3 | tr '\n' ' ')" \
	"/site/index.html /site/badge/trunk.svg /site/.pvci-manifest "
# A second flight, its publish killed: the old index and manifest stay.
old_index=$(sha256sum <"$S/index.html")
old_manifest=$(sha256sum <"$S/.pvci-manifest")
pass c
F2=$(real_flight "$TEST_DIR/r.json" 2)
PVCI_PUBLISH_STOP_AFTER=2 pvci publish "$F2" >/dev/null 2>&1
is "an interrupted update keeps the old index" "$(sha256sum <"$S/index.html")" "$old_index"
is "and the old manifest" "$(sha256sum <"$S/.pvci-manifest")" "$old_manifest"
out=$(pvci publish "$F2" 2>&1)
like "the next publish completes it" "$out" "^publish: flight $F2: [1-9][0-9]* uploaded"
is "every file of both flights has its hash" "$(hashes "$S" | grep -c .):$(cd "$S" && jq -r '.files | to_entries[] | "\(.value)  \(.key)"' .pvci-manifest | sha256sum -c --quiet 2>&1 | wc -l)" \
	"$(jq '.files | length' "$S/.pvci-manifest"):0"
