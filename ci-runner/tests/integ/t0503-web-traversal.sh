#!/bin/bash
# pvci serve never serves a file from outside the logs and artifacts of
# its instance: dot segments, encoded and doubly encoded ones, absolute
# paths, backslashes, NUL bytes and symlinks out of the instance are
# refused with 400 or 404, and no response carries the outside files.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
. "$(dirname "$0")/web-lib.sh"
init_instance
no_retries
write_recipe "$TEST_DIR/r.json" test:b
f=$(real_flight "$TEST_DIR/r.json" 1)
echo "SECRET-OUTSIDE" >"$TEST_DIR/outside.txt"
mkdir -p "$TEST_DIR/outdir" && echo "SECRET-OUTSIDE" >"$TEST_DIR/outdir/x.log"
a="$PVCI_HOME/artifacts/$f/test"
mkdir -p "$a"
ln -s "$TEST_DIR/outside.txt" "$a/out.txt"
ln -s "$TEST_DIR/outdir" "$a/outdir"
ln -s ../../../logs/$f/test/01.b.log "$a/inside.log"
ln -s "$TEST_DIR/outside.txt" "$PVCI_HOME/logs/$f/test/02.evil.log"
start_serve || exit 1

corpus=(
	"logs/../config.json"
	"logs/$f/../../config.json"
	"logs/%2e%2e/%2e%2e/config.json"
	"logs/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd"
	"logs/%252e%252e/%252e%252e/config.json"
	"artifacts/..%2f..%2f..%2fetc%2fpasswd"
	"artifacts/%2fetc%2fpasswd"
	"artifacts/..%5c..%5cconfig.json"
	"artifacts/..\\..\\config.json"
	"/etc/passwd"
	"artifacts//etc/passwd"
	"artifacts/$f/test/out.txt"
	"artifacts/$f/test/outdir/x.log"
	"logs/$f/test/02.evil.log"
	"logs/$f/test/01.b.log%00.png"
	"artifacts/$f/test/%00"
	"artifacts/$f/test/.hidden"
	"artifacts/$f/test/./out.txt"
	"config.json"
	"results.db"
	"keys/ca.key"
)
plan $((${#corpus[@]} + 5))
for p in "${corpus[@]}"; do
	c=$(curl -s --path-as-is -o "$TEST_DIR/body" -w '%{http_code}' "$URL$p")
	if [[ $c =~ ^40[04]$ ]] && ! grep -qE 'SECRET-OUTSIDE|root:|"toolstack"|SQLite' "$TEST_DIR/body"; then
		ok "refused with $c: $p"
	else
		not_ok "refused: $p"
		echo "#   got $c: $(head -c 200 "$TEST_DIR/body")"
	fi
done
# Raw requests curl would not send: a NUL byte in the path, an absolute URL.
port=${URL##*:}; port=${port%/}
raw() {
	exec 3<>"/dev/tcp/127.0.0.1/$port"
	printf "$1" >&3
	timeout 5 cat <&3
	exec 3<&-
}
out=$(raw "GET /logs/$f/test/01.b.log\\0/../../../../etc/passwd HTTP/1.0\\r\\n\\r\\n" | tr -d '\0')
# libmicrohttpd 0.9.75 hands over the path up to a raw NUL (an encoded %00
# is refused above): at most the file named before the NUL, never past it.
like "a raw NUL in the path: nothing from outside" "$(head -1 <<<"$out"):$(grep -c 'root:' <<<"$out")" '^HTTP/1\.[01] (400|404|200) .*:0$'
out=$(raw "GET http://127.0.0.1/etc/passwd HTTP/1.0\\r\\n\\r\\n")
like "an absolute URL: refused, nothing from outside" "$(head -1 <<<"$out"):$(grep -c 'root:' <<<"$out")" '^HTTP/1\.[01] 40[04] .*:0$'
is "a symlink that stays inside the instance is served" "$(code "artifacts/$f/test/inside.log")" 200
is "the log itself is served" "$(code "logs/$f/test/01.b.log")" 200
is "the server still answers" "$(code index.html)" 200
