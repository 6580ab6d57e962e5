# Shared by the tests that look for leaked secrets (sourced after lib.sh).
#
# secrets_sampler_start: records, until secrets_sampler_stop, the command
# line and environment of every process on the machine into
# $TEST_DIR/samples (NUL separators made newlines), as fast as it can.
# secret_key KEYFILE NAME: puts a private key's PEM (whole and line by line)
# and DER (whole and in slices past the public modulus) into
# $TEST_DIR/secrets as files to look for; secret_text NAME TEXT adds one.
# secrets_search FILE-OR-DIR...: prints "NAME in FILE" for every secret
# found, skipping the PIN file, the token's own store and the mail
# credentials file, where they belong.

mkdir -p "$TEST_DIR/secrets"

secrets_sampler_start() {
	rm -f "$TEST_DIR/stop"
	python3 - "$TEST_DIR/stop" "$TEST_DIR/samples" <<'PY' &
import os, sys
stop, out = sys.argv[1], open(sys.argv[2], "ab")
while not os.path.exists(stop):
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        for what in ("cmdline", "environ"):
            try:
                with open(f"/proc/{p}/{what}", "rb") as f:
                    out.write(f.read().replace(b"\0", b"\n") + b"\n")
            except OSError:
                pass
out.close()
PY
	secrets_sampler_pid=$!
	at_exit "touch '$TEST_DIR/stop'; kill $secrets_sampler_pid 2>/dev/null"
}

secrets_sampler_stop() {
	touch "$TEST_DIR/stop"
	wait "$secrets_sampler_pid"
}

secret_text() {
	printf '%s' "$2" >"$TEST_DIR/secrets/$1"
}

secret_key() {
	local i=0 line
	cp "$1" "$TEST_DIR/secrets/$2.pem"
	grep -v -- '-----' "$1" | while read -r line; do
		i=$((i + 1))
		printf '%s' "$line" >"$TEST_DIR/secrets/$2.pem-line$i"
	done
	openssl pkey -in "$1" -outform DER -out "$TEST_DIR/secrets/$2.der"
	python3 - "$TEST_DIR/secrets/$2.der" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
# Past the modulus (public: it is in every certificate), into d, p, q, ...
for i, off in enumerate(range(len(d) // 3, len(d) - 48, 96)):
    open(f"{sys.argv[1]}-slice{i}", "wb").write(d[off:off + 48])
PY
}

secrets_search() {
	python3 - "$TEST_DIR/secrets" "$@" <<'PY'
import os, sys
secrets = {n: open(os.path.join(sys.argv[1], n), "rb").read() for n in os.listdir(sys.argv[1])}
skip = ("/keys/token.pin", "/keys/softhsm/", "/mail-credentials")
for top in sys.argv[2:]:
    paths = [top] if os.path.isfile(top) else [os.path.join(d, f) for d, _, fs in os.walk(top) for f in fs]
    for p in paths:
        if any(s in p for s in skip) or os.path.islink(p):
            continue
        try:
            data = open(p, "rb").read()
        except OSError as e:
            print("UNREADABLE", p, e); continue
        for n, s in secrets.items():
            if s and s in data:
                print(n, "in", p)
PY
}
