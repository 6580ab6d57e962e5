#!/bin/bash
# The Windows agent (pvci-agent.exe, mingw-w64) under Wine, COM2 mapped to a
# pty, against pvci's own host-side agent code (pvci agent --serial): the
# protocol, run with a limit, files both ways, malformed and oversized
# frames, a restart of the agent mid-request, and the queries Wine can
# answer. Untested here (Wine has no such thing): pnputil, real driver
# services, event-log records, reboot and shut down.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/wine-lib.sh"

why=$(wine_missing)
if [ -n "$why" ]; then
	echo "1..0 # SKIP $why"
	exit 0
fi
plan 28

out=$(file -b "$AGENT_EXE")
like "pvci-agent.exe is a 64-bit Windows console program" "$out" 'PE32\+ executable.*console.*x86-64'

if ! wine_setup; then
	not_ok "a Wine prefix and a pty pair"
	tail -n 20 "$TEST_DIR/wineboot.log" "$TEST_DIR/ptypair.log" | sed 's/^/# /'
	exit 1
fi
ok "a Wine prefix and a pty pair"
wine_agent_start

A=(pvci agent --serial "$SERIAL" --timeout 60)

out=$("${A[@]}" ping 2>&1)
like "ping: the agent says READY with a boot id" "$out" '^ready: boot [0-9a-f]{8}-[0-9a-f-]+$'
boot1=${out#ready: boot }

# run: output, exit status, the agent's pid in the environment.
out=$("${A[@]}" run 'echo hello from %PVCI_AGENT_PID%& exit 3' 2>&1)
rc=$?
is "run: a command's non-zero status is exit 1" "$rc" 1
like "run: its output comes back" "$out" '^hello from [0-9]+'
like "run: its status is reported" "$out" 'pvci agent: run: exit status 3'

out=$("${A[@]}" run 'C:\pvci-agent.exe --emit 70000' 2>"$TEST_DIR/err")
is "run: output is cut at 64 KiB" "${#out}" 65536
like "run: the cut is said" "$(cat "$TEST_DIR/err")" 'output of request [0-9]+ cut at 65536 bytes'

# run with a limit: the guest kills the command (its job) at the limit.
start=$SECONDS
out=$("${A[@]}" --limit 3 run 'C:\pvci-agent.exe --sleep 120' 2>&1)
rc=$?
is "run --limit: a command over its limit fails" "$rc" 1
like "run --limit: killed at its limit, said so" "$out" 'killed at its limit of 3 seconds'
if [ $((SECONDS - start)) -lt 60 ]; then ok "run --limit: the answer comes at the limit, not the host's timeout"; else not_ok "run --limit: took $((SECONDS - start)) s"; fi
is "run --limit: no sleeping child left in the guest" "$(wine_pids 'C:\pvci-agent.exe --sleep 120')" ""
out=$("${A[@]}" --limit 30 run 'C:\pvci-agent.exe --sleep 1' 2>&1 | tr -d '\r')
is "run --limit: a command within its limit runs to its end" "$out" "slept 1"

# Files both ways, several requests each (GET 64 KiB, PUT 8 KiB a request).
head -c 150000 /dev/urandom >"$TEST_DIR/blob"
out=$("${A[@]}" put "$TEST_DIR/blob" 'C:\in.bin' 2>&1)
like "put: says what it wrote" "$out" "put '.*blob' \(150000 bytes\) as 'C:.in.bin'"
check "put: the guest file is the same bytes" cmp "$TEST_DIR/blob" "$WINEPREFIX/drive_c/in.bin"
head -c 100000 /dev/urandom >"$WINEPREFIX/drive_c/out.bin"
"${A[@]}" get 'C:\out.bin' "$TEST_DIR/back" >/dev/null 2>&1
check "get: the copy is the same bytes" cmp "$WINEPREFIX/drive_c/out.bin" "$TEST_DIR/back"
out=$("${A[@]}" get 'C:\no-such-file' "$TEST_DIR/none" 2>&1)
like "get: a missing file is named, with the Windows error" "$out" "cannot open 'C:.no-such-file' \(error 2\)"

# Frames pvci never sends, written raw: refused by id, the agent lives on.
say() { python3 "$PVCI_SRCDIR/ci-runner/tests/integ/serial-say.py" "$SERIAL" 20 "$1"; }
out=$(printf 'PVCI-REQ 77 RUN !!notbase64\n' | say '^PVCI-ERR 77 ' 2>&1)
is "a bad payload is refused as bad-frame" "$out" "PVCI-ERR 77 bad-frame"
out=$(printf 'PVCI-REQ 78 FROB -\n' | say '^PVCI-ERR 78 ' 2>&1)
is "an unknown operation is refused as unknown-op" "$out" "PVCI-ERR 78 unknown-op"
out=$( { printf 'PVCI-REQ 79 RUN '; head -c 20000 /dev/zero | tr '\0' A; printf '\n'; } | say '^PVCI-ERR 79 ' 2>&1)
is "a request over 16 KiB is refused as too-long" "$out" "PVCI-ERR 79 too-long"
out=$(printf 'line noise \001\002\nPVCI-REQ 0 PING -\nPVCI-REQ 80 PING -\n' | say '^PVCI-READY ' 2>&1)
like "noise and an id-less request are ignored, the next request answered" "$out" "^PVCI-READY $boot1 "

# A restart of the agent mid-request: the host gives up on the request at
# its timeout; the new agent answers, with the same boot id (not a reboot).
pvci agent --serial "$SERIAL" --timeout 15 run 'C:\pvci-agent.exe --sleep 300' \
	>"$TEST_DIR/mid.out" 2>&1 &
mid=$!
for i in $(seq 150); do
	[ -n "$(wine_pids 'C:\pvci-agent.exe --sleep 300')" ] && break
	sleep 0.1
done
wine_agent_stop
wine_agent_start
wait "$mid"
is "restart mid-request: the request fails (infrastructure)" "$?" 2
like "restart mid-request: the host says the request got no answer" "$(cat "$TEST_DIR/mid.out")" \
	'did not answer request [0-9]+ within 15 seconds'
out=$("${A[@]}" ping 2>&1)
is "restart mid-request: the new agent is READY with the same boot id" "$out" "ready: boot $boot1"
out=$("${A[@]}" run 'echo after' 2>&1 | tr -d '\r')
is "restart mid-request: the next request is answered" "$out" "after"

# Queries: what Wine has.
out=$("${A[@]}" services 2>&1)
like "services: Wine's driver services and their state (EnumServicesStatusEx)" "$out" '^MountMgr (stopped|running)'
mkdir -p "$WINEPREFIX/drive_c/windows/Minidump"
printf 'MDMP' >"$WINEPREFIX/drive_c/windows/Minidump/112526-01.dmp"
out=$("${A[@]}" dumps 2>&1)
like "dumps: a minidump is listed with its size" "$out" '^C:.windows.Minidump.112526-01.dmp 4 [0-9]+'
echo "ok $((test_count + 1)) # skip untested here: drivers (Wine has no pnputil), events (Wine's event log is empty), reboot, shutdown"
test_count=$((test_count + 1))
