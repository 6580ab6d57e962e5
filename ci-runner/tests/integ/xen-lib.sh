# Shared by the t08NN Xen host tests (sourced after lib.sh and guest-lib.sh;
# bash).
#
# A private instance whose Xen host VM is named PREFIX-xenhost and whose
# guests of the host are named PREFIX-*, the Xen host image (built once
# into $PVCI_TEST_IMAGES/xenhost, default /var/tmp/pvci-test-images, and
# reused while its inputs are unchanged). At exit the host is stopped
# (pvci xenhost stop: the shared SSH connection too) and, whatever pvci
# did, our host domain destroyed. Each test boots the host once: 1-2 min
# under TCG on a loaded machine.

XEN_PREFIX=$GUEST_PREFIX
XEN_DOMAIN="$XEN_PREFIX-xenhost"
XEN_STATE="$PVCI_HOME/xenhost"

xen_sweep() {
	pvci xenhost stop >/dev/null 2>&1
	virsh_q destroy "$XEN_DOMAIN" >/dev/null 2>&1
	virsh_q undefine "$XEN_DOMAIN" >/dev/null 2>&1
}

xen_setup() {
	guest_setup
	at_exit xen_sweep
}

# The Xen host image, built (or found up to date) in the shared folder and
# registered; sets XEN_IMAGE.
xen_image() {
	local shared=${PVCI_TEST_IMAGES:-/var/tmp/pvci-test-images}
	mkdir -p "$shared"
	chmod 755 "$shared"
	XEN_IMAGE="$shared/xenhost"
	pvci image build xenhost --dir "$XEN_IMAGE" >"$TEST_DIR/image.out" 2>&1
}

# SSH processes of our host (the shared connection's master), one a line.
xen_ssh_procs() {
	pgrep -af -- "$XEN_STATE/ssh.ctl" || true
}

# The guest's console (xenconsoled's log in dom0) shows PATTERN within
# BOUND seconds: xen_console_wait NAME PATTERN BOUND
xen_console_wait() {
	local name=$1 pat=$2 bound=$3 t0=$SECONDS
	while [ $((SECONDS - t0)) -lt "$bound" ]; do
		if pvci xenhost run cat "/var/log/xen/console/guest-$name.log" 2>/dev/null |
			grep -q -- "$pat"; then
			return 0
		fi
		sleep 2
	done
	return 1
}
