#!/bin/bash
# pvci publish to a file:// target: the flight's pages, logs and artifacts
# arrive with their hashes; a second publish uploads nothing; the manifest
# lists every file; the database is unchanged; a URL with a password, an
# unknown flight, no target and a --dir of someone's files are refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
. "$(dirname "$0")/publish-lib.sh"
plan 17
publish_setup
before=$(db_digest)
T="$TEST_DIR/site"
set_config publish.url "\"file://$T\""
out=$(pvci publish "$F" 2>&1)
read -r up same <<<"$(published_count "$out")"
like "the first publish uploads files" "$up:$same" '^[1-9][0-9]*:0$'
is "every staged file is on the target with its hash" "$(hashes "$T")" "$(hashes "$PVCI_HOME/publish/$F")"
check "the flight page is there" test -s "$T/flight/$F.html"
check "its step log" test -s "$T/logs/$F/test/02.c.log"
check "the signed package" cmp -s "$T/artifacts/$F/build/pvcifix.tar" "$PVCI_HOME/artifacts/$F/build/pvcifix.tar"
check "the index and badge are there" test -s "$T/index.html" -a -s "$T/badge/trunk.svg"
is "the manifest lists every file" "$(jq -r '.files | keys[]' "$T/.pvci-manifest" | LC_ALL=C sort)" \
	"$(cd "$T" && find . -type f ! -name .pvci-manifest -printf '%P\n' | LC_ALL=C sort)"
out2=$(pvci publish "$F" 2>&1)
is "a second publish uploads nothing" "$(published_count "$out2")" "0 $up"
# A changed file on the target's manifest is sent again, the rest not.
jq '.files["index.html"] = "0"' "$T/.pvci-manifest" >"$TEST_DIR/m" && cp "$TEST_DIR/m" "$T/.pvci-manifest"
is "a file whose hash differs is sent again, alone" "$(published_count "$(pvci publish "$F" 2>&1)")" "1 $((up - 1))"
is "the database did not change" "$(db_digest)" "$before"
out=$(pvci publish "$F" --to 'https://u:sekrit@127.0.0.1:1/x' 2>&1)
like "a password in the URL is refused, not shown" "$out" "holds a password"
unlike_secret() { [[ "$out" != *sekrit* ]]; }
check "and the password is never printed" unlike_secret
like "an unknown flight is refused" "$(pvci publish 999 2>&1)" "no flight 999"
set_config publish.url null
like "no target: told where to set one" "$(pvci publish "$F" 2>&1)" "no target: set 'publish.url' or give --to URL"
mkdir "$TEST_DIR/mine" && echo precious >"$TEST_DIR/mine/notes"
like "a --dir holding other files is refused" "$(pvci publish "$F" --to "file://$T" --dir "$TEST_DIR/mine" 2>&1)" \
	"staging folder '.*mine' is not empty and not pvci's"
is "and its files stay" "$(cat "$TEST_DIR/mine/notes")" precious
is "an empty --dir is used" "$(published_count "$(pvci publish "$F" --to "file://$T" --dir "$TEST_DIR/empty" 2>&1)")" "0 $up"
