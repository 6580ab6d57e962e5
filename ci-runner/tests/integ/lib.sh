# Shared helpers for the integration tests (sourced; bash).
#
# Each test makes its own private instance under /var/tmp (QEMU, running as
# libvirt-qemu under qemu:///system, must be able to traverse it), runs pvci
# against it, prints TAP, and removes it on exit.
#
# Environment: PVCI_BIN (the pvci binary), PVCI_SRCDIR (the source tree).

set -u

: "${PVCI_SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}"
: "${PVCI_BIN:=$PVCI_SRCDIR/pvci}"
export PVCI_SRCDIR PVCI_BIN

TEST_DIR=$(mktemp -d -p /var/tmp pvci-test.XXXXXX)
chmod 755 "$TEST_DIR"
export PVCI_HOME="$TEST_DIR/home"
test_count=0
test_failed=0
test_cleanups=()

# Registers a command to run at exit (before the folder goes).
at_exit() {
	test_cleanups+=("$1")
}

test_finish() {
	local c
	for c in "${test_cleanups[@]}"; do
		eval "$c" || true
	done
	if [ "${KEEP_TEST_DIR:-}" ]; then
		echo "# kept $TEST_DIR"
	else
		rm -rf "$TEST_DIR"
	fi
}
trap test_finish EXIT

plan() {
	echo "1..$1"
}

ok() {
	test_count=$((test_count + 1))
	echo "ok $test_count - $1"
}

not_ok() {
	test_count=$((test_count + 1))
	test_failed=$((test_failed + 1))
	echo "not ok $test_count - $1"
}

# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() {
	local desc=$1
	shift
	if "$@" >"$TEST_DIR/check.out" 2>&1; then
		ok "$desc"
	else
		not_ok "$desc"
		sed 's/^/# /' "$TEST_DIR/check.out" | tail -n 40
	fi
}

# is DESCRIPTION GOT WANT
is() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   got:  '$2'"
		echo "#   want: '$3'"
	fi
}

# like DESCRIPTION TEXT PATTERN (grep -E)
like() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then
		ok "$1"
	else
		not_ok "$1"
		printf '%s\n' "$2" | tail -n 20 | sed 's/^/#   got: /'
		echo "#   want match: $3"
	fi
}

pvci() {
	"$PVCI_BIN" "$@"
}

# JSON from pvci is read with jq (a dependency of the test suite).
# Status of a job of a flight.
job_status() {
	pvci job show "$1" "$2" --json | jq -r .status
}

# Status of a step (by its name in the job) of a job.
step_status() {
	pvci job show "$1" "$2" --json | jq -r --arg t "$3" '.steps[] | select(.testid == $t) | .status'
}

init_instance() {
	pvci init >/dev/null
}

# process_gone PID: the process no longer runs (a zombie waiting for a
# parent that does not reap, such as this sandbox's init, counts as gone).
process_gone() {
	local state
	state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 0
	[ -z "$state" ] || [ "$state" = Z ]
}

# fixture_repo DIR [LINE]: a git repository (branch master) holding the
# fixture driver, LINE appended to its C source before the one commit.
fixture_repo() {
	git init -q -b master "$1"
	cp "$PVCI_SRCDIR"/winpv-drivers/fixture/{Makefile,pvcifix.c,pvcifix.inf} "$1/"
	[ -z "${2:-}" ] || echo "$2" >>"$1/pvcifix.c"
	git -C "$1" add .
	git -C "$1" -c user.name=pvci -c user.email=pvci@example.org commit -qm fixture
}
