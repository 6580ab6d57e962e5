# Helpers for the t051N publish tests (sourced after lib.sh and report-lib.sh).

# publish_setup: an instance with a finished real flight of trunk (a failed
# step, logs) and an artifact (a "signed package" and its signature); sets F.
publish_setup() {
	init_instance
	no_retries
	write_recipe "$TEST_DIR/r.json" build:a test:b,c:build
	fail c
	F=$(real_flight "$TEST_DIR/r.json" 1)
	mkdir -p "$PVCI_HOME/artifacts/$F/build"
	head -c 300000 /dev/urandom >"$PVCI_HOME/artifacts/$F/build/pvcifix.tar"
	echo signature >"$PVCI_HOME/artifacts/$F/build/pvcifix.tar.p7s"
}

# set_config KEY JSONVALUE
set_config() {
	jq ".$1 = $2" "$PVCI_HOME/config.json" >"$PVCI_HOME/config.json.new" &&
		mv "$PVCI_HOME/config.json.new" "$PVCI_HOME/config.json"
}

# published_count LINE: "U K" from "publish: flight N: U uploaded, K unchanged ..."
published_count() {
	sed -n 's/^publish: flight [0-9]*: \([0-9]*\) uploaded, \([0-9]*\) unchanged.*/\1 \2/p' <<<"$1"
}

# hashes DIR: "sha256  path" of every file under DIR, sorted (the manifest left out).
hashes() {
	(cd "$1" && find . -type f ! -name .pvci-manifest ! -name '*.pvci-tmp' -printf '%P\n' |
		LC_ALL=C sort | xargs -r -d '\n' sha256sum)
}

# db_digest: the flight's results, to show a publish changed nothing.
db_digest() {
	sqlite3 "$PVCI_HOME/results.db" .dump | sha256sum
}
