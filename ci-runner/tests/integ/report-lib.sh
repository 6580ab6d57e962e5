# Helpers for the t03NN report tests (sourced after lib.sh): a recipe of
# run steps that pass or fail on demand, and real flights of it.
#
# Step X of the recipe fails with exit status N while the file
# $PVCI_FAIL_DIR/X holds N (fail X N / pass X; fail_once X N: the next run
# of X only); broken_arg JOB X is the
# flight create option that makes it broken (its command cannot start).
export PVCI_FAIL_DIR="$TEST_DIR/fail"
mkdir -p "$PVCI_FAIL_DIR"

# step_cmd X: the runvar value of step X's command. A file holding "N once"
# fails it once (the file goes then).
step_cmd() {
	printf '["sh", "-c", "f=\\"$PVCI_FAIL_DIR/%s\\"; if test -e \\"$f\\"; then read -r s once <\\"$f\\"; test -z \\"$once\\" || rm -f \\"$f\\"; exit $s; fi"]' "$1"
}

# write_recipe FILE JOBSPEC...: JOBSPEC is NAME:STEP,STEP[:NEEDS].
write_recipe() {
	local file=$1 spec name steps needs s first=1 sfirst
	shift
	{
		printf '{ "name": "rep", "description": "report tests",\n'
		printf '  "trees": [ { "name": "drivers", "url": "/nowhere", "branch": "master" } ],\n'
		printf '  "jobs": [\n'
		for spec in "$@"; do
			IFS=: read -r name steps needs <<<"$spec"
			[ $first = 1 ] || printf ',\n'
			first=0
			printf '    { "name": "%s", "runvars": {' "$name"
			sfirst=1
			for s in ${steps//,/ }; do
				[ $sfirst = 1 ] || printf ','
				sfirst=0
				printf ' "cmd_%s": %s' "$s" "$(step_cmd "$s")"
			done
			printf ' },\n      "steps": ['
			sfirst=1
			for s in ${steps//,/ }; do
				[ $sfirst = 1 ] || printf ','
				sfirst=0
				printf ' { "step": "run", "as": "%s" }' "$s"
			done
			printf ' ]'
			[ -n "$needs" ] && printf ', "needs": ["%s"]' "$needs"
			printf ' }'
		done
		printf '\n  ] }\n'
	} >"$file"
}

fail() { echo "${2:-1}" >"$PVCI_FAIL_DIR/$1"; }
fail_once() { echo "${2:-1} once" >"$PVCI_FAIL_DIR/$1"; }
pass() { rm -f "$PVCI_FAIL_DIR/$1"; }
broken_arg() { echo "--runvar=$1:cmd_$2=[\"/nonexistent/$2\"]"; }

# rev N: a full commit id made of the digit N.
rev() { printf "%040d" 0 | tr 0 "$1"; }

# real_flight RECIPE REVDIGIT [ARGS]: creates (with ARGS) and runs a real
# flight of branch trunk; prints its number.
real_flight() {
	local f recipe=$1 r=$2
	shift 2
	f=$(pvci flight create "$recipe" --branch trunk --blessing real \
		--tree "drivers=#$(rev "$r")" "$@") || return 1
	pvci flight run "$f" >/dev/null 2>&1
	echo "$f"
}

# report_line FLIGHT JOB STEP [ARGS]: the text report's row of that step.
report_line() {
	local f=$1 job=$2 step=$3
	shift 3
	pvci report "$f" "$@" | awk -v j="$job" -v s="$step" '$1 == j && $3 == s { $1 = $1; print }'
}

# finding FLIGHT JOB STEP [ARGS]: "finding text blocks" from the JSON report.
finding() {
	local f=$1 job=$2 step=$3
	shift 3
	pvci report "$f" --format json "$@" | jq -r --arg j "$job" --arg s "$step" \
		'.findings[] | select(.job == $j and .step == $s) | "\(.finding) \(.text) \(.blocks)"'
}

# no_retries: a regression is not run again in a real-retry flight (tests
# whose flight numbers and lists do not expect the retries).
no_retries() {
	jq '.verdicts.retry_regressions = false' "$PVCI_HOME/config.json" >"$PVCI_HOME/config.json.new" &&
		mv "$PVCI_HOME/config.json.new" "$PVCI_HOME/config.json"
}
