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
