# Helpers for tests that mail (sourced after lib.sh): an SMTP server on
# loopback (python3-aiosmtpd, smtp-sink.py) and readers of what it received.
PY=/usr/bin/python3

# start_smtp DIR [USER PASSWORD]: a server writing DIR/msg-N.eml; sets $port.
# With SMTP_TLS_CERT and SMTP_TLS_KEY in the environment it requires STARTTLS.
start_smtp() {
	local dir=$1 i
	shift
	mkdir -p "$dir"
	"$PY" "$PVCI_SRCDIR/ci-runner/tests/integ/smtp-sink.py" "$dir" "$@" \
		>"$dir/server.log" 2>&1 &
	at_exit "kill $! 2>/dev/null"
	for i in $(seq 200); do
		[ -e "$dir/port" ] && break
		kill -0 $! 2>/dev/null || break
		sleep 0.05
	done
	port=$(cat "$dir/port" 2>/dev/null) || { echo "Bail out! smtp server did not start"; cat "$dir/server.log"; exit 1; }
}

# set_config KEY JSON: sets mail.KEY in config.json.
set_config() {
	local cfg="$PVCI_HOME/config.json"
	jq --arg k "$1" --argjson v "$2" '.mail[$k] = $v' "$cfg" >"$cfg.new" && mv "$cfg.new" "$cfg"
}

# header FILE NAME: the values of header NAME (one a line).
header() {
	sed -n '/^\r\?$/q; p' "$1" | tr -d '\r' | sed -n "s/^$2: //p"
}
# body FILE: the lines after the headers.
body() {
	tr -d '\r' <"$1" | sed '1,/^$/d'
}

