#!/bin/bash
# PVCI_REQUIRE_GUEST=1 (what scripts/test.sh, and so CI, sets) turns the
# guest tests' "libvirt does not answer" skip into a failure. A guest test
# is run against a libvirt URI whose socket does not exist
# (PVCI_TEST_GUEST_URI), so the running libvirtd is not touched and no
# guest boots.
. "$(dirname "$0")/lib.sh"
plan 6

guest_test="$PVCI_SRCDIR/ci-runner/tests/integ/t0202-guest-panic.sh"
uri='qemu+unix:///system?socket=/nonexistent/pvci-libvirt-sock'

PVCI_REQUIRE_GUEST=1 PVCI_TEST_GUEST_URI=$uri bash "$guest_test" >"$TEST_DIR/req.out" 2>&1
rc=$?
isnt_zero() { [ "$1" != 0 ]; }
check "required: the guest test exits non-zero" isnt_zero "$rc"
like "required: it reports a TAP failure, not a skip" "$(cat "$TEST_DIR/req.out")" \
	'^not ok 1 - libvirt required \(PVCI_REQUIRE_GUEST=1\): '
like "required: it names the URI that did not answer (or the missing root)" \
	"$(cat "$TEST_DIR/req.out")" \
	"libvirtd does not answer qemu\+unix:///system\?socket=/nonexistent/pvci-libvirt-sock|needs root"
check "required: no skip is printed" sh -c "! grep -q SKIP '$TEST_DIR/req.out'"

env -u PVCI_REQUIRE_GUEST PVCI_TEST_GUEST_URI=$uri bash "$guest_test" >"$TEST_DIR/skip.out" 2>&1
rc=$?
is "not required: the guest test exits 0" "$rc" 0
like "not required: it skips, saying why" "$(cat "$TEST_DIR/skip.out")" '^1\.\.0 # SKIP '
