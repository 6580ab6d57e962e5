# Shared by the t02NN guest tests (sourced after lib.sh; bash).
#
# A private instance whose domains are named with a prefix of its own, the
# test guest image (from $PVCI_TEST_IMAGES when .ci/run built it there,
# else built once into /var/tmp/pvci-test-images), the signing keys, and a
# local git repository of the fixture driver for build jobs. At exit any
# domain with the prefix is destroyed, whatever pvci did.
#
# Needs root and libvirtd answering qemu:///system (scripts/libvirt-up.sh);
# without them the test skips, unless PVCI_REQUIRE_GUEST=1 (CI sets it, in
# scripts/test.sh): then a missing libvirt is a failure, so a CI run cannot
# pass by skipping every guest test. PVCI_TEST_GUEST_URI overrides the URI
# (the instance's toolstack.uri follows it).

GUEST_URI=${PVCI_TEST_GUEST_URI:-qemu:///system}
GUEST_PREFIX="pvci-t$$"

virsh_q() { virsh -q -c "$GUEST_URI" "$@"; }

# guest_skip REASON: skips the test, or fails it when guests are required.
guest_skip() {
	if [ "${PVCI_REQUIRE_GUEST:-0}" = 1 ]; then
		echo "1..1"
		echo "not ok 1 - libvirt required (PVCI_REQUIRE_GUEST=1): $1"
		exit 1
	fi
	echo "1..0 # SKIP $1"
	exit 0
}

guest_skip_unless_libvirt() {
	if [ "$(id -u)" != 0 ]; then
		guest_skip "needs root (QEMU under $GUEST_URI)"
	fi
	if ! timeout 60 virsh -q -c "$GUEST_URI" version >/dev/null 2>&1; then
		guest_skip "libvirtd does not answer $GUEST_URI (scripts/libvirt-up.sh)"
	fi
}

# Our domains, one name a line.
guest_domains() {
	virsh_q list --all --name 2>/dev/null | grep "^$GUEST_PREFIX-" || true
}

guest_sweep() {
	local d
	for d in $(guest_domains); do
		virsh_q destroy "$d" >/dev/null 2>&1
		virsh_q undefine "$d" >/dev/null 2>&1
	done
}

# Sets a setting in the instance's config.json: guest_config KEY.PATH JSON-VALUE
guest_config() {
	local cfg="$PVCI_HOME/config.json" path
	path=$(printf '%s' "$1" | jq -R 'split(".")')
	jq --argjson p "$path" --argjson v "$2" 'setpath($p; $v)' "$cfg" >"$cfg.new" &&
		mv "$cfg.new" "$cfg"
}

# The test guest image, registered in the instance.
guest_image() {
	local shared=${PVCI_TEST_IMAGES:-/var/tmp/pvci-test-images} dir
	for dir in "$shared" "$shared/testguest"; do
		if [ -f "$dir/disk.qcow2" ] && [ -f "$dir/vmlinuz" ]; then
			pvci image build testguest --from "$dir" >/dev/null
			return
		fi
	done
	mkdir -p "$shared"
	chmod 755 "$shared"
	pvci image build testguest --dir "$shared/testguest" >/dev/null
}

guest_setup() {
	guest_skip_unless_libvirt
	init_instance
	guest_config guest.name_prefix "\"$GUEST_PREFIX\""
	guest_config toolstack.uri "$(jq -n --arg u "$GUEST_URI" '$u')"
	at_exit guest_sweep
}

# The fixture driver as a git repository; sets FIXTURE_REPO.
guest_fixture() {
	FIXTURE_REPO="$TEST_DIR/fixture.git"
	git init -q -b master "$FIXTURE_REPO"
	cp "$PVCI_SRCDIR"/winpv-drivers/fixture/{Makefile,pvcifix.c,pvcifix.inf} "$FIXTURE_REPO/"
	git -C "$FIXTURE_REPO" add .
	git -C "$FIXTURE_REPO" -c user.name=pvci -c user.email=pvci@example.org \
		commit -qm "fixture"
	pvci keys init >/dev/null
}

# guest_recipe FILE NAME STEPS-JSON [RUNVARS-JSON]: a recipe with the fixture
# build job and one test job "test-x64-linux-NAME" that needs it (runvar
# buildjob only when a step installs the driver: flight create refuses
# runvars that no step of the job reads).
guest_recipe() {
	local file=$1 name=$2 steps=$3 runvars=${4:-"{}"}
	jq -n --arg repo "$FIXTURE_REPO" --arg name "$name" --argjson steps "$steps" \
		--argjson rv "$runvars" '{
	  name: $name,
	  trees: [ { name: "pvcifix", url: $repo, branch: "master" } ],
	  runvars: { version: "9.1.0" },
	  jobs: [
	    { name: "build-x64-pvcifix", trees: ["pvcifix"],
	      runvars: { driver: "pvcifix", executor: "local" },
	      steps: [ { step: "source" }, { step: "build" }, { step: "sign" } ] },
	    { name: ("test-x64-linux-" + $name), needs: ["build-x64-pvcifix"], trees: [],
	      runvars: ((if any($steps[]; .step == "driver-install")
	                 then { buildjob: "build-x64-pvcifix" } else {} end) +
	                { image: "testguest" } + $rv),
	      steps: $steps } ] }' >"$file"
}

# guest_gone FLIGHT JOB: no domain of the job and no overlay file remain.
guest_gone() {
	local f=$1 job=$2 left
	left=$(guest_domains | grep -x "$GUEST_PREFIX-$f-$job" || true)
	if [ -n "$left" ]; then
		echo "domain left: $left"
		return 1
	fi
	if [ -e "$PVCI_HOME/overlays/$f/$job.qcow2" ]; then
		echo "overlay left: $PVCI_HOME/overlays/$f/$job.qcow2"
		return 1
	fi
	return 0
}

# step_log FLIGHT JOB TESTID: the path of a step's log.
guest_step_log() {
	local rel
	rel=$(pvci job show "$1" "$2" --json | jq -r --arg t "$3" '.steps[] | select(.testid == $t) | .log')
	echo "$PVCI_HOME/$rel"
}

step_note() {
	pvci job show "$1" "$2" --json | jq -r --arg t "$3" '.steps[] | select(.testid == $t) | .note // ""'
}

step_seconds() {
	pvci job show "$1" "$2" --json |
		jq -r --arg t "$3" '.steps[] | select(.testid == $t) | (.finished - .started)'
}
