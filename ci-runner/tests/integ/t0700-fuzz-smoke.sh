#!/bin/bash
# Every libFuzzer harness, built as "make fuzz" builds it, runs briefly from
# the seed corpus kept in the repository and finds no crash: a parser of
# outside input that regresses (a crash, a leak, a broken invariant the
# harness checks) fails here on every change. Every harness has seeds and
# is run by "make fuzz"; a deliberate crash is seen as one.
. "$(dirname "$0")/lib.sh"

if ! command -v clang >/dev/null 2>&1; then
	echo "1..0 # SKIP clang is not installed (scripts/install-deps.sh installs it)"
	exit 0
fi
src=$PVCI_SRCDIR
names=$(sed -n 's/^FUZZERS *:= *//p' "$src/Makefile")
harnesses=$(cd "$src/ci-runner/tests/fuzz" && ls fuzz-*.c | sed 's/^fuzz-//; s/\.c$//' | sort | tr '\n' ' ')
plan $((4 + 2 * $(wc -w <<<"$names")))

is "make fuzz runs every harness of tests/fuzz" "$(tr ' ' '\n' <<<"$names" | sort | tr '\n' ' ')" "$harnesses"
fz="$TEST_DIR/fuzz"
check "the harnesses build (clang, -fsanitize=fuzzer,address,undefined)" \
	nice make -s -C "$src" fuzz-build FUZZ_DIR="$fz"
for n in $names; do
	seeds="$src/ci-runner/tests/fuzz/corpus/$n"
	check "$n has seeds in the repository" test -n "$(ls -A "$seeds" 2>/dev/null)"
	mkdir -p "$fz/corpus-$n"
	# -runs bounds the work, not the time: the same on a loaded machine.
	if "$fz/fuzz-$n" -runs=20000 -artifact_prefix="$fz/crash-$n-" \
		"$fz/corpus-$n" "$seeds" >"$fz/$n.log" 2>&1 &&
		grep -q "^Done 20000 runs" "$fz/$n.log"; then
		ok "$n: 20000 runs from the seeds, no crash"
	else
		not_ok "$n: 20000 runs from the seeds, no crash"
		grep -E "ERROR|SUMMARY|^    #[0-9] " "$fz/$n.log" | head -n 20 | sed 's/^/# /'
	fi
done
files=$(git -C "$src" status --porcelain -- ci-runner/tests/fuzz/corpus 2>/dev/null)
is "the seeds in the repository are left as they were" "$files" ""

# The smoke run must be able to fail: a harness that crashes on one byte.
cat >"$TEST_DIR/fuzz-crash.c" <<'C'
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 0 && data[0] == 'x')
		abort();
	return 0;
}
C
clang -fsanitize=fuzzer -o "$TEST_DIR/fuzz-crash" "$TEST_DIR/fuzz-crash.c"
mkdir -p "$TEST_DIR/crash-seeds"
printf 'x' >"$TEST_DIR/crash-seeds/x"
"$TEST_DIR/fuzz-crash" -runs=1000 -artifact_prefix="$TEST_DIR/" "$TEST_DIR/crash-seeds" >"$TEST_DIR/crash.log" 2>&1; rc=$?
like "a crashing harness exits non-zero, reporting a deadly signal (exit $rc)" \
	"$rc $(grep -m1 'deadly signal' "$TEST_DIR/crash.log")" "^[1-9][0-9]* .*deadly signal"
