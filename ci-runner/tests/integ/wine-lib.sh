# The Windows agent under Wine, for the t09NN tests (sourced after lib.sh).
#
# wine_setup makes a private Wine prefix in $TEST_DIR (wineboot takes ~20 s,
# so a test makes one), a null-modem pair of ptys (ptypair.py: $SERIAL for
# pvci, the other end as the prefix's COM2, the agent's default port), and
# copies build/pvci-agent.exe to C:\pvci-agent.exe. wine_agent_start and
# wine_agent_stop run the agent; everything stops at exit.

WINE64=$(command -v wine64 || echo /usr/lib/wine/wine64)
WINESERVER=$(command -v wineserver || echo /usr/lib/wine/wineserver)
AGENT_EXE="$PVCI_SRCDIR/build/pvci-agent.exe"

# The reason a test cannot run here, or nothing.
wine_missing() {
	[ -x "$WINE64" ] || { echo "wine64 is not installed (scripts/install-deps.sh)"; return; }
	[ -f "$AGENT_EXE" ] || { echo "no $AGENT_EXE (make)"; return; }
}

wine_setup() {
	export WINEPREFIX="$TEST_DIR/wine" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
	unset DISPLAY
	at_exit '"$WINESERVER" -k 2>/dev/null'
	"$WINE64" wineboot -i >"$TEST_DIR/wineboot.log" 2>&1 || return 1
	"$WINESERVER" -w
	python3 "$PVCI_SRCDIR/ci-runner/tests/integ/ptypair.py" "$TEST_DIR/serial-host" \
		"$TEST_DIR/serial-guest" 2>"$TEST_DIR/ptypair.log" &
	PTYPAIR_PID=$!
	at_exit 'kill $PTYPAIR_PID'
	local i
	for i in $(seq 100); do
		[ -L "$TEST_DIR/serial-guest" ] && break
		sleep 0.1
	done
	[ -L "$TEST_DIR/serial-guest" ] || return 1
	SERIAL="$TEST_DIR/serial-host"
	ln -sfn "$(readlink "$TEST_DIR/serial-guest")" "$WINEPREFIX/dosdevices/com2"
	cp "$AGENT_EXE" "$WINEPREFIX/drive_c/pvci-agent.exe"
}

wine_agent_start() {
	"$WINE64" 'C:\pvci-agent.exe' >>"$TEST_DIR/agent.log" 2>&1 &
	AGENT_PID=$!
}

wine_agent_stop() {
	kill -9 "$AGENT_PID" 2>/dev/null
	wait "$AGENT_PID" 2>/dev/null || true
}

# pids of Wine processes whose command line is exactly $1 (for checks).
wine_pids() {
	ps -eo pid=,args= | awk -v want="$1" '{ pid = $1; $1 = ""; sub(/^ /, ""); if ($0 == want) print pid }'
}
