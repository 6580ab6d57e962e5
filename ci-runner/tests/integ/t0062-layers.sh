#!/bin/bash
# Each folder of ci-runner/src compiles with the include paths of its own
# layer and the layers below it only (Makefile, USES_*): an include that
# climbs the layers does not compile. Shown on copies of real files.
. "$(dirname "$0")/lib.sh"
plan 6
src="$PVCI_SRCDIR/ci-runner/src"
flags() { make -s -C "$PVCI_SRCDIR" layer-cflags LAYER="$1"; }

# try LAYER FILE EXTRA-INCLUDE: compiles a copy of FILE (its folder is on
# the layer's paths), with EXTRA-INCLUDE added on top (none when empty).
try() {
	local layer=$1 file=$2 extra=$3 copy
	copy="$TEST_DIR/$(basename "$file")"
	{ [ -n "$extra" ] && echo "#include \"$extra\""; cat "$src/$layer/$file"; } >"$copy"
	# shellcheck disable=SC2046
	cc $(flags "$layer") -c "$copy" -o "$TEST_DIR/out.o" >"$TEST_DIR/cc.out" 2>&1
	local rc=$?
	rm -f "$copy"
	return $rc
}

check "a step file compiles with the steps layer's paths" try steps step-run.c ""
try steps step-run.c db.h; rc=$?
is "the same step file including db.h does not compile" "$rc" 1
like "for want of the header" "$(cat "$TEST_DIR/cc.out")" "db.h: No such file or directory"
try steps step-run.c config.h
like "nor does one including config.h" "$(cat "$TEST_DIR/cc.out")" "config.h: No such file or directory"
try core sched.c flight-run.h
like "core cannot reach the runner" "$(cat "$TEST_DIR/cc.out")" "flight-run.h: No such file or directory"
try lib util.c db.h
like "lib cannot reach core" "$(cat "$TEST_DIR/cc.out")" "db.h: No such file or directory"
