#!/bin/bash
# The recipes shipped in flights/ are valid: flight create takes each, even
# when their trees cannot be reached (nightly's live on xenbits), with every
# job passing the check against its steps' declared runvars, and the flight
# shows every job.
. "$(dirname "$0")/lib.sh"
plan 9
init_instance

# Every recipe shipped, with nothing said but the unreachable trees.
for f in "$PVCI_SRCDIR"/flights/*.json; do
	out=$(pvci flight create "$f" 2>&1 >/dev/null); rc=$?
	is "$(basename "$f"): passes the check against the steps" \
		"$rc:$(grep -v "cannot resolve '.*' of '.*' now" <<<"$out")" "0:"
done

out=$(pvci flight create "$PVCI_SRCDIR/flights/nightly.json" 2>"$TEST_DIR/err"); rc=$?
is "nightly: flight create succeeds" "$rc" 0
like "nightly: unreachable trees are named, to be resolved at run time" "$(cat "$TEST_DIR/err")" \
	"tree 'xenbus': cannot resolve 'master' of 'https://.*xenbus.git' now; the source step will resolve it"
jobs=$(pvci flight show "$out" --json | jq -r '[.jobs[].job] | join(" ")')
for d in xenbus xenvif xennet xenvbd xeniface xencons xenhid xenvkbd; do
	case " $jobs " in *" build-x64-$d "*) ;; *) missing="${missing:-} $d" ;; esac
done
is "nightly: a build job for each of the eight drivers" "${missing:-}" ""
like "nightly: and test jobs" "$jobs" "test-x64-ws2022-"
is "nightly: a test job sets what its steps read (image, buildjob), nothing else" \
	"$(pvci job show "$out" test-x64-ws2022-storage --json | jq -r '.runvars | keys | join(" ")')" \
	"buildjob image"

out=$(pvci flight create "$PVCI_SRCDIR/flights/smoke.json"); rc=$?
is "smoke: flight create succeeds" "$rc" 0
is "smoke: the fixture tree's revision is resolved at creation" \
	"$(pvci job show "$out" build-x64-pvcifix --json | jq -r .runvars.revision_pvcifix)" \
	"$(git -C "$PVCI_SRCDIR" rev-parse HEAD)"
