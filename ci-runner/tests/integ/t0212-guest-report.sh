#!/bin/bash
# Verdicts on real guest flights: a real flight of the fixture driver on
# the Linux test guest passes and its report is "all pass" / perfect; the
# next commit's flight, whose storage-stress asks for more than the disk
# gives, is "REGR. vs." the first (mro "regression", exit 1), and flight
# diff shows the step that changed. (Retries are off here: a third boot
# would only show the same; t0313 covers them with run steps.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/guest-lib.sh"
guest_setup
plan 12
guest_image
guest_fixture
jq '.verdicts.retry_regressions = false' "$PVCI_HOME/config.json" >"$TEST_DIR/c" &&
	mv "$TEST_DIR/c" "$PVCI_HOME/config.json"

job=test-x64-linux-rep
guest_recipe "$TEST_DIR/rep.json" rep '[
  {"step": "guest-start"}, {"step": "driver-install"}, {"step": "storage-stress"},
  {"step": "guest-stop"}, {"step": "capture-logs"}, {"step": "cleanup"} ]' \
	'{"storage_runtime": "2", "storage_min_write_mibs": "0.5"}'
c1=$(git -C "$FIXTURE_REPO" rev-parse HEAD)
f1=$(pvci flight create "$TEST_DIR/rep.json" --blessing real --branch trunk --tree "pvcifix=#$c1")
pvci flight run "$f1" >"$TEST_DIR/run1.out" 2>&1; rc=$?
is "the first real guest flight passes" "$rc" 0
[ "$rc" = 0 ] || sed 's/^/# /' "$TEST_DIR/run1.out" | tail -n 40
out=$(pvci report "$f1"); rc=$?
is "its report: exit 0, all pass" "$rc:$(printf '%s\n' "$out" | sed -n 1p):$(printf '%s\n' "$out" | grep '^Verdict')" \
	"0:flight $f1 trunk real:Verdict: all pass"
is "mro: the flight, its revision, perfect" "$(pvci report "$f1" --format mro | tr '\n' '|')" \
	"flight $f1|version this pvcifix $c1|perfect|"

git -C "$FIXTURE_REPO" -c user.name=pvci -c user.email=pvci@example.org commit -q --allow-empty -m two
c2=$(git -C "$FIXTURE_REPO" rev-parse HEAD)
f2=$(pvci flight create "$TEST_DIR/rep.json" --blessing real --branch trunk --tree "pvcifix=#$c2" \
	--runvar "$job:storage_min_write_mibs=1000000000")
pvci flight run "$f2" >"$TEST_DIR/run2.out" 2>&1; rc=$?
is "the second fails" "$rc" 1
is "at storage-stress" "$(step_status "$f2" "$job" storage-stress)" fail
out=$(pvci report "$f2"); rc=$?
is "report exits 1: something blocks" "$rc" 1
like "storage-stress: REGR. vs. the first flight" "$out" \
	"^ $job +[0-9]+ storage-stress +fail +REGR\. vs\. $f1$"
like "the verdict" "$out" "Verdict: regressions - FAIL"
is "mro: the regression, no tolerable or perfect" \
	"$(pvci report "$f2" --format mro | grep -v '^version' | tr '\n' '|')" \
	"flight $f2|regression $job storage-stress $f1|"
like "flight diff shows the step that changed" "$(pvci flight diff "$f1" "$f2")" \
	"storage-stress +pass -> fail"
check "no domain and no overlay remain of the first" guest_gone "$f1" "$job"
check "nor of the second" guest_gone "$f2" "$job"
