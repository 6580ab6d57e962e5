#!/bin/bash
# A hostile tree: its build tries to read the signing keys, open the
# database, write outside its output folder, connect to a server on
# 127.0.0.1, write a file over the size limit and fork without bound. Every
# attempt is denied by the bubblewrap sandbox, the job is "fail" with the
# denials in its log, the keys and the database are unchanged, nothing the
# build started is left running, and a good build still passes afterwards.
# Also: an output left as a symlink to a key is refused, not copied; when
# bubblewrap cannot run the build is "broken", never run unconfined.
. "$(dirname "$0")/lib.sh"
plan 31
init_instance
pvci keys init >/dev/null 2>&1 || pvci keys init
# A small process limit keeps the fork bomb short; a small file limit.
jq '.build.sandbox_nproc = 64 | .build.sandbox_fsize_mib = 1' "$PVCI_HOME/config.json" \
	>"$TEST_DIR/c" && mv "$TEST_DIR/c" "$PVCI_HOME/config.json"

# A server on the host's loopback that notes every connection it gets.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 - "$port" "$TEST_DIR/connections" <<'PY' &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
open(sys.argv[2], "w").close()
while True:
    c, a = s.accept()
    with open(sys.argv[2], "a") as f: f.write("CONNECTED\n")
    c.close()
PY
server=$!
at_exit "kill $server"
for _ in $(seq 100); do [ -e "$TEST_DIR/connections" ] && break; sleep 0.1; done

repo="$TEST_DIR/hostile.git"
fixture_repo "$repo"
cat >"$repo/hostile.sh" <<'SH'
#!/bin/sh
# Each attempt prints DENIED or ESCAPED.
H=$1 PORT=$2 OUT=$3
try() { what=$1; shift; if "$@" >/dev/null 2>"$OUT/err"; then echo "ESCAPED: $what"; else echo "DENIED: $what: $(head -c 200 "$OUT/err")"; fi; }
echo "running as $(id -u) on $(hostname)"
try "list keys" ls "$H/keys"
for f in ca.pem ca.key codesign.key token.pin softhsm2.conf softhsm/tokens; do
	try "read keys/$f" cat "$H/keys/$f"
done
try "open the database" head -c 16 "$H/results.db"
try "read the config" cat "$H/config.json"
try "list the logs" ls "$H/logs"
try "list the artifacts" ls "$H/artifacts"
try "write into the instance" sh -c "echo x >'$H/escaped'"
try "write next to the source" sh -c "echo x >'$OUT/../../escaped'"
try "write to /etc" sh -c "echo x >/etc/pvci-escaped"
try "connect to 127.0.0.1:$PORT" python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 3)"
try "write a file over the size limit" sh -c "head -c 3000000 /dev/zero >'$OUT/big'"
for fd in /proc/self/fd/*; do
	case $(readlink "$fd") in *results.db*|*keys*) echo "ESCAPED: inherited $(readlink "$fd")";; esac
done
# A bounded bomb: background sleepers until fork fails (the shell then dies).
sh -c 'n=0; while [ $n -lt 5000 ]; do sleep 60 & n=$((n + 1)); echo $n >"$1/count"; done' - "$OUT" 2>"$OUT/fork.err"
n=$(cat "$OUT/count")
if [ "$n" -lt 5000 ] && grep -qi "fork" "$OUT/fork.err"; then
	echo "DENIED: fork without bound: stopped after $n: $(head -c 200 "$OUT/fork.err")"
else
	echo "ESCAPED: fork without bound: $n processes"
fi
exit 1
SH
git -C "$repo" add hostile.sh
git -C "$repo" -c user.name=pvci -c user.email=pvci@example.org commit -qm hostile

cat >"$TEST_DIR/hostile.json" <<JSON
{ "name": "hostile", "description": "a hostile build",
  "trees": [ { "name": "pvcifix", "url": "$repo", "branch": "master" } ],
  "jobs": [
    { "name": "build-hostile", "trees": ["pvcifix"],
      "runvars": { "driver": "pvcifix", "executor": "local",
                   "build_argv": "[\"sh\", \"{{src}}/hostile.sh\", \"$PVCI_HOME\", \"$port\", \"{{out}}\"]" },
      "steps": [ { "step": "source" }, { "step": "build" } ] } ] }
JSON

keys_sum() { find "$PVCI_HOME/keys" -type f -print0 | sort -z | xargs -0 sha256sum; }
before_keys=$(keys_sum)
before_db=$(sqlite3 "$PVCI_HOME/results.db" "select count(*) from flights")

f=$(pvci flight create "$TEST_DIR/hostile.json")
pvci flight run "$f" >"$TEST_DIR/run.out" 2>&1; rc=$?
is "the hostile flight fails (exit 1)" "$rc" 1
is "the job is fail, not broken" "$(job_status "$f" build-hostile)" fail
log=$(cat "$PVCI_HOME"/logs/"$f"/build-hostile/*build*.log)
check "the build ran as the sandbox's unprivileged uid" grep -q "running as 65534 on pvci-build" <<<"$log"
for what in "list keys" "read keys/codesign.key" "read keys/token.pin" "read keys/ca.key" \
	"open the database" "read the config" "list the logs" "list the artifacts" "write into the instance" \
	"write next to the source" "write to /etc" "connect to 127.0.0.1" \
	"write a file over the size limit" "fork without bound"; do
	like "denied: $what" "$log" "DENIED: $what"
done
is "no attempt escaped" "$(grep -c ESCAPED <<<"$log")" 0
is "the server on 127.0.0.1 got no connection" "$(cat "$TEST_DIR/connections")" ""
is "the keys are unchanged" "$(keys_sum)" "$before_keys"
check "nothing was written in the instance" test ! -e "$PVCI_HOME/escaped" -a ! -e "$PVCI_HOME/work/$f/escaped"
is "the database holds what pvci wrote and passes its check" \
	"$(sqlite3 "$PVCI_HOME/results.db" "pragma integrity_check; select count(*) - $before_db from flights")" \
	"$(printf 'ok\n1')"
is "nothing the build started is left running" "$(pgrep -u 65534 -c sleep)" 0

# An output that is a symlink to a key is refused, not collected.
repo2="$TEST_DIR/link.git"
fixture_repo "$repo2"
cat >"$TEST_DIR/link.json" <<JSON
{ "name": "link", "description": "an output that is a symlink",
  "trees": [ { "name": "pvcifix", "url": "$repo2", "branch": "master" } ],
  "jobs": [
    { "name": "build-link", "trees": ["pvcifix"],
      "runvars": { "driver": "pvcifix", "executor": "local",
                   "build_argv": "[\"sh\", \"-c\", \"make -C {{src}} OUT={{out}} && rm {{out}}/pvcifix.sys && ln -s $PVCI_HOME/keys/ca.pem {{out}}/pvcifix.sys\"]" },
      "steps": [ { "step": "source" }, { "step": "build" } ] } ] }
JSON
f2=$(pvci flight create "$TEST_DIR/link.json")
pvci flight run "$f2" >/dev/null 2>&1
is "a symlinked output fails the build" "$(job_status "$f2" build-link)" fail
like "and is named as a symlink" "$(cat "$PVCI_HOME"/logs/"$f2"/build-link/*build*.log)" \
	"refusing output '.*pvcifix.sys': it is or goes through a symlink"
check "nothing was collected in its place" test ! -e "$PVCI_HOME/artifacts/$f2/build-link/build/pvcifix.sys"

# The machine is fine: a good build passes right after.
cat >"$TEST_DIR/good.json" <<JSON
{ "name": "good", "description": "a good build",
  "trees": [ { "name": "pvcifix", "url": "$repo2", "branch": "master" } ],
  "jobs": [ { "name": "build-good", "trees": ["pvcifix"],
      "runvars": { "driver": "pvcifix", "executor": "local" },
      "steps": [ { "step": "source" }, { "step": "build" } ] } ] }
JSON
f3=$(pvci flight create "$TEST_DIR/good.json")
pvci flight run "$f3" >/dev/null 2>&1
is "a good build passes after the hostile one" "$(job_status "$f3" build-good)" pass
# Builds are reproducible: the sandbox changes nothing in the bytes.
git clone -q "$repo2" "$TEST_DIR/plain"
make -s -C "$TEST_DIR/plain" VERSION="9.1.0.$f3" REVISION="$(git -C "$repo2" rev-parse HEAD)" \
	OUT="$TEST_DIR/plain/out" >/dev/null 2>&1
check "the sandboxed build gives the same bytes as the same make run unconfined" \
	cmp "$PVCI_HOME/artifacts/$f3/build-good/build/pvcifix.sys" "$TEST_DIR/plain/out/pvcifix.sys"

# A recipe that asks for the network (build_network 1) gets it.
cat >"$TEST_DIR/net.json" <<JSON
{ "name": "net", "description": "a build that may use the network",
  "trees": [ { "name": "pvcifix", "url": "$repo2", "branch": "master" } ],
  "jobs": [ { "name": "build-net", "trees": ["pvcifix"],
      "runvars": { "driver": "pvcifix", "executor": "local", "build_network": "1",
                   "build_argv": "[\"python3\", \"-c\", \"import socket; socket.create_connection(('127.0.0.1', $port), 3)\"]" },
      "steps": [ { "step": "source" }, { "step": "build" } ] } ] }
JSON
: >"$TEST_DIR/connections"
f5=$(pvci flight create "$TEST_DIR/net.json")
pvci flight run "$f5" >/dev/null 2>&1
is "with build_network 1 the build reaches 127.0.0.1" "$(cat "$TEST_DIR/connections")" "CONNECTED"

# No bubblewrap: broken, with the reason; the build command never runs.
mkdir "$TEST_DIR/nobwrap"
for t in git make x86_64-w64-mingw32-gcc setpriv prlimit unshare true sh; do
	ln -s "$(command -v $t)" "$TEST_DIR/nobwrap/$t"
done
f4=$(pvci flight create "$TEST_DIR/good.json")
PATH="$TEST_DIR/nobwrap" "$PVCI_BIN" flight run "$f4" >/dev/null 2>&1
is "without bubblewrap the build is broken" "$(job_status "$f4" build-good)" broken
like "saying why" "$(cat "$PVCI_HOME"/logs/"$f4"/build-good/*build*.log)" \
	"sandbox: 'bwrap' not found on this host .*refusing to build 'pvcifix' unconfined"
