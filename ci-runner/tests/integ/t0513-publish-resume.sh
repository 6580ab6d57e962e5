#!/bin/bash
# An interrupted pvci publish (killed with SIGKILL after a few uploads,
# through the test-only PVCI_PUBLISH_STOP_AFTER) to nginx WebDAV over TLS:
# the target keeps its old index and manifest, and the next publish
# completes with every file's hash right. The index, the badge and then
# the manifest are the last three files sent. A long publish sends the
# manifest every 200 files, so a killed one resends only what it had not
# sent.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
. "$(dirname "$0")/publish-lib.sh"
plan 13
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
# A flight of 250 artifacts killed after 230 uploads: the manifest sent
# after 200 lists them; the next publish sends the rest only.
F3=$(real_flight "$TEST_DIR/r.json" 3)
mkdir -p "$PVCI_HOME/artifacts/$F3/build"
for i in $(seq 250); do echo "package $i" >"$PVCI_HOME/artifacts/$F3/build/p$i.txt"; done
# What a whole publish would send: the same to a copy of the target.
cp -a "$S" "$TEST_DIR/copy"
read -r full _ <<<"$(published_count "$(pvci publish "$F3" --to "file://$TEST_DIR/copy" 2>&1)")"
PVCI_PUBLISH_STOP_AFTER=230 pvci publish "$F3" >/dev/null 2>&1
is "a long publish killed after 230 files" "$?" 137
read -r up _ <<<"$(published_count "$(pvci publish "$F3" 2>&1)")"
is "the next publish sends all but the 200 the manifest listed" "$up" "$((full - 200))"
is "every file of the three flights has its hash" "$(cd "$S" && jq -r '.files | to_entries[] | "\(.value)  \(.key)"' .pvci-manifest | sha256sum -c --quiet 2>&1 | wc -l):$(find "$S" -type f ! -name .pvci-manifest | wc -l)" \
	"0:$(jq '.files | length' "$S/.pvci-manifest")"
