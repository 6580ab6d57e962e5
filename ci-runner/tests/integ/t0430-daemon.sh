#!/bin/bash
# pvci daemon: a commit on the watched branch yields a flight within the
# poll interval and its jobs run to the end as workers on the pool; a
# signed webhook yields a flight at once, a forged one none; a one-off
# flight by token records its requester; pvci status shows the daemon, the
# queue, the running jobs and the hosts; SIGHUP with a bad config keeps the
# old one; a second daemon is refused; SIGTERM stops it at once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
. "$(dirname "$0")/trigger-lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
plan 17
init_instance
no_retries
write_recipe "$TEST_DIR/push.json" build:a test:b:build
c1=$(commit one)
watch_config "$TEST_DIR/push.json"
secrets
mkdir -p "$PVCI_HOME/recipes" && cp "$TEST_DIR/push.json" "$PVCI_HOME/recipes/push.json"
jq '.service.poll_interval = 5 | .service.tick_ms = 100 | .service.recipes_dir = "recipes"' "$PVCI_HOME/config.json" >"$TEST_DIR/c" &&
	mv "$TEST_DIR/c" "$PVCI_HOME/config.json"

start_daemon || exit 1
check "the first poll makes a flight at the head" wait_for 20 sh -c "[ \"\$(sqlite3 '$PVCI_HOME/results.db' 'SELECT count(*) FROM flights')\" = 1 ]"
check "which runs to the end" wait_for 60 flight_done 1
is "both jobs passed, each run by a worker (its log kept) on the pool's host" \
	"$(sql "SELECT group_concat(job || ':' || status || ':' || host, ' ') FROM (SELECT * FROM jobs WHERE flight = 1 ORDER BY ordinal)") $(ls "$PVCI_HOME/logs/1/test/worker.log" | wc -l)" \
	"build:pass:local test:pass:local 1"
c2=$(commit two)
check "a commit yields a flight within the poll interval" wait_for 30 sh -c "[ \"\$(sqlite3 '$PVCI_HOME/results.db' 'SELECT count(*) FROM flights')\" = 2 ]"
is "at the new head" "$(revs 2)" "$c2"
check "and it runs to the end" wait_for 60 flight_done 2

# Webhooks, at once (not waiting for a poll).
c3=$(commit three)
body=$(github_push refs/heads/master "$c3")
sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$GITHUB_SECRET" | sed 's/^.* //')
st=$(curl -s -o "$TEST_DIR/hook.json" -w '%{http_code}' -X POST -H 'X-GitHub-Event: push' \
	-H "X-Hub-Signature-256: sha256=$sig" -H 'Content-Type: application/json' \
	--data-binary "$body" "${URL}api/hooks/push")
is "a signed GitHub push: 202 with the flight" "$st $(jq -r .flight "$TEST_DIR/hook.json")" "202 3"
n=$(nflights)
st=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'X-GitHub-Event: push' \
	-H "X-Hub-Signature-256: sha256=$(printf '%064d' 0)" --data-binary "$body" "${URL}api/hooks/push")
is "a forged one: 403, no flight" "$st $(nflights)" "403 $n"
st=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'X-GitHub-Event: push' \
	--data-binary @<(head -c 2000000 /dev/zero) "${URL}api/hooks/push")
is "an oversized one: 413, no flight" "$st $(nflights)" "413 $n"

# A one-off flight by token.
st=$(curl -s -o "$TEST_DIR/api.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $ALICE_TOKEN" \
	--data-binary '{"recipe": "push"}' "${URL}api/flights")
f=$(jq -r .flight "$TEST_DIR/api.json")
like "a one-off flight by token: 201 and its number" "$st $f" "^201 [0-9]+$"
is "adhoc, requested by the token's name" \
	"$(sql "SELECT blessing || ' ' || requester FROM flights JOIN flight_origin USING (flight) WHERE flight = $f")" "adhoc alice"
st=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer nope-nope-nope-nope" \
	--data-binary '{"recipe": "push"}' "${URL}api/flights")
is "a bad token: 401" "$st" 401
check "the one-off flight runs to the end" wait_for 60 flight_done "$f"

out=$(pvci status)
like "pvci status names the daemon" "$out" "^daemon: running, pid $DAEMON_PID$"
like "and the hosts" "$out" "^  local: enabled, 0 leases"
out=$(pvci daemon --listen 127.0.0.1:0 2>&1); rc=$?
like "a second daemon is refused, naming the first" "$rc:$out" "^3:.*another pvci daemon \(pid $DAEMON_PID\) runs the instance"

cp "$PVCI_HOME/config.json" "$TEST_DIR/good.json"
echo '{ "service": { "poll_interval": "often" } }' >"$PVCI_HOME/config.json"
kill -HUP "$DAEMON_PID"
wait_for 10 grep -q "SIGHUP: the new config.json is refused" "$TEST_DIR/daemon.log"
cp "$TEST_DIR/good.json" "$PVCI_HOME/config.json"
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID"; rc=$?
like "a bad config on SIGHUP is refused and the daemon carries on; SIGTERM stops it (exit 0)" \
	"$rc:$(grep -c 'SIGHUP: the new config.json is refused' "$TEST_DIR/daemon.log")" "^0:1$"
