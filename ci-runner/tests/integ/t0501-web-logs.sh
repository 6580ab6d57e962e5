#!/bin/bash
# pvci serve: logs as text/plain at /logs/FLIGHT/JOB/NN.STEP.log with
# range requests (the tail of a large log without the rest), artifacts
# with their type, HEAD without a body.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
. "$(dirname "$0")/web-lib.sh"
plan 16
init_instance
no_retries
write_recipe "$TEST_DIR/r.json" test:b
f=$(real_flight "$TEST_DIR/r.json" 1)
log="logs/$f/test/01.b.log"
# A large log: 8 MiB then a last line.
head -c 8388608 /dev/zero | tr '\0' x >>"$PVCI_HOME/$log"
echo "LAST LINE" >>"$PVCI_HOME/$log"
size=$(stat -c %s "$PVCI_HOME/$log")
mkdir -p "$PVCI_HOME/artifacts/$f/test/signed"
echo '{"a": 1}' >"$PVCI_HOME/artifacts/$f/test/build-info.json"
head -c 10240 /dev/urandom >"$PVCI_HOME/artifacts/$f/test/signed/pkg.tar"
sha=$(sha256sum <"$PVCI_HOME/artifacts/$f/test/signed/pkg.tar" | cut -d' ' -f1)
sqlite3 "$PVCI_HOME/results.db" "INSERT INTO artifacts (flight, job, path, kind, size, sha256, recorded) VALUES
	($f, 'test', 'artifacts/$f/test/signed/pkg.tar', 'package', 10240, '$sha', 0),
	($f, 'test', 'artifacts/$f/test/signed/SHA256SUMS.p7s', 'sums-sig', 100, '$(rev 0)', 0),
	($f, 'test', 'artifacts/$f/test/build-info.json', 'build-info', 9, '$(rev 1)', 0)"
start_serve || exit 1

is "a log is text/plain; charset=utf-8" \
	"$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$URL$log")" "200 text/plain; charset=utf-8"
is "the whole log when no range is asked" "$(get "$log" | wc -c)" "$size"
is "its tail by a suffix range: 206 and 10 bytes" \
	"$(curl -s -w ' %{http_code}' -H 'Range: bytes=-10' "$URL$log")" "LAST LINE
 206"
is "Content-Range names the part" \
	"$(curl -s -D - -o /dev/null -H 'Range: bytes=0-3' "$URL$log" | tr -d '\r' | grep -i '^content-range:')" \
	"Content-Range: bytes 0-3/$size"
is "an open range from an offset" "$(curl -s -H "Range: bytes=$((size - 5))-" "$URL$log")" "LINE"
is "a range past the end is 416" "$(code "$log" -H "Range: bytes=$((size + 10))-")" 416
is "HEAD: the headers, no body" "$(curl -s -I -o /dev/null -w '%{http_code} %{size_download}' "$URL$log")" "200 0"
like "HEAD tells the length" "$(curl -s -I "$URL$log" | tr -d '\r')" "Content-Length: $size"
is "a JSON artifact is application/json" \
	"$(curl -s -o /dev/null -w '%{content_type}' "${URL}artifacts/$f/test/build-info.json")" "application/json"
is "a tar artifact is application/x-tar" \
	"$(curl -s -o /dev/null -w '%{content_type}' "${URL}artifacts/$f/test/signed/pkg.tar")" "application/x-tar"
is "and comes whole" "$(get "artifacts/$f/test/signed/pkg.tar" | sha256sum)" \
	"$(sha256sum <"$PVCI_HOME/artifacts/$f/test/signed/pkg.tar")"
is "an absent log is 404" "$(code "logs/$f/test/09.nothing.log")" 404
is "a log name not of the NN.STEP.log shape is 404" "$(code "logs/$f/test/config.json")" 404
is "the flight page links the log that is served" \
	"$(get "flight/$f.html" | grep -o "href=\"\.\./$log\"" | head -1)" "href=\"../$log\""
job=$(get "flight/$f/test.html")
like "the job page lists an artifact with its link, size, SHA-256 and signature status" "$job" \
	"href=\"\.\./\.\./artifacts/$f/test/signed/pkg\.tar\">artifacts/$f/test/signed/pkg\.tar</a></td><td>package</td><td>10240</td><td class=\"mono\">$sha</td><td>signed \(SHA256SUMS\.p7s\)"
like "an artifact the signed sums do not cover is unsigned" "$job" "build-info\.json</a></td><td>build-info</td><td>9</td>.*<td>unsigned</td>"
