#!/bin/bash
# The triggers' config: what is wrong is refused naming the setting, before
# anything is made; the secrets file must be 0600 and its values never show.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
. "$(dirname "$0")/trigger-lib.sh"
plan 9
init_instance
write_recipe "$TEST_DIR/push.json" build:a
commit one >/dev/null

# A recipe without the branch's tree.
jq '.trees[0].name = "other"' "$TEST_DIR/push.json" >"$TEST_DIR/notree.json"
watch_config "$TEST_DIR/notree.json"
out=$(pvci trigger check 2>&1); rc=$?
is "a push recipe without the tree: exit 3, naming the setting" "$rc $out" \
	"3 pvci: error: setting 'trees.drivers.branches.master.push': recipe '$TEST_DIR/notree.json' has no tree 'drivers'"
pvci trigger poll 2>/dev/null
is "and poll refuses too, making nothing" "$? $(nflights)" "3 0"

watch_config nosuch
out=$(pvci trigger check 2>&1)
like "an unknown recipe name says where it was looked for" "$out" \
	"recipe 'nosuch': no file '.*/flights/nosuch.json'"

jq '.trees.drivers.url = "relative/repo"' "$PVCI_HOME/config.json" >"$TEST_DIR/c" && cp "$TEST_DIR/c" "$PVCI_HOME/config.json"
out=$(pvci trigger check 2>&1)
like "a relative tree URL is refused naming the key" "$out" \
	"setting 'trees.drivers.url' must be a URL or an absolute path"

watch_config "$TEST_DIR/push.json"
check "a usable config passes the check" pvci trigger check
secrets
chmod 644 "$PVCI_HOME/secrets.json"
out=$(pvci trigger check 2>&1); rc=$?
like "a secrets file others may read is refused" "$rc $out" "^3 .*secrets file '.*secrets.json' \(service.secrets_file\) is refused: .* make it 0600"
b=$(github_push refs/heads/master "$(git -C "$SRC" rev-parse HEAD)")
out=$(printf '%s' "$b" | pvci trigger http POST /api/hooks/push --header "X-Hub-Signature-256: $(sign "$b")" 2>&1)
is "and no webhook is taken with it" "$? $(nflights)" "3 0"
echo '{"github_secret": "hush-hush-this-is-secret", "tokens": {"x": "short"}}' >"$PVCI_HOME/secrets.json"
chmod 600 "$PVCI_HOME/secrets.json"
out=$(pvci trigger check 2>&1)
like "a bad secrets file names the key" "$out" "'tokens.x' must be a string of at least 16 characters"
is "and shows no secret" "$(echo "$out" | grep -c -e hush -e short)" 0
