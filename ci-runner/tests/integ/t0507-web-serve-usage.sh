#!/bin/bash
# pvci serve's command line: the listen address from web.listen when no
# --listen, errors that name what is wrong (a bad address, a port in use,
# an unknown option), and it serves an instance its user may only read.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/web-lib.sh"
plan 7
init_instance
out=$(pvci serve --listen nonsense 2>&1); rc=$?
like "a bad address is refused, named" "$rc:$out" "^3:.*listen address 'nonsense': not ADDR:PORT"
out=$(pvci serve --listen 127.0.0.1:99999 2>&1); rc=$?
like "a port out of range too" "$rc:$out" "^3:.*listen address '127\.0\.0\.1:99999'"
out=$(pvci serve --bogus 2>&1); rc=$?
like "an unknown option is a usage error" "$rc:$out" "^64:.*unknown option '--bogus'"
jq '.web = {"listen": "127.0.0.1:0"}' "$PVCI_HOME/config.json" >"$TEST_DIR/c.json" &&
	mv "$TEST_DIR/c.json" "$PVCI_HOME/config.json"
"$PVCI_BIN" serve >"$TEST_DIR/s.out" 2>&1 &
pid=$!
at_exit "kill $pid 2>/dev/null"
for i in $(seq 100); do grep -q listening "$TEST_DIR/s.out" && break; sleep 0.1; done
like "without --listen, web.listen is used" "$(cat "$TEST_DIR/s.out")" '^pvci serve: listening on http://127\.0\.0\.1:[0-9]+/$'
URL=$(sed -n 's/^pvci serve: listening on //p' "$TEST_DIR/s.out")
port=${URL##*:}; port=${port%/}
# Bounded: a second server sharing the port would run on.
out=$(timeout 10 "$PVCI_BIN" serve --listen "127.0.0.1:$port" 2>&1); rc=$?
like "a port in use is refused, named" "$rc:$out" "^3:.*listen address '127\.0\.0\.1:$port': cannot listen"
kill "$pid"
like "pvci help lists serve" "$(pvci help)" 'serve'
# A user who may read the instance but not write it can serve it.
# (The checkout must be reachable by that user: not so under a 0700 /root.)
if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null &&
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$PVCI_BIN" --version >/dev/null 2>&1; then
	chmod -R o+rX "$TEST_DIR"
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$PVCI_BIN" serve --listen 127.0.0.1:0 \
		>"$TEST_DIR/n.out" 2>"$TEST_DIR/n.err" &
	npid=$!
	at_exit "kill $npid 2>/dev/null"
	for i in $(seq 100); do grep -q listening "$TEST_DIR/n.out" && break; sleep 0.1; done
	URL=$(sed -n 's/^pvci serve: listening on //p' "$TEST_DIR/n.out")
	is "a read-only user serves the pages" "$(code index.html 2>/dev/null)" 200
	kill "$npid"
else
	ok "# SKIP no user nobody, or it cannot run $PVCI_BIN (a checkout under a 0700 folder)"
fi
