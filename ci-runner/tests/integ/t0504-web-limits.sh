#!/bin/bash
# pvci serve bounds what clients can hold: oversized headers (431) and
# bodies (413, by Content-Length before reading, or as a chunked body
# arrives), clients that connect and send nothing (closed after
# web.timeout), many connections from one address (refused past the
# per-address limit); meanwhile a normal request still answers.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web-lib.sh"
plan 10
init_instance
jq '.web = {"timeout": 2, "connections": 40}' "$PVCI_HOME/config.json" >"$TEST_DIR/c.json" &&
	mv "$TEST_DIR/c.json" "$PVCI_HOME/config.json"
start_serve || exit 1
port=${URL##*:}; port=${port%/}

is "a header over the memory limit: 431" \
	"$(code index.html -H "X-Big: $(head -c 40000 /dev/zero | tr '\0' a)")" 431
# Headers announcing 100 MB, and no body sent: the answer comes at once.
exec {fd}<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n' >&"$fd"
out=$(timeout 30 cat <&"$fd" | tr -d '\r')
exec {fd}<&-
like "a body over the route's limit by Content-Length: 413 before it is sent, named" \
	"$(head -1 <<<"$out"):$(tail -1 <<<"$out")" '^HTTP/1\.1 413 .*:413 Content Too Large: the body is over 0 bytes$'
is "a chunked body over the limit: 413" \
	"$(head -c 5000 /dev/zero | curl -s -o /dev/null -w '%{http_code}' -X GET -H 'Transfer-Encoding: chunked' --data-binary @- "${URL}index.html")" 413
is "a chunked body far over it: the connection is closed, nothing answered" \
	"$(head -c 1000000 /dev/zero | curl -s -o /dev/null -w '%{http_code}' -X GET -H 'Transfer-Encoding: chunked' --data-binary @- "${URL}index.html")" 000

# 16 clients from 127.0.0.1 that connect and send nothing (the per-address limit).
fds=()
for i in $(seq 16); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$port"
	fds+=("$fd")
done
is "meanwhile a client from another address is answered" \
	"$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.2 "${URL}index.html")" 200
is "a 17th connection from the same address gets no answer" "$(code index.html)" 000
# The silent ones are closed by the server after web.timeout (2 s): reading
# them ends (EOF) well before the 30 s bound.
timeout 30 cat <&"${fds[0]}" >/dev/null; rc=$?
is "an idle client is disconnected by the server" "$rc" 0
closed=0
for fd in "${fds[@]}"; do
	timeout 30 cat <&"$fd" >/dev/null && closed=$((closed + 1))
	exec {fd}<&-
done
is "all of them" "$closed" 16
is "then the same address is answered again" "$(code index.html)" 200
# A client that sends half a request line and stops.
exec {fd}<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /index.ht' >&"$fd"
timeout 30 cat <&"$fd" >/dev/null; rc=$?
exec {fd}<&-
is "a client that stops mid-request is disconnected too" "$rc" 0
