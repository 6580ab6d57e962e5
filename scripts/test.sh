#!/bin/bash
# The whole test suite, as CI runs it on a fresh Debian 12 machine:
# installs what is missing, builds, starts libvirt's daemons when they are
# not running (and stops again only those it started), builds the Linux
# test guest image once into a shared folder, then runs every unit and
# integration test through prove.
#
# usage: scripts/test.sh [prove arguments]   (e.g. -v, or a single test)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
make -s all units

state=$(mktemp /run/pvci-libvirt.XXXXXX)
scripts/libvirt-up.sh "$state"
trap 'scripts/libvirt-down.sh "$state"; rm -f "$state"' EXIT

# CI runs the guest tests: a libvirt that does not answer fails them
# instead of skipping them (guest-lib.sh).
export PVCI_REQUIRE_GUEST=1

# One golden image for every test; the build is quick when it is up to date.
export PVCI_TEST_IMAGES=${PVCI_TEST_IMAGES:-/var/tmp/pvci-test-images}
mkdir -p "$PVCI_TEST_IMAGES"
chmod 755 "$PVCI_TEST_IMAGES"
guest-images/testguest/build.sh "$PVCI_TEST_IMAGES/testguest" >/var/tmp/pvci-image-build.log 2>&1 || {
	tail -n 40 /var/tmp/pvci-image-build.log
	echo "test.sh: building the test guest image failed" >&2
	exit 1
}

make -s check PROVE_FLAGS="${*:-}"
