#!/bin/bash
# The wall clock jumps while a step runs (an LD_PRELOAD shim, built here,
# moves CLOCK_REALTIME, gettimeofday() and time() by a day at a set moment
# of CLOCK_MONOTONIC, in pvci and everything it starts): step time limits
# hold, because they are measured on the monotonic clock. A day forward
# does not kill a step that is within its limit; a day back does not let a
# step outlive its limit. The shim is seen to work (the step log's time
# stamps jump), so the test would fail if limits followed the wall clock.
. "$(dirname "$0")/lib.sh"
plan 8
init_instance

cat >"$TEST_DIR/jump.c" <<'C'
/* CLOCK_JUMP seconds added to the wall clock once CLOCK_MONOTONIC passes CLOCK_JUMP_AT. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

static int (*real_clock_gettime)(clockid_t, struct timespec *);

static long
offset(void)
{
	const char *at = getenv("CLOCK_JUMP_AT"), *by = getenv("CLOCK_JUMP");
	struct timespec m;

	if (!at || !by)
		return 0;
	real_clock_gettime(CLOCK_MONOTONIC, &m);
	return m.tv_sec + m.tv_nsec / 1e9 >= strtod(at, NULL) ? strtol(by, NULL, 10) : 0;
}

int
clock_gettime(clockid_t clk, struct timespec *ts)
{
	int rc;

	if (!real_clock_gettime)
		real_clock_gettime = dlsym(RTLD_NEXT, "clock_gettime");
	rc = real_clock_gettime(clk, ts);
	if (rc == 0 && (clk == CLOCK_REALTIME || clk == CLOCK_REALTIME_COARSE))
		ts->tv_sec += offset();
	return rc;
}

int
gettimeofday(struct timeval *tv, void *tz)
{
	struct timespec ts;

	(void)tz;
	clock_gettime(CLOCK_REALTIME, &ts);
	tv->tv_sec = ts.tv_sec;
	tv->tv_usec = ts.tv_nsec / 1000;
	return 0;
}

time_t
time(time_t *t)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (t)
		*t = ts.tv_sec;
	return ts.tv_sec;
}
C
cc -shared -fPIC -o "$TEST_DIR/jump.so" "$TEST_DIR/jump.c" -ldl
mono() { python3 -c 'import time; print(time.monotonic())'; }

# run_jumping FLIGHT SECONDS-FROM-NOW JUMP: runs the flight with the wall
# clock moved by JUMP seconds SECONDS-FROM-NOW; sets rc and took (seconds
# of the run on the monotonic clock).
run_jumping() {
	local at start
	start=$(mono)
	at=$(awk -v m="$start" -v s="$2" 'BEGIN { print m + s }')
	CLOCK_JUMP_AT=$at CLOCK_JUMP=$3 LD_PRELOAD="$TEST_DIR/jump.so" \
		"$PVCI_BIN" flight run "$1" >"$TEST_DIR/run-$1.out" 2>&1
	rc=$?
	took=$(awk -v a="$start" -v b="$(mono)" 'BEGIN { printf "%d", b - a }')
}

cat >"$TEST_DIR/fwd.json" <<'JSON'
{ "name": "fwd", "jobs": [ { "name": "a",
  "runvars": { "cmd_nap": ["sh", "-c", "sleep 3; echo woke"] },
  "steps": [ { "step": "run", "as": "nap", "timeout": 10 } ] } ] }
JSON
f=$(pvci flight create "$TEST_DIR/fwd.json")
tomorrow=$(date -u -d @$(( $(date +%s) + 86400 )) +%Y-%m-%d)
run_jumping "$f" 1 86400
is "a day forward during a step within its limit: it passes" "$rc/$(step_status "$f" a nap)" "0/pass"
like "the jump happened (the step log's last lines are stamped a day later)" \
	"$(tail -n 1 "$PVCI_HOME/logs/$f/a/01.nap.log")" "^$tomorrow "

cat >"$TEST_DIR/back.json" <<'JSON'
{ "name": "back", "jobs": [ { "name": "a",
  "runvars": { "cmd_hang": ["sleep", "600"] },
  "steps": [ { "step": "run", "as": "hang", "timeout": 3 } ] } ] }
JSON
g=$(pvci flight create "$TEST_DIR/back.json")
yesterday=$(date -u -d @$(( $(date +%s) - 86400 )) +%Y-%m-%d)
run_jumping "$g" 1 -86400
is "a day back during a step: it still ends at its limit, failed" "$rc/$(step_status "$g" a hang)" "1/fail"
like "its note names the limit" "$(pvci job show "$g" a --json | jq -r '.steps[0].note')" \
	"exceeded its time limit of 3 s"
check "it ended within its limit on the monotonic clock (run took $took s)" test "$took" -lt 30
like "the jump happened (stamped a day earlier)" \
	"$(tail -n 1 "$PVCI_HOME/logs/$g/a/01.hang.log")" "^$yesterday "

# After the clock settles, the next job passes.
cat >"$TEST_DIR/next.json" <<'JSON'
{ "name": "next", "jobs": [ { "name": "b", "runvars": { "cmd_hello": ["echo", "hello"] },
  "steps": [ { "step": "run", "as": "hello" } ] } ] }
JSON
h=$(pvci flight create "$TEST_DIR/next.json")
pvci flight run "$h" >"$TEST_DIR/run3.out" 2>&1; rc=$?
is "the next job passes" "$rc/$(job_status "$h" b)" "0/pass"
is "no step is left running" \
	"$(sqlite3 "$PVCI_HOME/results.db" "select count(*) from steps where status = 'running'")" 0
