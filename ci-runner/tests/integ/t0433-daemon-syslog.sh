#!/bin/bash
# pvci daemon --syslog: its log lines also reach syslog (facility daemon),
# checked against a receiver on /dev/log in a private mount namespace (a
# tmpfs over /dev holding only null, zero, urandom and the receiver's
# socket), so the machine's /dev is untouched.
. "$(dirname "$0")/lib.sh"
plan 3
init_instance
cat >"$TEST_DIR/ns.sh" <<'SH'
#!/bin/bash
set -e
t=$1
mkdir -p "$t/olddev"
mount --rbind /dev "$t/olddev"
mount -t tmpfs none /dev
for d in null zero urandom random; do
	touch "/dev/$d"
	mount --bind "$t/olddev/$d" "/dev/$d"
done
/usr/bin/python3 "$PVCI_SRCDIR/ci-runner/tests/integ/syslog-sink.py" /dev/log "$t/syslog" &
sink=$!
for i in $(seq 100); do grep -q ready "$t/syslog" 2>/dev/null && break; sleep 0.05; done
"$PVCI_BIN" daemon --syslog --listen 127.0.0.1:0 >"$t/daemon.out" 2>"$t/daemon.log" &
d=$!
for i in $(seq 200); do grep -q 'first round done' "$t/daemon.log" && break; sleep 0.05; done
kill -TERM $d; wait $d; echo "rc $?" >"$t/rc"
kill $sink
SH
chmod +x "$TEST_DIR/ns.sh"
unshare -m --propagation private "$TEST_DIR/ns.sh" "$TEST_DIR"
is "the daemon ran and stopped" "$(cat "$TEST_DIR/rc")" "rc 0"
like "its start reached syslog, facility daemon, with its pid" "$(cat "$TEST_DIR/syslog")" \
	"^<30>.*pvci\[[0-9]+\]: daemon: started"
like "and its stop" "$(cat "$TEST_DIR/syslog")" "pvci\[[0-9]+\]: daemon: stopped"
