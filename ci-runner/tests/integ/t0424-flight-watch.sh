#!/bin/bash
# pvci flight watch follows a flight another process runs: the same
# progress lines (timings aside), the same summary and the same exit status
# as the flight run itself, including what happened before it started.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report-lib.sh"
plan 6
init_instance
# Step "hold" waits (boundedly) until the test lets it go, so the flight is
# still running when the watch starts.
GO="$TEST_DIR/go"
write_recipe "$TEST_DIR/w.json" a:first,hold,second b:third:a
hold='["sh", "-c", "i=0; while [ ! -e \"'"$GO"'\" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done"]'
f=$(pvci flight create "$TEST_DIR/w.json" --runvar "a:cmd_hold=$hold" 2>/dev/null)
fail second

pvci flight run "$f" >"$TEST_DIR/run.out" 2>&1 &
runpid=$!
at_exit "kill $runpid 2>/dev/null"
for i in $(seq 300); do
	[ "$(step_status "$f" a hold)" = running ] && break
	sleep 0.1
done
is "the flight is running in another process" "$(step_status "$f" a hold)" running

pvci flight watch "$f" --timeout 120 >"$TEST_DIR/watch.out" 2>&1 &
watchpid=$!
at_exit "kill $watchpid 2>/dev/null"
for i in $(seq 300); do
	grep -q 'hold: running' "$TEST_DIR/watch.out" && break
	sleep 0.1
done
like "the watch printed what happened before it started" "$(cat "$TEST_DIR/watch.out")" \
	"^\[ *[0-9.]+s\] $f a 01 first: pass"
touch "$GO"
wait $runpid; runrc=$?
wait $watchpid; watchrc=$?
is "the same exit status as the run (1: failed and blocked)" "$watchrc" "$runrc"
is "which is 1" "$runrc" 1
norm() { sed -E 's/^\[ *[0-9.]+s\]/[T]/; s/\([0-9.]+ s\)/(S)/' "$1"; }
is "the same progress lines and summary, timings aside" "$(norm "$TEST_DIR/watch.out")" \
	"$(norm "$TEST_DIR/run.out")"
out=$(pvci flight watch "$f"); rc=$?
is "watching a finished flight prints it all and exits at once with its status" \
	"$rc $(echo "$out" | grep -c "^\[ *[0-9.]*s\] $f b: blocked")" "1 1"
