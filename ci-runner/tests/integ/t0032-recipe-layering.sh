#!/bin/bash
# core/ is below step/: the recipe code compiles with the include paths of
# core and lib alone, and knows steps only through core/stepdecl.h.
. "$(dirname "$0")/lib.sh"
src="$PVCI_SRCDIR/ci-runner/src"
plan 2
check "core/recipe.c compiles with core and lib include paths only" \
	cc -std=gnu11 -D_GNU_SOURCE $(pkg-config --cflags jansson) \
	-iquote "$src/core" -iquote "$src/lib" -c "$src/core/recipe.c" -o "$TEST_DIR/recipe.o"
is "and includes no header of a higher layer" \
	"$(grep -h '#include "' "$src/core/recipe.c" "$src/core/recipe.h" "$src/core/stepdecl.h" |
	   grep -Ev '"(log|util|recipe|stepdecl|tolerance)\.h"')" ""
