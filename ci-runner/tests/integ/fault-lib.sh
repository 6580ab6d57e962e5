# Shared by the t07NN fault tests (sourced after lib.sh; bash): faults put
# into real components while a step runs.

# fault_tmpfs DIR SIZE: a tmpfs of SIZE mounted on DIR (which must exist and
# be empty) for the rest of the test; unmounted at exit.
fault_tmpfs() {
	mount -t tmpfs -o "size=$2,mode=0755" pvci-fault "$1" || return 1
	at_exit "umount '$1'"
}

# fault_fill DIR: fills the file system of DIR until not one byte more fits.
fault_fill() {
	dd if=/dev/zero of="$1/.fill" bs=64k status=none 2>/dev/null
	dd if=/dev/zero of="$1/.fill-tail" bs=1 status=none 2>/dev/null
	return 0
}

# fault_procs MARKER: the pids of processes whose command line holds MARKER
# (a string unique to the test), one a line; used to check that nothing a
# step started is left.
fault_procs() {
	local p
	for p in /proc/[0-9]*; do
		if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF -- "$1"; then
			echo "${p#/proc/}"
		fi
	done
	return 0
}

fault_skip_unless_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "1..0 # SKIP needs root (mounts a tmpfs)"
		exit 0
	fi
}

# fault_note FLIGHT JOB TESTID: the note of a step.
fault_note() {
	pvci job show "$1" "$2" --json | jq -r --arg t "$3" '.steps[] | select(.testid == $t) | .note // ""'
}

# A private libvirtd for tests that kill it: its own socket and its own
# state (run, lib, etc, cache and log folders of libvirt bind-mounted from
# $TEST_DIR/lv in a mount namespace of its own), so killing it touches no
# other test and no other daemon, and its QEMUs keep running as with the
# real daemon. No virtlogd: QEMU writes its own log files (stdio_handler
# "file"). Sets FAULT_LV (the folder) and FAULT_LV_URI; the daemon's pid is
# in FAULT_LV_PID after fault_libvirtd_start.
fault_libvirtd_setup() {
	FAULT_LV="$TEST_DIR/lv"
	FAULT_LV_URI="qemu+unix:///system?socket=$FAULT_LV/sock/libvirt-sock"
	mkdir -p "$FAULT_LV"/{run,lib/dnsmasq,etc/qemu,cache,log/qemu,sock}
	chmod 755 "$FAULT_LV" "$FAULT_LV"/*
	if [ -r /etc/libvirt/qemu.conf ]; then
		grep -v '^[[:space:]]*stdio_handler' /etc/libvirt/qemu.conf >"$FAULT_LV/etc/qemu.conf"
	fi
	echo 'stdio_handler = "file"' >>"$FAULT_LV/etc/qemu.conf"
	cat >"$FAULT_LV/libvirtd.conf" <<CONF
unix_sock_dir = "$FAULT_LV/sock"
auth_unix_ro = "none"
auth_unix_rw = "none"
CONF
	at_exit fault_libvirtd_stop
}

# Starts (or starts again, on the same state) the private libvirtd and
# waits until it answers (bounded).
fault_libvirtd_start() {
	local i
	unshare -m --propagation private sh -c '
		lv=$1
		mount --bind "$lv/run" /run/libvirt &&
		mount --bind "$lv/lib" /var/lib/libvirt &&
		mount --bind "$lv/etc" /etc/libvirt &&
		mount --bind "$lv/cache" /var/cache/libvirt &&
		mount --bind "$lv/log" /var/log/libvirt &&
		exec /usr/sbin/libvirtd --config "$lv/libvirtd.conf" --pid-file "$lv/libvirtd.pid"' \
		sh "$FAULT_LV" >>"$FAULT_LV/libvirtd.out" 2>&1 &
	FAULT_LV_PID=$!
	for ((i = 0; i < 240; i++)); do
		timeout 30 virsh -q -c "$FAULT_LV_URI" version >/dev/null 2>&1 && return 0
		kill -0 "$FAULT_LV_PID" 2>/dev/null || break
		sleep 0.5
	done
	echo "# the private libvirtd did not answer:" >&2
	sed 's/^/#   /' "$FAULT_LV/libvirtd.out" | tail -n 20 >&2
	return 1
}

# Kills the private libvirtd with SIGKILL, by its pid.
fault_libvirtd_kill() {
	kill -KILL "$FAULT_LV_PID" 2>/dev/null
	wait "$FAULT_LV_PID" 2>/dev/null
	return 0
}

# At exit: the private daemon's domains destroyed, the daemon stopped.
fault_libvirtd_stop() {
	local d pidfile
	[ -n "${FAULT_LV:-}" ] || return 0
	if [ -n "${FAULT_LV_PID:-}" ] && kill -0 "$FAULT_LV_PID" 2>/dev/null; then
		for d in $(virsh -q -c "$FAULT_LV_URI" list --all --name 2>/dev/null); do
			virsh -q -c "$FAULT_LV_URI" destroy "$d" >/dev/null 2>&1
			virsh -q -c "$FAULT_LV_URI" undefine "$d" >/dev/null 2>&1
		done
		kill -TERM "$FAULT_LV_PID" 2>/dev/null
		wait "$FAULT_LV_PID" 2>/dev/null
	fi
	# QEMUs the daemon left (killed while they ran), by their pid files.
	for pidfile in "$FAULT_LV"/run/qemu/*.pid; do
		[ -r "$pidfile" ] && [ "${pidfile##*/}" != driver.pid ] || continue
		kill -KILL "$(cat "$pidfile")" 2>/dev/null
	done
	return 0
}

# fault_guest_setup: guest_setup (guest-lib.sh) on a private libvirtd:
# the instance's toolstack points at it, domain logs in its log folder.
fault_guest_setup() {
	guest_skip_unless_libvirt
	fault_libvirtd_setup
	fault_libvirtd_start || guest_skip "the private libvirtd did not start"
	GUEST_URI=$FAULT_LV_URI
	guest_setup
	guest_config toolstack.log_dir "$(jq -n --arg d "$FAULT_LV/log/qemu" '$d')"
}

# fault_wait_step FLIGHT JOB TESTID [PATTERN]: waits (bounded, 300 s) until
# the step runs and, with PATTERN, its log matches it (grep -E).
fault_wait_step() {
	local i log
	for ((i = 0; i < 600; i++)); do
		if [ "$(step_status "$1" "$2" "$3" 2>/dev/null)" = running ]; then
			[ -z "${4:-}" ] && return 0
			log=$(guest_step_log "$1" "$2" "$3")
			grep -Eq -- "$4" "$log" 2>/dev/null && return 0
		fi
		sleep 0.5
	done
	return 1
}

# fault_no_qemu_left: no QEMU process of the private daemon runs.
fault_no_qemu_left() {
	local pidfile left=""
	for pidfile in "$FAULT_LV"/run/qemu/*.pid; do
		[ -r "$pidfile" ] && [ "${pidfile##*/}" != driver.pid ] || continue
		kill -0 "$(cat "$pidfile")" 2>/dev/null && left="$left $pidfile"
	done
	[ -z "$left" ] || { echo "QEMU left:$left"; return 1; }
}
