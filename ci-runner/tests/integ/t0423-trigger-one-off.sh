#!/bin/bash
# One-off flights: POST /api/flights with a bearer token records the token's
# name as requester and makes an adhoc flight; a missing or bad token is
# refused (401) and makes nothing; malformed requests are told the field;
# "flight create" records the Unix user. Adhoc flights move no push gate
# and are never a baseline.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
. "$(dirname "$0")/gate-lib.sh"
plan 17
init_instance
gate_recipe "$TEST_DIR/gate.json" "" build:a
# The API takes recipe names: gate.json in service.recipes_dir.
jq --arg u "$SRC" --arg d "$TEST_DIR" \
	'.trees = {drivers: {url: $u}} | .service.recipes_dir = $d | .service.url = "https://ci.example.org/"' \
	"$PVCI_HOME/config.json" >"$TEST_DIR/c.tmp" && mv "$TEST_DIR/c.tmp" "$PVCI_HOME/config.json"
ALICE_TOKEN="alice-token-0123456789abcdef"
jq -n --arg a "$ALICE_TOKEN" '{tokens: {alice: $a, bob: "bob-token-0123456789abcdef"}}' \
	>"$PVCI_HOME/secrets.json"
chmod 600 "$PVCI_HOME/secrets.json"
jq '.service.secrets_file = "secrets.json"' "$PVCI_HOME/config.json" >"$TEST_DIR/c.tmp" &&
	mv "$TEST_DIR/c.tmp" "$PVCI_HOME/config.json"
sql() { sqlite3 "$PVCI_HOME/results.db" "$1"; }

f1=$(gate_flight "$TEST_DIR/gate.json" "$C1")
is "a real flight at C1 advanced the gate" "$(tested_ref)" "$C1"
events=$(sql "SELECT count(*) FROM gate_events")

api() {
	local body=$1
	shift
	printf '%s' "$body" | pvci trigger http POST /api/flights "$@" 2>>"$TEST_DIR/api.err"
}
req=$(jq -cn --arg c "$C2" '{recipe: "gate", branch: "trunk", trees: {drivers: ("#" + $c)}}')
n=$(sql "SELECT count(*) FROM flights")
out=$(api "$req"); rc=$?
is "without a token: 401, exit 1" "$(echo "$out" | head -1) $rc" "401 1"
out=$(api "$req" --header "Authorization: Bearer not-a-token-of-ours-0123")
is "a bad token: 401 and why" "$(echo "$out" | head -1) $(echo "$out" | tail -1 | jq -r .error)" \
	"401 the bearer token is not one of this service's tokens"
is "neither made a flight" "$(sql "SELECT count(*) FROM flights LEFT JOIN flight_origin USING (flight)")" "$n"
is "the token is in no log" "$(grep -c -e "$ALICE_TOKEN" -e not-a-token "$TEST_DIR/api.err")" 0

out=$(api "$req" --header "Authorization: Bearer $ALICE_TOKEN")
f2=$(echo "$out" | tail -1 | jq -r .flight)
is "alice's token: 201, the flight and its URL" "$(echo "$out" | head -1) $(echo "$out" | tail -1 | jq -r .url)" \
	"201 https://ci.example.org/flight/$f2"
is "an adhoc one-off flight asked by alice, at C2" \
	"$(sql "SELECT blessing, branch, triggered_by, requester FROM flights LEFT JOIN flight_origin USING (flight) WHERE flight = $f2") $(sql "SELECT DISTINCT value FROM runvars WHERE flight = $f2 AND name = 'revision_drivers'")" \
	"adhoc|trunk|one-off|alice $C2"
like "flight show says who asked" "$(pvci flight show "$f2")" "^requested by alice \(one-off\)"

out=$(api '{"recipe": 5}' --header "Authorization: Bearer $ALICE_TOKEN")
is "malformed: 400 naming the field" "$(echo "$out" | head -1) $(echo "$out" | tail -1 | jq -r .error)" \
	"400 field 'recipe' must be a non-empty string"
out=$(api '{"recipe": "gate", "trees": {"drivers": "/etc#master"}}' --header "Authorization: Bearer $ALICE_TOKEN")
is "a local path that is no configured tree: 400" "$(echo "$out" | tail -1 | jq -r .error)" \
	"field 'trees.drivers': '/etc' is neither a network URL nor a configured tree's URL"
out=$(api '{"recipe": "gate", "trees": {"nosuch": "#master"}}' --header "Authorization: Bearer $ALICE_TOKEN")
is "what flight creation refuses: 400 with its message" "$(echo "$out" | tail -1 | jq -r .error)" \
	"the flight was refused: --tree: recipe 'rep' has no tree 'nosuch'"
out=$(api '{"recipe": "../gate"}' --header "Authorization: Bearer $ALICE_TOKEN")
is "a recipe path: 400" "$(echo "$out" | head -1)" "400"

# The adhoc flight fails where the real one passed: neither a baseline nor the gate.
fail a
pvci flight run "$f2" >"$TEST_DIR/run2.out" 2>&1
is "the adhoc flight ran (and failed); the gate did not judge it" \
	"$(grep -c '^gate:' "$TEST_DIR/run2.out")" 0
is "the push gate is unchanged" "$(tested_ref) $(sql "SELECT count(*) FROM gate_events")" "$C1 $events"
# On a branch without a gate, history alone makes the baseline.
write_recipe "$TEST_DIR/plain.json" build:a
side() { pvci flight create "$TEST_DIR/plain.json" --branch side --tree "drivers=#$(rev "$1")" "${@:2}"; }
pass a
s1=$(side 1 --blessing real); pvci flight run "$s1" >/dev/null 2>&1
fail a
s2=$(printf '{"recipe": "plain", "branch": "side", "trees": {"drivers": "#%s"}}' "$(rev 2)" |
	pvci trigger http POST /api/flights --header "Authorization: Bearer $ALICE_TOKEN" 2>/dev/null |
	tail -1 | jq -r .flight)
pvci flight run "$s2" >/dev/null 2>&1
s3=$(side 2 --blessing real); pvci flight run "$s3" >/dev/null 2>&1
is "a real flight failing as the adhoc one did is judged against the last real one" \
	"$(sql "SELECT blessing FROM flights LEFT JOIN flight_origin USING (flight) WHERE flight = $s2") $(finding "$s3" build a)" \
	"adhoc regression REGR. vs. $s1 true"

f4=$(pvci flight create "$TEST_DIR/gate.json" --branch trunk --blessing adhoc --tree "drivers=$SRC#master")
is "flight create --blessing adhoc --tree URL#BRANCH: the Unix user asked, one-off" \
	"$(sql "SELECT blessing, triggered_by, requester FROM flights LEFT JOIN flight_origin USING (flight) WHERE flight = $f4")" \
	"adhoc|one-off|$(id -un)"
is "at the branch's head" "$(sql "SELECT DISTINCT value FROM runvars WHERE flight = $f4 AND name = 'revision_drivers'")" "$C2"
