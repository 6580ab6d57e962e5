#!/bin/bash
# The main job on the local default: an instance (PVCI_HOME, else
# /var/lib/pvci), its test-signing keys, the Linux test guest image, and
# one smoke flight run with live progress. Prints where the results are.
# libvirt's daemons are started when they are not running, and stopped
# again at the end only if this script started them.
set -euo pipefail
cd "$(dirname "$0")/.."

pvci=$PWD/pvci
state=$(mktemp /run/pvci-libvirt.XXXXXX)
scripts/libvirt-up.sh "$state"
trap 'scripts/libvirt-down.sh "$state"; rm -f "$state"' EXIT

"$pvci" init
"$pvci" keys init
echo "demo: building the test guest image (quick when it is up to date)"
"$pvci" image build testguest
flight=$("$pvci" flight create flights/smoke.json --blessing play)
echo "demo: running smoke flight $flight"
set +e
"$pvci" flight run "$flight"
rc=$?
set -e
case $rc in
0) outcome="all jobs passed" ;;
1) outcome="something failed or was blocked" ;;
2) outcome="something broke (infrastructure)" ;;
*) outcome="the flight could not run (exit $rc)" ;;
esac
home=$("$pvci" flight show "$flight" --json >/dev/null && "$pvci" init | sed 's/^pvci instance ready in //')
echo
echo "demo: flight $flight: $outcome"
echo "demo: results:   $pvci --home $home flight show $flight [--json]"
echo "demo: logs:      $home/logs/$flight/"
echo "demo: artifacts: $home/artifacts/$flight/"
exit $rc
