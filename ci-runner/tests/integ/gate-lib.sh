# Helpers for the t033N push gate tests (sourced after lib.sh and
# report-lib.sh): a tree repository with two commits ($C1, $C2), a bare
# repository to push to ($BARE), and recipes whose tree pushes there.
SRC="$TEST_DIR/src"
BARE="$TEST_DIR/tested.git"
git init -q -b master "$SRC"
git -C "$SRC" -c user.name=pvci -c user.email=pvci@example.org commit -q --allow-empty -m one
C1=$(git -C "$SRC" rev-parse HEAD)
git -C "$SRC" -c user.name=pvci -c user.email=pvci@example.org commit -q --allow-empty -m two
C2=$(git -C "$SRC" rev-parse HEAD)
git init -q --bare "$BARE"

# gate_recipe FILE [PUSHURL] JOBSPEC...: write_recipe's recipe, its tree
# "drivers" being $SRC, pushed to PUSHURL (default $BARE).
gate_recipe() {
	local file=$1 push=${2:-$BARE}
	shift 2
	write_recipe "$file.tmp" "$@"
	jq --arg u "$SRC" --arg p "$push" '.trees[0].url = $u | .trees[0].push_url = $p' \
		"$file.tmp" >"$file"
	rm -f "$file.tmp"
}

# gate_flight RECIPE COMMIT [ARGS]: creates (real, branch trunk, unless ARGS
# say otherwise) and runs a flight at COMMIT; prints its number. The run's
# output goes to $TEST_DIR/run.out, its exit status to $TEST_DIR/run.rc.
gate_flight() {
	local recipe=$1 c=$2 f
	shift 2
	f=$(pvci flight create "$recipe" --branch trunk --blessing real \
		--tree "drivers=#$c" "$@") || return 1
	pvci flight run "$f" >"$TEST_DIR/run.out" 2>&1
	echo $? >"$TEST_DIR/run.rc"
	echo "$f"
}

# tested_ref [REF]: what the bare repository's tested ref points at.
tested_ref() {
	git --git-dir="$BARE" rev-parse --verify --quiet "${1:-refs/heads/tested/trunk}"
}

# tested_db: the recorded tested revisions of trunk, "tree revision" a line.
tested_db() {
	sqlite3 "$PVCI_HOME/results.db" \
		"SELECT tree || ' ' || revision FROM tested_revisions WHERE branch = 'trunk'"
}
