# Helpers for the t042N trigger tests (sourced after lib.sh and
# report-lib.sh): a local git repository as the tree "drivers" ($SRC,
# branch master), a recipe of run steps on it, and an instance whose config
# watches it.
SRC="$TEST_DIR/src"
git init -q -b master "$SRC"

# commit [MSG]: a new commit on master of $SRC; prints its id.
commit() {
	git -C "$SRC" -c user.name=pvci -c user.email=pvci@example.org \
		commit -q --allow-empty -m "${1:-change}"
	git -C "$SRC" rev-parse HEAD
}

# watch_config PUSHRECIPE [NIGHTLYRECIPE SCHEDULEJSON]: the config watches
# $SRC's master with these recipes.
watch_config() {
	local branch
	branch=$(jq -n --arg p "$1" '{push: $p, flight_branch: "trunk"}')
	if [ -n "${2:-}" ]; then
		branch=$(jq -n --argjson b "$branch" --arg n "$2" --argjson s "$3" \
			'$b + {nightly: $n, schedule: $s}')
	fi
	jq --arg u "$SRC" --argjson b "$branch" \
		'.trees = {drivers: {url: $u, branches: {master: $b}}}' \
		"$PVCI_HOME/config.json" >"$TEST_DIR/config.tmp" &&
	mv "$TEST_DIR/config.tmp" "$PVCI_HOME/config.json"
}

# sql QUERY: one query of the instance's database.
sql() {
	sqlite3 "$PVCI_HOME/results.db" "$1"
}

# revs FLIGHT: the distinct revision_drivers values of the flight's jobs.
revs() {
	sql "SELECT DISTINCT value FROM runvars WHERE flight = $1 AND name = 'revision_drivers'"
}

nflights() {
	sql "SELECT count(*) FROM flights"
}

# secrets: the instance's secrets file (0600) with a GitHub secret, a GitLab
# token and the API token of "alice".
GITHUB_SECRET="it's a secret to everybody"
GITLAB_TOKEN="gitlab-token-0123456789"
ALICE_TOKEN="alice-token-0123456789abcdef"
secrets() {
	jq -n --arg g "$GITHUB_SECRET" --arg l "$GITLAB_TOKEN" --arg a "$ALICE_TOKEN" \
		'{github_secret: $g, gitlab_token: $l, tokens: {alice: $a}}' \
		>"$PVCI_HOME/secrets.json"
	chmod 600 "$PVCI_HOME/secrets.json"
	jq '.service.secrets_file = "secrets.json"' "$PVCI_HOME/config.json" >"$TEST_DIR/config.tmp" &&
	mv "$TEST_DIR/config.tmp" "$PVCI_HOME/config.json"
}

# github_push REF AFTER [CLONEURL]: a GitHub push event body, in the shape
# GitHub documents (fields pvci reads and some it does not).
github_push() {
	jq -cn --arg ref "$1" --arg after "$2" --arg url "${3:-$SRC}" '{
		ref: $ref, before: "0000000000000000000000000000000000000000", after: $after,
		created: false, deleted: false, forced: false, base_ref: null,
		compare: "https://github.com/xenproject/drivers/compare/a...b",
		commits: [{id: $after, message: "change", distinct: true,
			   author: {name: "Ann", email: "ann@example.org", username: "ann"}}],
		head_commit: {id: $after, message: "change"},
		repository: {id: 1, name: "drivers", full_name: "xenproject/drivers",
			     html_url: "https://github.com/xenproject/drivers",
			     url: "https://github.com/xenproject/drivers",
			     git_url: "git://github.com/xenproject/drivers.git",
			     ssh_url: "git@github.com:xenproject/drivers.git",
			     clone_url: $url, default_branch: "master"},
		pusher: {name: "ann", email: "ann@example.org"},
		sender: {login: "ann", id: 2}}'
}

# gitlab_push REF AFTER [HTTPURL]: a GitLab "Push Hook" body.
gitlab_push() {
	jq -cn --arg ref "$1" --arg after "$2" --arg url "${3:-$SRC}" '{
		object_kind: "push", event_name: "push",
		before: "95790bf891e76fee5e1747ab589903a6a1f80f22", after: $after, ref: $ref,
		checkout_sha: $after, user_id: 4, user_name: "Bob B", user_username: "bob",
		user_email: "bob@example.org", project_id: 15,
		project: {id: 15, name: "drivers", web_url: "https://gitlab.example.org/xen/drivers",
			  git_ssh_url: "git@gitlab.example.org:xen/drivers.git",
			  git_http_url: $url, namespace: "xen", path_with_namespace: "xen/drivers",
			  default_branch: "master"},
		repository: {name: "drivers", url: "git@gitlab.example.org:xen/drivers.git",
			     homepage: "https://gitlab.example.org/xen/drivers",
			     git_http_url: $url, git_ssh_url: "git@gitlab.example.org:xen/drivers.git"},
		commits: [], total_commits_count: 1}'
}

# sign BODY: GitHub's X-Hub-Signature-256 value for BODY.
sign() {
	printf '%s' "$1" | openssl dgst -sha256 -hmac "$GITHUB_SECRET" -r | awk '{print "sha256=" $1}'
}

# hook BODY HEADER...: POST /api/hooks/push; prints the status, then the body.
hook() {
	local body=$1
	shift
	local args=() h
	for h in "$@"; do args+=(--header "$h"); done
	printf '%s' "$body" | pvci trigger http POST /api/hooks/push "${args[@]}" 2>>"$TEST_DIR/hook.err"
}
