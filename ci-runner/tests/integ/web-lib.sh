# Helpers for the t05NN web tests (sourced after lib.sh and report-lib.sh).

# start_serve [ARGS]: starts pvci serve on a free loopback port; sets
# SERVE_PID and URL (ending in /). Stopped by pid at exit.
start_serve() {
	local i
	: >"$TEST_DIR/serve.out"
	"$PVCI_BIN" serve --listen 127.0.0.1:0 "$@" >"$TEST_DIR/serve.out" 2>"$TEST_DIR/serve.err" &
	SERVE_PID=$!
	at_exit "kill $SERVE_PID 2>/dev/null"
	URL=
	for i in $(seq 100); do
		URL=$(sed -n 's/^pvci serve: listening on //p' "$TEST_DIR/serve.out")
		[ -n "$URL" ] && return 0
		process_gone "$SERVE_PID" && break
		sleep 0.1
	done
	echo "# pvci serve did not start: $(cat "$TEST_DIR/serve.err")"
	return 1
}

# code PATH [CURL ARGS]: the HTTP status of PATH, sent as it is.
code() {
	local p=$1
	shift
	curl -s --path-as-is -o /dev/null -w '%{http_code}' "$@" "$URL$p"
}

# get PATH [CURL ARGS]: the body.
get() {
	local p=$1
	shift
	curl -s --path-as-is "$@" "$URL$p"
}
