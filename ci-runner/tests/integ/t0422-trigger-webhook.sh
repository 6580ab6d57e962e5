#!/bin/bash
# Webhooks: a signed GitHub push event and a GitLab one each yield a flight
# at once; a forged one, an unsigned one, one with a wrong token and an
# oversized one yield none; unknown repositories and other refs are told.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
. "$(dirname "$0")/trigger-lib.sh"
plan 17
init_instance
write_recipe "$TEST_DIR/push.json" build:a
c1=$(commit one)
watch_config "$TEST_DIR/push.json"
secrets

body=$(github_push refs/heads/master "$c1")
out=$(hook "$body" "X-GitHub-Event: push" "X-Hub-Signature-256: $(sign "$body")"); rc=$?
is "a signed GitHub push: 202 and the flight" "$rc $(echo "$out" | head -1) $(echo "$out" | tail -1 | jq -r '.decision, .flight, .url' | xargs)" \
	"0 202 created 1 /flight/1"
is "a real push flight at the pushed commit, asked by the pusher" \
	"$(sql "SELECT blessing, triggered_by, requester FROM flights LEFT JOIN flight_origin USING (flight) WHERE flight = 1") $(revs 1)" \
	"real|push|github:ann $c1"

c2=$(commit two)
body=$(gitlab_push refs/heads/master "$c2" "${SRC}.git/")
pvci flight run 1 >/dev/null 2>&1
out=$(hook "$body" "X-Gitlab-Event: Push Hook" "X-Gitlab-Token: $GITLAB_TOKEN")
is "a GitLab push (its URL with .git/): 202 and a flight" "$(echo "$out" | head -1) $(echo "$out" | tail -1 | jq -r .flight)" "202 2"
is "asked by the GitLab user, at the pushed commit" \
	"$(sql "SELECT requester FROM flights LEFT JOIN flight_origin USING (flight) WHERE flight = 2") $(revs 2)" "gitlab:bob $c2"

c3=$(commit three)
body=$(github_push refs/heads/master "$c3")
before=$(nflights)
out=$(hook "$body" "X-GitHub-Event: push" "X-Hub-Signature-256: sha256=$(printf '%064d' 0)"); rc=$?
is "a forged signature: 403, exit 1" "$(echo "$out" | head -1) $rc" "403 1"
out=$(hook "$body" "X-GitHub-Event: push" "X-Hub-Signature-256: $(sign "${body} ")")
is "a signature of another body: 403" "$(echo "$out" | head -1)" "403"
out=$(hook "$body" "X-GitHub-Event: push")
is "unsigned: 401" "$(echo "$out" | head -1)" "401"
out=$(hook "$(gitlab_push refs/heads/master "$c3")" "X-Gitlab-Event: Push Hook" "X-Gitlab-Token: wrong-token")
is "a wrong GitLab token: 403" "$(echo "$out" | head -1)" "403"
{ printf '%s' "${body%\}}"; printf ',"pad":"'; head -c 1100000 /dev/zero | tr '\0' x; printf '"}'; } \
	>"$TEST_DIR/big.json"
bigsig=$(openssl dgst -sha256 -hmac "$GITHUB_SECRET" -r <"$TEST_DIR/big.json" | awk '{print "sha256=" $1}')
out=$(pvci trigger http POST /api/hooks/push --header "X-GitHub-Event: push" \
	--header "X-Hub-Signature-256: $bigsig" <"$TEST_DIR/big.json" 2>/dev/null)
is "oversized (over 1 MiB): 413" "$(echo "$out" | head -1)" "413"
is "none of them made or changed a flight" "$(nflights) $(revs 2)" "$before $c2"
like "a refusal is logged, the secret is not" "$(cat "$TEST_DIR/hook.err")" "webhook refused \(403\)"
is "the secret and the token appear in no log" \
	"$(grep -c -e "$GITHUB_SECRET" -e "$GITLAB_TOKEN" "$TEST_DIR/hook.err")" 0

out=$(hook "$(github_push refs/heads/master "$c3" https://github.com/other/repo.git)" \
	"X-GitHub-Event: push" "X-Hub-Signature-256: $(sign "$(github_push refs/heads/master "$c3" https://github.com/other/repo.git)")")
is "an unknown repository: 404" "$(echo "$out" | head -1)" "404"
b=$(github_push refs/tags/v1 "$c3")
out=$(hook "$b" "X-GitHub-Event: push" "X-Hub-Signature-256: $(sign "$b")")
is "a tag: 200, ignored" "$(echo "$out" | head -1) $(echo "$out" | tail -1 | jq -r .decision)" "200 ignored"
b='{"ref": "refs/heads/master", "after": 12}'
out=$(hook "$b" "X-GitHub-Event: push" "X-Hub-Signature-256: $(sign "$b")")
is "malformed: 400 naming the field" "$(echo "$out" | head -1) $(echo "$out" | tail -1 | jq -r .error)" \
	"400 field 'after' is missing or not a full commit id"
b=$(github_push refs/heads/master "$c1")
out=$(hook "$b" "X-GitHub-Event: push" "X-Hub-Signature-256: $(sign "$b")")
is "a head already tested: 200, skipped, the flight that tested it" \
	"$(echo "$out" | head -1) $(echo "$out" | tail -1 | jq -r '.decision, .flight' | xargs)" "200 skipped 1"
b='{"zen": "Keep it logically awesome.", "hook_id": 1}'
out=$(hook "$b" "X-GitHub-Event: ping" "X-Hub-Signature-256: $(sign "$b")")
is "a ping: 200" "$(echo "$out" | head -1) $(nflights)" "200 $before"
